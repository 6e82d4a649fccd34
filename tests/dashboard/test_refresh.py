"""The stored figures are a cache the worker keeps: refreshes of one month take turns, a month never
computed is handed to the worker unless the page needs it now."""

import pytest
from django.db import connection

from core import clock
from dashboard import figures
from dashboard.models import FigureMonth, MonthlyFigure
from tests.complaints.test_concurrency import run_together
from tests.dashboard.conftest import NOVEMBER, at


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_two_refreshes_of_one_month_at_once_store_it_once(timeline):
    figures.month_refresh(NOVEMBER)
    once = MonthlyFigure.objects.filter(month=NOVEMBER).count()
    results = run_together(*[lambda: figures.month_refresh(NOVEMBER)] * 3)
    assert all(isinstance(result, figures.Month) for result in results), results
    assert MonthlyFigure.objects.filter(month=NOVEMBER).count() == once
    assert FigureMonth.objects.filter(month=NOVEMBER).count() == 1


def test_a_month_the_page_can_wait_for_goes_to_the_worker(timeline, django_capture_on_commit_callbacks):
    october = NOVEMBER.replace(month=10)
    with clock.travel_to(at(28, 12)), django_capture_on_commit_callbacks(execute=True) as callbacks:
        read = figures.months_read([october, NOVEMBER], required={NOVEMBER})
    assert not read[NOVEMBER].pending and read[NOVEMBER].intake == 8
    assert read[october].pending and read[october].computed_at is None
    assert len(callbacks) == 1  # the worker (eager in tests) computed October
    assert set(FigureMonth.objects.values_list("month", flat=True)) == {october, NOVEMBER}
    assert not figures.months_read([october], required=set())[october].pending


def test_the_dashboard_says_which_months_are_still_being_computed(timeline, leader, client):
    from django.conf import settings
    from django.urls import reverse

    client.force_login(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with clock.travel_to(at(28, 12)):
        page = client.get(reverse("dashboard:leadership"))
    d = page.context["d"]
    assert "2026-11" not in d["pending"] and "2026-10" not in d["pending"]  # this month and the last
    assert "2026-05" in d["pending"]
    assert "being computed for the first time" in page.content.decode()
    intake = d["charts"]["intake"]["datasets"][0]["data"]
    assert intake[d["charts"]["intake"]["labels"].index("2026-05")] is None
