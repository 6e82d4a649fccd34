"""Visits for the reception tests: a room, a visitor's fields and `visit_in(state)`."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core import clock
from reception import services
from reception.models import ReceptionRoom, Visit

# Valid ID numbers (GB 11643 check character): a woman born 1949-12-31, and a man born 1980-01-01.
ID_NUMBER = "11010519491231002X"
OTHER_ID_NUMBER = "110105198001010016"


# A Tuesday morning in an ordinary working week.
MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _tuesday_morning():
    """Reception tests stand at a fixed working-day morning, so "today" and deadlines are known."""
    with clock.travel_to(MORNING):
        yield MORNING


@pytest.fixture
def room(db):
    return ReceptionRoom.objects.get_or_create(name="公民接待室", defaults={"sort_order": 10})[0]


@pytest.fixture
def visitor():
    return {
        "visitor_name": "张三",
        "id_number": ID_NUMBER,
        "phone": "13812345678",
        "address": "江城市硚口区中山大道100号",
        "reason": "水费突然变高，要求核查",
    }


@pytest.fixture
def visit_in(clerk, room, visitor):
    """`visit_in(state, **fields)`: a visit registered today by the clerk and moved to `state`."""

    def make(state: str, **fields) -> Visit:
        visit = services.visit_register(clerk=clerk, room=room, **{**visitor, **fields})
        if state in (Visit.State.RECEIVING, Visit.State.FINISHED):
            visit = services.visit_call_in(visit_id=visit.pk, actor=clerk)
        if state == Visit.State.FINISHED:
            visit = services.visit_finish(
                visit_id=visit.pk,
                actor=clerk,
                outcome=Visit.Outcome.ANSWERED,
                statement="来访人询问水费构成。",
                answer="已当面解释阶梯水价。",
            )
        if state == Visit.State.LEFT:
            visit = services.visit_leave(visit_id=visit.pk, actor=clerk)
        return visit

    return make


@pytest.fixture
def leader_day(office, leader, room):
    """A leader's reception day tomorrow, planned by the office."""
    return services.leader_day_create(
        actor=office,
        leader=leader,
        date=timezone.localdate(clock.now()) + timedelta(days=1),
        starts_at=time(9, 0),
        ends_at=time(12, 0),
        room=room,
        topic="水费争议",
        capacity=2,
    )
