"""The ledger, the case page, the inbox, registration and the action pages over HTTP."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import selectors, services
from complaints.models import Case, CaseEvent, CaseKind, State
from core import clock


def test_ledger_query_count_is_the_same_for_one_and_many_cases(
    case_in, office, client_as, django_assert_num_queries
):
    client = client_as(office)
    case_in(State.IN_PROGRESS)
    client.get(reverse("complaints:list"))
    # Expect: session, user, groups, count, the page of cases (category, parent and department
    # joined), user and group permissions (navigation), primary membership (navigation bar), and the
    # filter's two dropdowns, each a count and a fetch (categories, departments). The working
    # calendar is cached per process.
    with django_assert_num_queries(13) as first:
        client.get(reverse("complaints:list"))
    for state in (State.REGISTERED, State.DISPATCHED, State.REPLIED, State.CLOSED, State.SUSPENDED):
        case_in(state, kind=CaseKind.COMPLAINT)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("complaints:list"))
    assert response.content.decode().count('data-number="') == 6


def test_case_page_query_count_does_not_grow_with_its_timeline(case_in, office, client_as):
    client = client_as(office)
    short = case_in(State.REGISTERED)
    long = case_in(State.CLOSED, kind=CaseKind.COMPLAINT)
    client.get(reverse("complaints:detail", args=[short.number]))

    with CaptureQueriesContext(connection) as short_queries:
        client.get(reverse("complaints:detail", args=[short.number]))
    with CaptureQueriesContext(connection) as long_queries:
        response = client.get(reverse("complaints:detail", args=[long.number]))

    assert len(long_queries.captured_queries) == len(short_queries.captured_queries)
    events = CaseEvent.objects.filter(case=long).count()
    assert events > 10
    assert response.content.decode().count('class="mb-2 small"') == events


def test_inbox_query_count_is_constant_and_buckets_are_right(case_in, handler, client_as):
    client = client_as(handler)
    to_sign = case_in(State.DISPATCHED)
    client.get(reverse("complaints:inbox"))

    with CaptureQueriesContext(connection) as one:
        response = client.get(reverse("complaints:inbox"))
    assert to_sign.number in response.content.decode()
    for _number in range(4):
        case_in(State.DISPATCHED)
    case_in(State.IN_PROGRESS)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("complaints:inbox"))

    assert len(many.captured_queries) == len(one.captured_queries)
    assert response.content.decode().count('data-number="') == 5
    in_progress = client.get(reverse("complaints:inbox") + "?bucket=in_progress").content.decode()
    assert in_progress.count('data-number="') == 1
    queues = selectors.department_inbox(handler)
    assert response.context["counts"] == {name: queue.count() for name, queue in queues.items()}
    assert response.context["counts"]["to_sign"] == 5


def test_ledger_filters(case_in, office, client_as, category):
    complaint = case_in(State.IN_PROGRESS, kind=CaseKind.COMPLAINT, description="营业厅工作人员态度生硬")
    help_request = case_in(State.REGISTERED, kind=CaseKind.HELP, description="小区停水")
    client = client_as(office)

    def numbers(query):
        content = client.get(reverse("complaints:list") + query).content.decode()
        return {case.number for case in (complaint, help_request) if case.number in content}

    assert numbers("?kind=complaint") == {complaint.number}
    assert numbers("?state=registered") == {help_request.number}
    assert numbers("?q=态度生硬") == {complaint.number}
    assert numbers(f"?q={help_request.number}") == {help_request.number}
    assert numbers(f"?category={category.parent_id}") == {complaint.number, help_request.number}
    assert numbers(f"?lead_department={complaint.lead_department_id}") == {complaint.number}
    assert numbers("?overdue=on") == set()
    assert numbers("?ordering=-number") == {complaint.number, help_request.number}


def test_overdue_filter_and_highlight(register, office, client_as):
    with clock.travel_to(clock.now() - timedelta(days=10)):
        late = register()
    content = client_as(office).get(reverse("complaints:list") + "?overdue=on").content.decode()

    assert late.number in content
    assert "table-danger" in content


def test_a_forbidden_action_is_403_and_changes_nothing(case_in, clerk, client_as):
    case = case_in(State.DISPATCHED)

    response = client_as(clerk).post(
        reverse("complaints:action", args=[case.number, "sign"]), {"version": case.version}
    )

    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).state == State.DISPATCHED


def test_a_refused_action_redirects_with_the_reason(case_in, handler, client_as):
    case = case_in(State.IN_PROGRESS, kind=CaseKind.COMPLAINT)

    response = client_as(handler).post(
        reverse("complaints:action", args=[case.number, "submit_reply"]),
        {"version": case.version, "reply": "答复", "reply_channel": "phone"},
        follow=True,
    )

    assert "handling proposal" in response.content.decode() or "处理意见" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == State.IN_PROGRESS


def test_a_stale_page_is_told_and_nothing_changes(case_in, handler, head, client_as):
    case = case_in(State.DISPATCHED)
    services.case_sign(case_id=case.pk, actor=head)

    response = client_as(handler).post(
        reverse("complaints:action", args=[case.number, "start"]), {"version": case.version}, follow=True
    )

    assert (
        "Someone else changed this case" in response.content.decode() or "刚刚" in response.content.decode()
    )
    assert Case.objects.get(pk=case.pk).state == State.SIGNED


def test_handler_signs_through_the_page(case_in, handler, client_as):
    case = case_in(State.DISPATCHED)

    response = client_as(handler).post(
        reverse("complaints:action", args=[case.number, "sign"]), {"version": case.version}
    )

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).state == State.SIGNED


def test_it_rejects_an_unknown_action(case_in, office, client_as):
    case = case_in(State.REGISTERED)
    assert (
        client_as(office).get(reverse("complaints:action", args=[case.number, "teleport"])).status_code == 404
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("citizen_id_number", "110105194912310021", "check digit"),
        ("citizen_id_number", "12345", "18 characters"),
        ("citizen_phone", "12345", "mobile number"),
    ],
)
def test_registration_explains_a_wrong_id_number_or_phone_at_the_field(
    field, value, message, agent, client_as, category, settings
):
    settings.LANGUAGE_CODE = "en"
    client = client_as(agent)
    client.post(reverse("core:language_switch"), {"language": "en"})
    data = {
        "kind": "help",
        "channel": "phone",
        "priority": "ordinary",
        "description": "停水",
        "group_size": 1,
        "citizen_name": "张三",
        "citizen_phone": "13812345678",
        "category": category.pk,
    }
    data[field] = value

    response = client.post(reverse("complaints:register"), data)

    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not Case.objects.exists()


def test_registration_creates_the_case_with_its_attachment(agent, client_as, category):
    photo = SimpleUploadedFile("停水通知.jpg", b"\xff\xd8\xff" + b"1" * 200, content_type="image/jpeg")
    response = client_as(agent).post(
        reverse("complaints:register"),
        {
            "kind": "help",
            "channel": "phone",
            "priority": "ordinary",
            "description": "小区停水两天",
            "group_size": 1,
            "citizen_name": "张三",
            "citizen_phone": "138 1234 5678",
            "category": category.pk,
            "attachments": [photo],
        },
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert case.citizen_phone == "13812345678"
    assert len(case.number) == 13 and len(case.query_code) == 8
    assert case.attachments.get().original_name == "停水通知.jpg"


def test_attachments_are_refused_when_too_large_or_of_a_wrong_type(case_in, handler, client_as, settings):
    settings.CASE_ATTACHMENT_MAX_BYTES = 100
    case = case_in(State.IN_PROGRESS)
    client = client_as(handler)
    url = reverse("complaints:action", args=[case.number, "add_attachment"])

    too_big = client.post(url, {"file": SimpleUploadedFile("a.pdf", b"%PDF" + b"0" * 200)}, follow=True)
    wrong_type = client.post(url, {"file": SimpleUploadedFile("a.exe", b"MZ")}, follow=True)

    assert case.attachments.count() == 0
    assert too_big.status_code == wrong_type.status_code == 200
    assert too_big.context["form"].errors["file"]
    assert wrong_type.context["form"].errors["file"]


def test_attachment_downloads_only_for_those_who_see_the_case(case_in, handler, other_handler, client_as):
    case = case_in(State.IN_PROGRESS)
    attachment = services.case_add_attachment(
        case_id=case.pk, actor=handler, file=SimpleUploadedFile("证据.pdf", b"%PDF-1.4 evidence")
    )
    url = reverse("complaints:attachment", args=[case.number, attachment.pk])

    assert client_as(handler).get(url).status_code == 200
    assert client_as(other_handler).get(url).status_code == 404


def test_numbers_are_unique_and_sequential_per_day(register):
    numbers = [register().number for _number in range(5)]

    assert len(set(numbers)) == 5
    assert [int(number[-5:]) for number in numbers] == [1, 2, 3, 4, 5]


def test_text_search_finds_two_character_words_single_characters_and_numbers(register):
    pressure = register(description="我家水压太低，三楼以上都没水")
    leak = register(description="路口的管道漏水")

    assert list(Case.objects.matching_text("水压")) == [pressure]
    assert set(Case.objects.matching_text("水")) == {pressure, leak}
    assert list(Case.objects.matching_text(leak.number)) == [leak]
    assert not Case.objects.matching_text("燃气").exists()
