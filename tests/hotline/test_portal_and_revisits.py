"""The public portal (submit, track, rate) and the revisit queue."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from complaints import services as case_services
from complaints.models import Case, CaseKind, State
from core import clock
from hotline import services
from hotline.models import RevisitAttempt


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def portal_data(client, category, **overrides):
    form_page = client.get(reverse("portal:submit"))
    data = {
        "kind": "help",
        "category": category.pk,
        "description": "小区停水两天了，没有任何通知",
        "request": "尽快恢复供水",
        "citizen_name": "王五",
        "citizen_phone": "13700001234",
        "website": "",
        "issued": form_page.context["form"].initial["issued"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def submitted_a_while_ago():
    """Submissions are refused within 3 seconds of the form being shown (bots); step past that."""
    return clock.travel_to(clock.now() + timedelta(seconds=10))


def test_a_citizen_submits_and_gets_a_number_and_query_code(
    client, db, category, roles, submitted_a_while_ago
):
    data = portal_data(client, category)
    with submitted_a_while_ago:
        response = client.post(reverse("portal:submit"), data, follow=True)

    case = Case.objects.get()
    content = response.content.decode()
    assert case.number in content and case.query_code in content
    assert (case.channel, case.created_by, case.state) == ("web", None, State.REGISTERED)


def test_a_bot_filling_the_hidden_field_or_submitting_at_once_is_turned_away(client, db, category):
    instant = client.post(reverse("portal:submit"), portal_data(client, category))
    with clock.travel_to(clock.now() + timedelta(seconds=10)):
        honeypot = client.post(reverse("portal:submit"), portal_data(client, category, website="http://spam"))

    assert instant.status_code == honeypot.status_code == 200
    assert not Case.objects.exists()


def test_submissions_are_rate_limited_per_address(client, db, category, settings, submitted_a_while_ago):
    settings.PORTAL_SUBMISSIONS_PER_HOUR = 2
    datas = [portal_data(client, category) for _round in range(3)]
    with submitted_a_while_ago:
        responses = [client.post(reverse("portal:submit"), data) for data in datas]

    assert [response.status_code for response in responses] == [302, 302, 200]
    assert Case.objects.count() == 2
    assert responses[2].context["form"].non_field_errors()


def test_tracking_shows_plain_progress_and_no_internal_details(client, case_in, cast):
    case = case_in(State.IN_PROGRESS)
    case_services.case_add_note(case_id=case.pk, actor=cast.handler, text="内部调查记录：约谈了窗口人员")

    response = client.post(
        reverse("portal:track"), {"number": case.number, "query_code": case.query_code.lower()}
    )

    content = response.content.decode()
    assert case.number in content
    assert "内部调查记录" not in content
    assert cast.handler.display_name not in content
    assert response.context["progress"]


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(client, case_in):
    case = case_in(State.REGISTERED)

    wrong_code = client.post(reverse("portal:track"), {"number": case.number, "query_code": "AAAAAAAA"})
    unknown = client.post(reverse("portal:track"), {"number": "2099010100001", "query_code": case.query_code})

    assert wrong_code.context["case"] is None and unknown.context["case"] is None
    assert wrong_code.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert case.description not in wrong_code.content.decode()


def test_guessing_query_codes_is_stopped(client, case_in, settings):
    settings.PORTAL_TRACK_FAILURES_PER_HOUR = 3
    case = case_in(State.REGISTERED)
    for _guess in range(3):
        client.post(reverse("portal:track"), {"number": case.number, "query_code": "WRONG123"})

    right = client.post(reverse("portal:track"), {"number": case.number, "query_code": case.query_code})

    assert right.context["case"] is None


def test_the_reply_shows_once_approved_and_the_rating_counts_as_the_revisit(client, case_in, cast):
    case = case_in(State.REPLY_SUBMITTED)
    waiting = client.post(reverse("portal:track"), {"number": case.number, "query_code": case.query_code})
    assert case.reply not in waiting.content.decode()

    case_services.case_approve_reply(case_id=case.pk, actor=cast.head, approve=True)
    replied = client.get(reverse("portal:track") + f"?case={case.pk}")
    assert case.reply in replied.content.decode() and replied.context["rating_form"] is not None

    client.post(reverse("portal:rate", args=[case.pk]), {"verdict": "satisfied", "is_resolved": "1"})
    case.refresh_from_db()
    assert (case.state, case.satisfaction, case.is_resolved) == (State.REVISITED, "satisfied", True)


def test_an_unsatisfied_rating_reopens_the_case(client, case_in):
    case = case_in(State.REPLIED)
    client.post(reverse("portal:track"), {"number": case.number, "query_code": case.query_code})

    client.post(
        reverse("portal:rate", args=[case.pk]),
        {"verdict": "unsatisfied", "is_resolved": "0", "note": "没修好"},
    )

    case.refresh_from_db()
    assert (case.state, case.reopen_count) == (State.REOPENED, 1)


def test_rating_someone_elses_case_without_its_code_does_nothing(client, case_in):
    case = case_in(State.REPLIED)

    client.post(reverse("portal:rate", args=[case.pk]), {"verdict": "unsatisfied", "is_resolved": "0"})

    assert Case.objects.get(pk=case.pk).state == State.REPLIED


def test_revisit_queue_lists_replied_cases_and_records_verdicts(case_in, agent, client_as):
    replied = case_in(State.REPLIED)
    case_in(State.IN_PROGRESS)
    client = client_as(agent)

    queue = client.get(reverse("hotline:revisit_queue")).content.decode()
    assert queue.count('data-number="') == 1 and replied.number in queue

    client.post(
        reverse("hotline:revisit", args=[replied.number]),
        {"is_reached": "1", "verdict": "unsatisfied", "is_resolved": "0", "note": "问题没解决"},
    )
    replied.refresh_from_db()
    assert (replied.state, replied.reopen_count) == (State.REOPENED, 1)


def test_an_unreachable_citizen_gets_a_next_try_then_is_recorded_unreachable(case_in, agent):
    case = case_in(State.REPLIED)

    services.revisit_record(
        case_id=case.pk,
        agent=agent,
        is_reached=False,
        next_try_at=clock.now() + timedelta(hours=3),
        note="无人接听",
    )
    assert Case.objects.get(pk=case.pk).state == State.REPLIED
    services.revisit_record(case_id=case.pk, agent=agent, is_reached=False, note="三次未接通")

    case.refresh_from_db()
    assert (case.state, case.satisfaction) == (State.REVISITED, "unreachable")
    assert RevisitAttempt.objects.filter(case=case).count() == 2


def test_the_adoption_decision_reaches_the_citizen(client, case_in, cast):
    case = case_in(State.REPLIED, kind=CaseKind.SUGGESTION)

    response = client.post(reverse("portal:track"), {"number": case.number, "query_code": case.query_code})

    assert case.get_adoption_display() in response.content.decode()


def test_the_portal_fits_a_phone(client, db):
    content = client.get(reverse("portal:submit")).content.decode()

    assert 'name="viewport" content="width=device-width, initial-scale=1"' in content


def test_a_citizen_cannot_link_a_submission_to_another_case(client, case_in, category, submitted_a_while_ago):
    other = case_in(State.REGISTERED)
    data = portal_data(client, category, repeat_of=other.number)
    with submitted_a_while_ago:
        client.post(reverse("portal:submit"), data)

    submitted = Case.objects.exclude(pk=other.pk).get()
    assert submitted.repeat_of is None
