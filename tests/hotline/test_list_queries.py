"""Every hotline list keeps the same number of queries from one row to many."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import CaseKind, State
from core import clock
from hotline import services
from hotline.models import KnowledgeArticle


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_call_log(agent, client_as, register):
    client = client_as(agent)

    def add_call():
        case = register()
        call = services.call_log(agent=agent, number="13700000000", started_at=clock.now(), outcome="hang_up")
        call.cases.add(case)

    add_call()
    client.get(reverse("hotline:calls"))
    one = queries(client, reverse("hotline:calls"))
    for _number in range(5):
        add_call()
    assert queries(client, reverse("hotline:calls")) == one


def test_revisit_queue(agent, client_as, case_in):
    client = client_as(agent)
    case = case_in(State.REPLIED)
    services.revisit_record(
        case_id=case.pk, agent=agent, is_reached=False, next_try_at=clock.now() + timedelta(hours=2)
    )
    client.get(reverse("hotline:revisit_queue"))
    one = queries(client, reverse("hotline:revisit_queue"))
    for _number in range(4):
        case_in(State.REPLIED)
    assert queries(client, reverse("hotline:revisit_queue")) == one


def test_knowledge_base(agent, client_as, category):
    client = client_as(agent)
    KnowledgeArticle.objects.create(title="停水查询", answer="关注公众号。", category=category)
    client.get(reverse("hotline:knowledge"))
    one = queries(client, reverse("hotline:knowledge"))
    KnowledgeArticle.objects.bulk_create(
        KnowledgeArticle(title=f"问题{n}", answer="答案", category=category) for n in range(6)
    )
    assert queries(client, reverse("hotline:knowledge")) == one


def test_suggestions(dispatcher, client_as, register):
    client = client_as(dispatcher)
    register(kind=CaseKind.SUGGESTION)
    services.suggestions_forward(actor=dispatcher)
    register(kind=CaseKind.SUGGESTION)
    client.get(reverse("hotline:suggestions"))
    one = queries(client, reverse("hotline:suggestions"))
    for _number in range(3):
        register(kind=CaseKind.SUGGESTION)
    services.suggestions_forward(actor=dispatcher)
    register(kind=CaseKind.SUGGESTION)
    assert queries(client, reverse("hotline:suggestions")) == one
