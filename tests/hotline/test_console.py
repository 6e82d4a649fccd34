"""The agent console: the caller's history, the knowledge base, one intake form with three outcomes,
the call log, and repeat detection."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import Case, CaseKind, State
from complaints.selectors import possible_repeats
from core import clock
from core.models import AuditEntry
from hotline import services
from hotline.forms import call_start_token
from hotline.models import ArticleUse, Call, KnowledgeArticle

PHONE = "13812345678"


@pytest.fixture
def article(category):
    return KnowledgeArticle.objects.create(
        title="阶梯水价怎么计算？",
        answer="年用水量180立方米以内为第一阶梯。",
        keywords="阶梯 水价",
        category=category,
    )


def intake(category, **overrides):
    data = {
        "citizen_phone": PHONE,
        "citizen_name": "张三",
        "kind": "consultation",
        "category": category.pk,
        "priority": "ordinary",
        "description": "咨询阶梯水价的计算方法",
        "group_size": 1,
        "outcome": "answer",
        "answer": "",
        "call_started_at": call_start_token(),
    }
    data.update(overrides)
    return data


def test_history_appears_as_the_number_is_typed(agent, client_as, register):
    earlier = register(citizen_phone=PHONE, description="上个月的停水问题")
    other = register(citizen_phone="13900001111")
    client = client_as(agent)

    partial = client.post(reverse("complaints:citizen_history"), {"citizen_phone": "138123"}).content.decode()
    assert earlier.number not in partial
    response = client.post(reverse("complaints:citizen_history"), {"citizen_phone": "138 1234 5678"})

    content = response.content.decode()
    assert earlier.number in content and other.number not in content
    assert PHONE not in content


def test_history_finds_the_caller_by_id_number_too(agent, client_as, register):
    earlier = register(citizen_phone="13900001111", citizen_id_number="11010519491231002X")

    content = (
        client_as(agent)
        .post(reverse("complaints:citizen_history"), {"citizen_id_number": "11010519491231002x"})
        .content.decode()
    )

    assert earlier.number in content


def test_a_consultation_is_answered_from_the_knowledge_base_in_one_submit(
    agent, client_as, category, article
):
    client = client_as(agent)
    assert article.title in client.get(reverse("hotline:knowledge_search"), {"q": "水价"}).content.decode()

    response = client.post(
        reverse("hotline:console"), intake(category, answer=article.answer, article=article.pk)
    )

    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.state, case.reply, case.channel) == (State.ANSWERED_DIRECTLY, article.answer, "phone")
    assert ArticleUse.objects.get().case == case
    assert KnowledgeArticle.objects.get().use_count == 1
    call = Call.objects.get()
    assert (call.number, call.outcome, list(call.cases.all())) == (PHONE, Call.Outcome.CASE, [case])


def test_a_complaint_is_dispatched_to_the_chosen_department(agent, client_as, category, business_department):
    response = client_as(agent).post(
        reverse("hotline:console"),
        intake(
            category,
            kind="complaint",
            description="营业厅工作人员态度恶劣",
            outcome="dispatch",
            lead_department=business_department.pk,
        ),
    )

    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.state, case.lead_department) == (State.DISPATCHED, business_department)


def test_a_matter_can_be_left_for_the_dispatcher(agent, client_as, category):
    client_as(agent).post(reverse("hotline:console"), intake(category, kind="help", outcome="register"))

    assert Case.objects.get().state == State.REGISTERED


def test_bad_input_keeps_everything_typed_and_says_what_is_wrong(agent, client_as, category):
    response = client_as(agent).post(
        reverse("hotline:console"),
        intake(category, outcome="dispatch", citizen_id_number="110105194912310021"),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "lead_department" in form.errors and "citizen_id_number" in form.errors
    assert "咨询阶梯水价的计算方法" in response.content.decode()
    assert not Case.objects.exists() and not Call.objects.exists()


def test_a_call_without_a_case_is_logged_and_counted(agent, client_as):
    client = client_as(agent)

    client.post(
        reverse("hotline:call_without_case"),
        {"number": "13700000000", "outcome": "harassment", "call_started_at": call_start_token()},
    )

    call = Call.objects.get()
    assert (call.outcome, call.cases.count()) == (Call.Outcome.HARASSMENT, 0)
    content = client.get(reverse("hotline:calls")).content.decode()
    assert "137****0000" in content
    assert "13700000000" not in content
    with clock.travel_to(clock.now() - timedelta(days=40)):
        services.call_log(agent=agent, number="13700000001", started_at=clock.now(), outcome="harassment")
    statistics = client.get(reverse("hotline:calls") + "?outcome=harassment").context["statistics"]
    # This month's calls only: the one logged 40 days ago is in the log but not in the count.
    assert {code: count for code, _label, count in statistics}["harassment"] == 1


def test_repeat_detection_by_phone_and_by_similar_description(agent, register, category):
    by_phone = register(citizen_phone=PHONE, description="水表读数异常")
    similar = register(citizen_phone="13900001111", description="小区二次供水水箱多年没有清洗，水有异味")
    with clock.travel_to(clock.now() - timedelta(days=45)):
        register(citizen_phone=PHONE, description="很久以前的事")

    matches = possible_repeats(
        agent, phone=PHONE, category=category, description="小区二次供水水箱很多年没有清洗了，水有异味"
    )

    assert {match.case for match in matches} == {by_phone, similar}


def test_a_repeat_with_no_new_facts_gets_the_earlier_answer_and_is_linked(
    agent, client_as, category, case_in
):
    earlier = case_in(State.REPLIED, citizen_phone=PHONE)

    client_as(agent).post(
        reverse("hotline:console"),
        intake(
            category,
            kind="help",
            outcome="register",
            repeat_of=earlier.number,
            answer_as_repeat="on",
        ),
    )

    case = Case.objects.exclude(pk=earlier.pk).get()
    assert (case.state, case.repeat_of, case.reply) == (State.ANSWERED_DIRECTLY, earlier, earlier.reply)


def test_only_console_roles_open_the_console(client_as, handler, agent):
    assert client_as(handler).get(reverse("hotline:console")).status_code == 403
    assert client_as(agent).get(reverse("hotline:console")).status_code == 200


def test_history_query_count_does_not_grow(agent, client_as, register):
    client = client_as(agent)
    register(citizen_phone=PHONE)
    client.post(reverse("complaints:citizen_history"), {"citizen_phone": PHONE})

    with CaptureQueriesContext(connection) as one:
        client.post(reverse("complaints:citizen_history"), {"citizen_phone": PHONE})
    for _number in range(5):
        register(citizen_phone=PHONE)
    with CaptureQueriesContext(connection) as many:
        client.post(reverse("complaints:citizen_history"), {"citizen_phone": PHONE})
    assert len(one.captured_queries) == len(many.captured_queries)


def test_suggestions_are_forwarded_in_batches_per_department(
    register, dispatcher, category, business_department
):
    suggestions = [register(kind=CaseKind.SUGGESTION, description=f"建议增加自助缴费机{n}") for n in range(3)]
    register(kind=CaseKind.HELP)

    batches = services.suggestions_forward(actor=dispatcher)

    assert len(batches) == 1 and batches[0].department == business_department
    assert set(batches[0].cases.all()) == set(suggestions)
    assert all(Case.objects.get(pk=case.pk).state == State.DISPATCHED for case in suggestions)
    assert services.suggestions_forward(actor=dispatcher) == []


def test_the_weekly_task_forwards_suggestions_as_the_system_account(register, roles):
    from hotline.tasks import suggestions_forward_task

    suggestion = register(kind=CaseKind.SUGGESTION, description="建议增加夜间缴费服务")

    assert suggestions_forward_task() == 1
    assert suggestions_forward_task() == 0
    suggestion.refresh_from_db()
    assert suggestion.state == State.DISPATCHED
    assert suggestion.events.get(action="dispatch").actor.username == "minsheng-system"


def test_the_office_edits_the_knowledge_base_and_agents_read_it(office, agent, client_as, category):
    data = {
        "title": "停水怎么查询？",
        "category": category.pk,
        "answer": "关注公众号查询停水公告。",
        "keywords": "停水",
        "is_published": "on",
    }

    assert client_as(agent).post(reverse("hotline:knowledge_new"), data).status_code == 403
    assert client_as(office).post(reverse("hotline:knowledge_new"), data).status_code == 302
    article = KnowledgeArticle.objects.get()
    client_as(office).post(
        reverse("hotline:knowledge_edit", args=[article.pk]), {**data, "answer": "拨打热线查询。"}
    )

    article.refresh_from_db()
    assert (article.answer, article.updated_by) == ("拨打热线查询。", office)
    assert "停水怎么查询" in client_as(agent).get(reverse("hotline:knowledge") + "?q=停水").content.decode()


def test_a_callers_number_is_revealed_for_a_reason_and_the_reveal_is_logged(agent, client_as, english):
    call = services.call_log(agent=agent, number="13700000000", started_at=clock.now(), outcome="hang_up")
    client = client_as(agent)
    url = reverse("hotline:call_reveal", args=[call.pk])

    refused = client.post(url, {"reason": ""}, HTTP_HX_REQUEST="true").content.decode()
    shown = client.post(url, {"reason": "回拨核实"}, HTTP_HX_REQUEST="true").content.decode()
    page = client.post(url, {"reason": "回拨核实"}).content.decode()

    assert "13700000000" not in refused
    assert 'name="reason"' in refused  # the form stays, to try again
    assert "13700000000" in shown
    assert page.count("13700000000") == 1  # the full page, with that one row revealed
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL, object_id=str(call.pk)).count() == 2


def test_a_bad_field_of_the_look_up_spoils_no_other(agent, client_as, register):
    case = register(citizen_phone="13812345678")

    response = client_as(agent).post(
        reverse("complaints:citizen_history"), {"citizen_phone": "13812345678", "category": "999999"}
    )

    assert case.number in response.content.decode()
