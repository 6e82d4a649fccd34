"""Reads of reception: the day board, a visit's page, the visitor's history while registering, the
leaders' reception days. Every read starts from `Visit.objects.visible_to(user)` (core.policy)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from complaints import selectors as case_selectors
from core import clock, personal_data, policy
from reception.models import LeaderReceptionDay, ReceptionRoom, Visit

VISIT_RELATED = (
    "room",
    "clerk",
    "receiver",
    "category",
    "category__parent",
    "case",
    "leader_day__leader",
    "repeat_of",
    "left_recorded_by",
    "cancelled_by",
)


# What a row of the board shows: fewer joins than a visit's page (the planner's time grows with them).
BOARD_RELATED = ("room", "receiver", "case", "leader_day__leader", "left_recorded_by")
# The board lists the latest visitors who left; the others are counted.
BOARD_DONE_SHOWN = 50


@dataclass(frozen=True)
class VisitRow:
    visit: Visit
    name: str  # masked
    waiting_minutes: int | None


@dataclass
class DayBoard:
    day: date
    room: ReceptionRoom | None
    booked: list[VisitRow] = field(default_factory=list)
    waiting: list[VisitRow] = field(default_factory=list)
    receiving: list[VisitRow] = field(default_factory=list)
    done: list[VisitRow] = field(default_factory=list)
    done_count: int = 0
    leader_days: list[LeaderReceptionDay] = field(default_factory=list)


def visit_list(user) -> QuerySet[Visit]:
    return Visit.objects.visible_to(user).select_related(*VISIT_RELATED)


def day_board(user, *, day: date, room: ReceptionRoom | None = None, now: datetime | None = None) -> DayBoard:
    """Who is booked, waiting (in arrival order), being received and done on `day`, in one room or all.
    Two queries however many visitors: the visits, and the day's leader reception days."""
    now = now or clock.now()
    visits = (
        Visit.objects.visible_to(user)
        .on(day)
        .exclude(state=Visit.State.CANCELLED)
        .select_related(*BOARD_RELATED)
    )
    leader_days = LeaderReceptionDay.objects.filter(date=day, is_cancelled=False).select_related(
        "leader", "room"
    )
    if room is not None:
        visits = visits.filter(room=room)
        leader_days = leader_days.filter(room=room)
    board = DayBoard(day=day, room=room, leader_days=list(leader_days) if policy.sees_visits(user) else [])
    columns = {
        Visit.State.BOOKED: board.booked,
        Visit.State.WAITING: board.waiting,
        Visit.State.RECEIVING: board.receiving,
        Visit.State.FINISHED: board.done,
        Visit.State.LEFT: board.done,
    }
    for visit in visits.order_by("arrived_at", "ticket"):
        columns[visit.state].append(
            VisitRow(visit, personal_data.mask_name(visit.visitor_name), visit.waiting_minutes(now))
        )
    board.done.sort(key=lambda row: row.visit.departed_at or now, reverse=True)
    board.done_count = len(board.done)
    del board.done[BOARD_DONE_SHOWN:]
    return board


def visit_get(user, pk: int) -> Visit:
    """The visit with what its page and its printed forms show; 404 if `user` may not see it."""
    try:
        return (
            visit_list(user)
            .select_related("case__lead_department", "case__category__parent")
            .prefetch_related("case__attachments")
            .get(pk=pk)
        )
    except Visit.DoesNotExist as error:
        raise Http404 from error


@dataclass(frozen=True)
class VisitorCard:
    """The visitor's fields as this user may see them now: masked unless revealed (and logged)."""

    is_revealed: bool
    may_reveal: bool
    name: str
    phone: str
    id_number: str
    address: str


def visitor_card(user, visit: Visit, *, revealed: bool = False) -> VisitorCard:
    may_reveal = policy.may_reveal(user, is_confidential=False)
    if revealed and may_reveal:
        return VisitorCard(True, True, visit.visitor_name, visit.phone, visit.id_number, visit.address)
    return VisitorCard(
        is_revealed=False,
        may_reveal=may_reveal,
        name=personal_data.mask_name(visit.visitor_name),
        phone=personal_data.mask_phone(visit.phone),
        id_number=personal_data.mask_id_number(visit.id_number),
        address=personal_data.mask_address(visit.address),
    )


@dataclass(frozen=True)
class VisitorHistory:
    """What the clerk sees while typing the visitor's ID number or phone."""

    is_looked_up: bool
    visits: list[VisitRow]
    earlier_visit_count: int
    case_rows: list
    repeats: list
    gender: str | None
    birth_date: date | None

    @property
    def is_repeat(self) -> bool:
        return bool(self.earlier_visit_count or self.case_rows)


def visitor_history(
    user,
    *,
    phone: str = "",
    id_number: str = "",
    category=None,
    description: str = "",
    limit: int = 10,
    now: datetime | None = None,
) -> VisitorHistory:
    """The person's earlier visits (by ID number's keyed look-up or phone, newest first) and earlier
    cases with possible repeats (the hotline's look-up, `complaints.selectors`). Indexed look-ups only."""
    now = now or clock.now()
    condition = personal_data.person_match(
        phone=phone, id_number=id_number, phone_lookup="phone_lookup", id_lookup="id_lookup"
    )
    if not condition:
        return VisitorHistory(False, [], 0, [], [], None, None)
    # Only what the history lists: each join more costs the planner time at every keystroke.
    earlier = Visit.objects.visible_to(user).filter(condition).exclude(state=Visit.State.CANCELLED)
    counted = earlier.aggregate(count=Count("pk"))["count"]
    visits = [
        VisitRow(visit, personal_data.mask_name(visit.visitor_name), None)
        for visit in earlier.select_related("case").order_by("-visit_date", "-ticket")[:limit]
    ]
    cases = case_selectors.citizen_history(user, phone=phone, id_number=id_number)
    case_rows, _note = case_selectors.case_rows(user, cases, now=now)
    repeats = case_selectors.possible_repeats(
        user, phone=phone, id_number=id_number, category=category, description=description, now=now
    )
    return VisitorHistory(
        is_looked_up=True,
        visits=visits,
        earlier_visit_count=counted,
        case_rows=case_rows,
        repeats=repeats,
        gender=personal_data.id_number_gender(id_number) if id_number else None,
        birth_date=personal_data.id_number_birth_date(id_number) if id_number else None,
    )


def upcoming_leader_days(*, since: date) -> QuerySet[LeaderReceptionDay]:
    """Leader reception days from `since` on, with their bookings counted in the same query."""
    return (
        LeaderReceptionDay.objects.filter(date__gte=since)
        .select_related("leader", "room")
        .annotate(booked=Count("visits", filter=~Q(visits__state=Visit.State.CANCELLED)))
        .order_by("date", "starts_at", "id")
    )


def rooms() -> QuerySet[ReceptionRoom]:
    return ReceptionRoom.objects.filter(is_active=True)
