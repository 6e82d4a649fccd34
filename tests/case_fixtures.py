"""Cases for the lifecycle tests: a category, the cast that moves cases, and `case_in(state)`."""

import pytest

from complaints import services
from complaints.demo import Cast, walk
from complaints.models import Case, CaseKind, Category, Channel


@pytest.fixture
def category(business_department):
    parent = Category.objects.create(name="服务态度", code="attitude")
    return Category.objects.create(
        name="营业窗口服务态度",
        code="attitude_counter",
        parent=parent,
        default_department=business_department,
    )


@pytest.fixture
def cast(agent, dispatcher, handler, head, leader, office, legal):
    return Cast(
        agent=agent,
        dispatcher=dispatcher,
        handler=handler,
        head=head,
        leader=leader,
        office=office,
        legal=legal,
    )


@pytest.fixture
def register(agent, category):
    """`register(kind=..., **fields)` registers a case as the hotline agent."""

    def make(**fields) -> Case:
        values = {
            "kind": CaseKind.HELP,
            "channel": Channel.PHONE,
            "category": category,
            "description": "小区停水两天，没有任何通知。",
            "request": "尽快恢复供水。",
            "citizen_name": "张三",
            "citizen_phone": "13812345678",
            "citizen_id_number": "11010519491231002X",
            "citizen_address": "江城市硚口区中山大道100号",
        }
        values.update(fields)
        return services.case_register(actor=fields.pop("actor", agent), **values)

    return make


@pytest.fixture
def case_in(register, cast, business_department):
    """`case_in(state, kind=...)` is a case brought to `state` by the services, handled by the
    business department where the `handler` and `head` personas work."""

    def make(state: str, **fields) -> Case:
        return walk(register(**fields), state, cast, department=business_department)

    return make
