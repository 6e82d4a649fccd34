"""The dashboards' pages: who may open them, that every number leads to exactly its cases, constant
queries as cases grow, the report, the public statistics."""

from io import BytesIO
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from complaints.models import CaseKind
from core import clock
from dashboard import figures
from tests.dashboard.conftest import NOVEMBER, at

NOW = at(28, 12)


@pytest.fixture
def client_in_english(client):
    def sign_in(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return sign_in


def ledger_count(client, url: str) -> int:
    """How many cases the ledger lists at `url` (all pages)."""
    parts = urlsplit(url)
    assert parts.path == reverse("complaints:list")
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200
    assert not response.context["filter"].form.errors, response.context["filter"].form.errors
    return response.context["page"].paginator.count


def test_every_number_of_the_leadership_dashboard_lists_exactly_its_cases(
    timeline, leader, client_in_english
):
    client = client_in_english(leader)
    with clock.travel_to(NOW):
        figures.months_refresh(12)  # as beat does
        response = client.get(reverse("dashboard:leadership"))
        assert response.status_code == 200
        d = response.context["d"]
        assert d["pending"] == []
        tiles = {tile.label: tile for tile in d["tiles"]}
        assert tiles["Registered this month"].value == 8
        assert tiles["Open"].value == 2  # 3 and 7 (8, revisited, waits for a decision)
        for tile in d["tiles"]:
            assert ledger_count(client, tile.url) == tile.value, tile.label
        for tile in d["kpi_tiles"]:
            assert ledger_count(client, tile.url) == tile.figure.total, tile.code
            assert ledger_count(client, tile.hits_url) == tile.figure.hits, tile.code
            assert ledger_count(client, tile.misses_url) == tile.figure.misses, tile.code
        for _department, cells in d["heat_map"]["rows"]:
            for cell in cells:
                if cell["count"]:
                    assert ledger_count(client, cell["url"]) == cell["count"]
        for dataset in d["charts"]["intake"]["datasets"]:
            for count, url in zip(dataset["data"], dataset["urls"], strict=True):
                assert ledger_count(client, url) == count
        november = d["charts"]["satisfaction"]["labels"].index("2026-11")
        assert ledger_count(client, d["charts"]["satisfaction"]["urls"][november]) == 3


def test_an_overdue_count_lists_the_overdue_cases(timeline, leader, client_in_english):
    client = client_in_english(leader)
    with clock.travel_to(NOW):
        overdue = next(
            t
            for t in client.get(reverse("dashboard:leadership")).context["d"]["tiles"]
            if t.label == "Overdue"
        )
        response = client.get(overdue.url)
    listed = {case.number for case in response.context["page"].object_list}
    # 3: signed by B on the 5th, handling due the 16th; 7: replied the 25th, revisit due the 27th.
    assert overdue.value == len(listed) == 2
    assert listed == {timeline["cases"][3].number, timeline["cases"][7].number}


def test_the_kpi_filter_shows_what_it_selects_and_can_be_removed(timeline, leader, client_in_english):
    client = client_in_english(leader)
    with clock.travel_to(NOW):
        response = client.get(
            reverse("complaints:list"), {"kpi": "on_time", "part": "miss", "month": "2026-11"}
        )
    chip = response.context["filter"].kpi_chip
    assert chip["indicator"].startswith("On-time completion")
    assert [case.number for case in response.context["page"].object_list] == [timeline["cases"][7].number]
    assert "kpi-chip" in response.content.decode()
    assert chip["clear_query"] == ""


def test_the_dashboard_costs_the_same_queries_however_many_cases(
    timeline, leader, client_in_english, register
):
    client = client_in_english(leader)
    with clock.travel_to(NOW):
        figures.months_refresh(12)
        client.get(reverse("dashboard:leadership"))
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("dashboard:leadership"))
        for day in range(1, 20):
            with clock.travel_to(at(day, 10)):
                register(kind=CaseKind.COMPLAINT)
        figures.months_refresh(12)
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("dashboard:leadership"))
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [("head", "dashboard:department"), ("leader", "dashboard:report"), (None, "public_statistics")],
)
def test_the_other_pages_cost_the_same_queries_however_many_cases(
    timeline, client, persona, url_name, request, register, cast, business_department
):
    from complaints.demo import walk
    from complaints.models import State

    if persona:
        client.force_login(request.getfixturevalue(persona))
    with clock.travel_to(NOW):
        figures.months_refresh(12)
        client.get(reverse(url_name), {"month": "2026-11"})
        with CaptureQueriesContext(connection) as few:
            client.get(reverse(url_name), {"month": "2026-11"})
        for day in range(1, 12):
            with clock.travel_to(at(day, 10)):
                walk(
                    register(kind=CaseKind.COMPLAINT), State.IN_PROGRESS, cast, department=business_department
                )
        figures.months_refresh(12)
        with CaptureQueriesContext(connection) as many:
            client.get(reverse(url_name), {"month": "2026-11"})
    assert len(many) == len(few)


def test_who_may_open_which_dashboard(timeline, client_in_english, leader, office, head, handler, agent):
    with clock.travel_to(NOW):
        for user, leadership, department in [
            (leader, 200, 403),
            (office, 200, 403),
            (head, 403, 200),
            (handler, 403, 403),
            (agent, 403, 403),
        ]:
            client = client_in_english(user)
            assert client.get(reverse("dashboard:leadership")).status_code == leadership, user
            assert client.get(reverse("dashboard:department")).status_code == department, user
            assert client.get(reverse("dashboard:report")).status_code == leadership, user


def test_the_department_dashboard_shows_the_departments_own_figures(
    timeline, head, client_in_english, business_department
):
    client = client_in_english(head)
    with clock.travel_to(NOW):
        response = client.get(reverse("dashboard:department"))
        d = response.context["d"]
        [(department, tiles, score)] = d["departments"]
        assert department == business_department
        on_time = next(tile for tile in tiles if tile.code == "on_time")
        assert (on_time.figure.total, on_time.figure.hits) == (3, 3)
        assert score == 65.0
        for tile in tiles:
            assert ledger_count(client, tile.url) == tile.figure.total, tile.code
        assert "acceptance" not in {tile.code for tile in tiles}  # an organisation indicator
        counts = dict((bucket, count) for bucket, _label, _tone, count in d["buckets"])
        assert counts["to_sign"] == 0


def test_workspaces_carry_the_dashboards_and_todays_tiles(timeline, client_in_english, leader, head, agent):
    with clock.travel_to(NOW):
        assert (
            "leadership-dashboard"
            in client_in_english(leader).get(reverse("core:workspace")).content.decode()
        )
        assert (
            "department-dashboard" in client_in_english(head).get(reverse("core:workspace")).content.decode()
        )
        page = client_in_english(agent).get(reverse("core:workspace")).content.decode()
    assert 'data-testid="today"' in page and "Revisits due by today" in page
    assert "leadership-dashboard" not in page


def test_the_clerk_sees_the_visitors_of_the_day(clerk, client_in_english):
    page = client_in_english(clerk).get(reverse("core:workspace")).content.decode()
    assert "Visitors waiting now" in page and "Cases I registered today" in page
    assert "Calls I took today" not in page


def test_the_monthly_report_prints_and_downloads(timeline, leader, client_in_english):
    client = client_in_english(leader)
    with clock.travel_to(NOW):
        page = client.get(reverse("dashboard:report"), {"month": "2026-11"})
        download = client.get(reverse("dashboard:report_xlsx"), {"month": "2026-11"})
    assert page.status_code == 200
    report = page.context
    assert report["intake"] == 8
    assert [entry.department.name for entry in report["late"]] == ["工程管理部"]
    assert report["repeats"]["total"] == 2
    assert download["Content-Disposition"] == 'attachment; filename="report-2026-11.xlsx"'
    workbook = load_workbook(BytesIO(download.content))
    assert workbook.sheetnames == [
        "Trend",
        "Indicators",
        "Departments",
        "Hot topics",
        "Late and reopened",
        "Repeat matters",
    ]
    trend = list(workbook["Trend"].iter_rows(values_only=True))
    assert trend[-1][:2] == ("2026-11", 8)
    indicators = {row[0]: row[1:4] for row in workbook["Indicators"].iter_rows(min_row=2, values_only=True)}
    assert indicators["On-time completion (按时办结率)"] == (4, 3, 75.0)


def test_the_indicator_page_writes_out_every_formula_and_weight(leader, client_in_english):
    page = client_in_english(leader).get(reverse("dashboard:indicators")).content.decode()
    assert "those the department signed for by the sign deadline ÷ cases dispatched or reassigned" in page
    # A formula naming a setting is written in the reader's language too, not the one at start-up.
    assert "merged into, a case registered at most 30 days before ÷ cases registered" in page
    assert "Total weight" in page


def test_public_statistics_withhold_small_counts_and_personal_data(timeline, client, settings):
    settings.DISCLOSURE_MIN_COUNT = 3
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with clock.travel_to(at(30, 12).replace(month=12, day=2)):
        response = client.get(reverse("public_statistics"), {"month": "2026-11"})
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["total"] == 8
    # By status: closed 4 (1, 2, 4, 6), answered 2 (7 replied, 8 revisited), being handled 1 (3),
    # merged 1 (5): the three below 3 are withheld.
    assert dict(response.context["status"]) == {
        "Closed": 4,
        "Answered, awaiting the citizen's rating": None,
        "Being handled": None,
        "Merged into another case": None,
    }
    assert response.context["on_time"] == 75.0
    assert response.context["satisfaction"] == 66.7
    assert "张三" not in page and "138" not in page


def test_a_single_small_count_takes_the_next_smallest_with_it():
    from dashboard.report import suppressed

    assert suppressed({"a": 10, "b": 2, "c": 6}, 5) == {"a": 10, "b": None, "c": None}
    assert suppressed({"a": 10, "b": 2, "c": 3}, 5) == {"a": 10, "b": None, "c": None}
    assert suppressed({"a": 10, "b": 0}, 5) == {"a": 10, "b": 0}


def test_the_public_page_offers_only_complete_months(timeline, client):
    with clock.travel_to(NOW):
        response = client.get(reverse("public_statistics"), {"month": "2026-11"})
    assert response.context["month"] == NOVEMBER.replace(month=10)


def test_administrators_set_the_weights_beside_each_formula(admin, client_in_english):
    from complaints.models import Indicator

    client = client_in_english(admin)
    page = client.get(reverse("admin:complaints_indicator_changelist")).content.decode()
    assert "those the citizen was called back about (a revisit recorded) ÷ cases closed in the period" in page
    indicator = Indicator.objects.get(code="satisfaction")
    response = client.post(
        reverse("admin:complaints_indicator_change", args=[indicator.pk]), {"weight": 40, "sort_order": 70}
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.weight == 40
