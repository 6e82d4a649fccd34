"""Writes of reception: register, book, arrive, call in, record, finish, leave; leaders' reception days.

A visit's state changes only here, under a row lock, along `VISIT_TRANSITIONS`. Cases are created and
moved only through `complaints.services`: a visit's outcome is a case registered on the walk-in channel
and then answered, dispatched or left for the dispatcher, in the same transaction as the visit's end.
"""

from collections.abc import Iterable
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as case_services
from complaints.errors import ActionForbidden, ActionRefused
from complaints.models import Case, CaseKind, Category, Channel, Priority, ReplyChannel
from core import clock, personal_data
from core.models import Department
from core.roles import Role
from reception.models import LeaderReceptionDay, ReceptionRoom, Visit

RECEIVE_PERMISSION = "reception.receive_visitors"
PLAN_PERMISSION = "reception.manage_leader_days"

VISIT_TRANSITIONS = {
    Visit.State.BOOKED: {Visit.State.WAITING, Visit.State.CANCELLED},
    Visit.State.WAITING: {Visit.State.RECEIVING, Visit.State.LEFT},
    Visit.State.RECEIVING: {Visit.State.FINISHED},
}


def _require(actor, permission: str) -> None:
    if not actor.has_perm(permission):
        raise ActionForbidden(_("Your role does not allow this action."))


def _lock(visit_id: int, actor, to_state: str) -> Visit:
    """Lock the visit until the end of the transaction and check that it may move to `to_state`."""
    _require(actor, RECEIVE_PERMISSION)
    visit = Visit.objects.select_for_update().get(pk=visit_id)
    if to_state not in VISIT_TRANSITIONS.get(visit.state, set()):
        raise ActionRefused(
            _("Visit %(number)s is “%(state)s”: it cannot become “%(target)s”. Look at the board again.")
            % {
                "number": visit.display_number,
                "state": visit.get_state_display(),
                "target": Visit.State(to_state).label,
            }
        )
    return visit


def earlier_contacts(*, phone: str, id_number: str, before_visit: Visit | None = None) -> tuple[int, bool]:
    """How many earlier visits the person made, and whether they have any case, found by ID number
    or phone (their keyed hashes). Cancelled bookings do not count as visits."""
    condition = personal_data.person_match(
        phone=phone, id_number=id_number, phone_lookup="phone_lookup", id_lookup="id_lookup"
    )
    case_condition = personal_data.person_match(
        phone=phone, id_number=id_number, phone_lookup="citizen_phone_lookup", id_lookup="citizen_id_lookup"
    )
    if not condition:
        return 0, False
    visits = Visit.objects.filter(condition).exclude(state=Visit.State.CANCELLED)
    if before_visit is not None:
        visits = visits.exclude(pk=before_visit.pk)
    return visits.count(), Case.objects.filter(case_condition).exists()


def _new_visit(*, clerk, visitor: dict, category, repeat_of, now: datetime, **placement) -> Visit:
    """A visit (not saved yet) of the visitor's checked fields, with the repeat flag and the count of
    earlier visits computed from the register and the cases. The visitor needs a name, a way to be
    answered and a reason; the gender is the one the ID number states (filled in when left blank,
    refused when it contradicts). `placement`: the date, room, leader day, state and arrival."""
    name, reason = visitor["visitor_name"].strip(), visitor["reason"].strip()
    id_number, phone, gender = visitor["id_number"], visitor["phone"], visitor["gender"]
    if not name:
        raise ActionRefused(_("Give the visitor's name."))
    if not (phone or visitor["address"]):
        raise ActionRefused(_("Give a phone number or an address so the visitor can be answered."))
    if not reason:
        raise ActionRefused(_("Say why the visitor came."))
    stated = personal_data.id_number_gender(id_number) if id_number else None
    if stated and gender and gender != stated:
        raise ActionRefused(_("The gender does not match the ID number."))
    earlier_visits, has_case = earlier_contacts(phone=phone, id_number=id_number)
    return Visit(
        visitor_name=name,
        gender=gender or stated or "",
        id_number=id_number,
        phone=phone,
        address=visitor["address"].strip(),
        group_size=visitor["group_size"],
        reason=reason,
        category=category,
        repeat_of=repeat_of,
        is_repeat=bool(earlier_visits or has_case or repeat_of),
        earlier_visits=earlier_visits,
        clerk=clerk,
        created_at=now,
        **placement,
    )


def _create_with_ticket(visit: Visit) -> Visit:
    """Save a new visit with the next ticket of its day. Two clerks registering at the same moment
    race for the same ticket; the unique constraint lets one win and the other takes the next."""
    for _attempt in range(20):  # each round of a race lets one clerk through; 20 clerks at once is plenty
        last = Visit.objects.filter(visit_date=visit.visit_date).aggregate(last=Max("ticket"))["last"]
        visit.ticket = (last or 0) + 1
        try:
            with transaction.atomic():
                visit.save()
            return visit
        except IntegrityError:
            continue
    raise ActionRefused(_("The queue is very busy: register the visitor again."))


@transaction.atomic
def visit_register(
    *,
    clerk,
    room: ReceptionRoom,
    visitor_name: str,
    reason: str,
    gender: str = "",
    id_number: str = "",
    phone: str = "",
    address: str = "",
    group_size: int = 1,
    category: Category | None = None,
    repeat_of: Case | None = None,
    arrived_at: datetime | None = None,
    leader_day: LeaderReceptionDay | None = None,
) -> Visit:
    """公民来访登记: a walk-in visitor joins today's queue of `room` (or of a leader's reception day held
    today). The repeat flag and the count of earlier visits are computed here from the register and the
    cases, whatever the page showed."""
    _require(clerk, RECEIVE_PERMISSION)
    now = clock.now()
    arrived_at = arrived_at or now
    if arrived_at > now:
        raise ActionRefused(_("The arrival time cannot be in the future."))
    today = timezone.localdate(now)
    if timezone.localdate(arrived_at) != today:
        raise ActionRefused(_("Register today's visitors only; the arrival time must be today."))
    if leader_day is not None:
        _check_leader_day_open(leader_day, on=today)
        room = leader_day.room
    visit = _new_visit(
        clerk=clerk,
        visitor={
            "visitor_name": visitor_name,
            "gender": gender,
            "id_number": id_number,
            "phone": phone,
            "address": address,
            "group_size": group_size,
            "reason": reason,
        },
        category=category,
        repeat_of=repeat_of,
        now=now,
        visit_date=today,
        room=room,
        leader_day=leader_day,
        state=Visit.State.WAITING,
        arrived_at=arrived_at,
    )
    return _create_with_ticket(visit)


def _check_leader_day_open(leader_day: LeaderReceptionDay, *, on: date | None = None) -> None:
    if leader_day.is_cancelled:
        raise ActionRefused(_("This leader reception day was cancelled."))
    if on is not None and leader_day.date != on:
        raise ActionRefused(_("This leader reception day is not today."))


@transaction.atomic
def visit_book(
    *,
    clerk,
    leader_day: LeaderReceptionDay,
    visitor_name: str,
    reason: str,
    gender: str = "",
    id_number: str = "",
    phone: str = "",
    address: str = "",
    group_size: int = 1,
    category: Category | None = None,
    repeat_of: Case | None = None,
) -> Visit:
    """Book a visit for a leader's reception day (预约领导接访): it appears on that day's board as
    booked and joins the queue when the visitor arrives. Refused when the day is past, cancelled or full."""
    _require(clerk, RECEIVE_PERMISSION)
    leader_day = LeaderReceptionDay.objects.select_for_update().get(pk=leader_day.pk)
    _check_leader_day_open(leader_day)
    now = clock.now()
    if leader_day.date < timezone.localdate(now):
        raise ActionRefused(_("This leader reception day is over."))
    booked = leader_day.visits.exclude(state=Visit.State.CANCELLED).count()
    if booked >= leader_day.capacity:
        raise ActionRefused(
            _("This leader reception day is fully booked (%(capacity)s visits).")
            % {"capacity": leader_day.capacity}
        )
    visit = _new_visit(
        clerk=clerk,
        visitor={
            "visitor_name": visitor_name,
            "gender": gender,
            "id_number": id_number,
            "phone": phone,
            "address": address,
            "group_size": group_size,
            "reason": reason,
        },
        category=category,
        repeat_of=repeat_of,
        now=now,
        visit_date=leader_day.date,
        room=leader_day.room,
        leader_day=leader_day,
        state=Visit.State.BOOKED,
    )
    return _create_with_ticket(visit)


@transaction.atomic
def visit_arrive(*, visit_id: int, actor) -> Visit:
    """A booked visitor has come: they join the queue from now."""
    visit = _lock(visit_id, actor, Visit.State.WAITING)
    now = clock.now()
    if visit.visit_date != timezone.localdate(now):
        raise ActionRefused(_("This visit is booked for %(date)s, not today.") % {"date": visit.visit_date})
    visit.state = Visit.State.WAITING
    visit.arrived_at = now
    visit.save(update_fields=["state", "arrived_at"])
    return visit


@transaction.atomic
def visit_call_in(*, visit_id: int, actor, receiver=None) -> Visit:
    """Call the visitor into the room. On a leader's reception day the leader receives; otherwise the
    clerk who calls them in (or the `receiver` chosen)."""
    visit = _lock(visit_id, actor, Visit.State.RECEIVING)
    if receiver is None:
        receiver = visit.leader_day.leader if visit.leader_day_id else actor
    visit.state = Visit.State.RECEIVING
    visit.receiver = receiver
    visit.called_at = clock.now()
    visit.save(update_fields=["state", "receiver", "called_at"])
    return visit


@transaction.atomic
def visit_leave(*, visit_id: int, actor) -> Visit:
    """The visitor left the queue before being received."""
    visit = _lock(visit_id, actor, Visit.State.LEFT)
    visit.state = Visit.State.LEFT
    visit.departed_at = clock.now()
    visit.left_recorded_by = actor
    visit.save(update_fields=["state", "departed_at", "left_recorded_by"])
    return visit


@transaction.atomic
def visit_cancel(*, visit_id: int, actor) -> Visit:
    """Cancel a booking for a leader's reception day."""
    visit = _lock(visit_id, actor, Visit.State.CANCELLED)
    visit.state = Visit.State.CANCELLED
    visit.cancelled_at = clock.now()
    visit.cancelled_by = actor
    visit.save(update_fields=["state", "cancelled_at", "cancelled_by"])
    return visit


@transaction.atomic
def visit_record_statement(*, visit_id: int, actor, statement: str) -> Visit:
    """Save the record of the statement while the visitor is still talking (诉求记录), before an outcome."""
    _require(actor, RECEIVE_PERMISSION)
    visit = Visit.objects.select_for_update().get(pk=visit_id)
    if visit.state != Visit.State.RECEIVING:
        raise ActionRefused(_("Only a visit being received has a record to write."))
    visit.statement = statement.strip()
    visit.save(update_fields=["statement"])
    return visit


@transaction.atomic
def visit_finish(
    *,
    visit_id: int,
    actor,
    outcome: str,
    statement: str,
    kind: str = CaseKind.CONSULTATION,
    category: Category | None = None,
    request: str = "",
    priority: str = Priority.ORDINARY,
    answer: str = "",
    lead_department: Department | None = None,
    assisting_departments: Iterable[Department] = (),
    is_petition: bool = False,
    is_confidential: bool = False,
    is_misconduct: bool = False,
    attachments: Iterable = (),
) -> Visit:
    """End the reception with its outcome (DOMAIN.md §5), as one transaction:

    - answered on the spot: a case answered directly, face to face;
    - referred to a department: a case dispatched to `lead_department`;
    - complaint registered: a complaint (or report) case, dispatched when a department is given, else
      left for the dispatcher; its complaint registration form prints from the visit.

    The statement becomes the case's description, the evidence its attachments. A matter under the
    petition rules (信访) takes the petition deadlines. Any refusal leaves the visit being received and
    creates no case.
    """
    visit = _lock(visit_id, actor, Visit.State.FINISHED)
    statement = statement.strip()
    if not statement:
        raise ActionRefused(_("Record what the visitor said before choosing the outcome."))
    if outcome == Visit.Outcome.COMPLAINT:
        if kind not in (CaseKind.COMPLAINT, CaseKind.REPORT):
            kind = CaseKind.COMPLAINT
    elif outcome == Visit.Outcome.REFERRED:
        if lead_department is None:
            raise ActionRefused(_("Choose the department the matter is referred to."))
    elif outcome == Visit.Outcome.ANSWERED:
        if not answer.strip():
            raise ActionRefused(_("Write the answer given to the visitor."))
    else:
        raise ActionRefused(_("Choose the outcome of the reception."))
    case = case_services.case_register(
        actor=actor,
        kind=kind,
        channel=Channel.VISIT,
        description=statement,
        category=category or visit.category,
        priority=priority,
        request=request,
        citizen_name=visit.visitor_name,
        citizen_phone=visit.phone,
        citizen_id_number=visit.id_number,
        citizen_address=visit.address,
        group_size=visit.group_size,
        is_confidential=is_confidential,
        is_misconduct=is_misconduct,
        is_petition=is_petition,
        attachments=attachments,
        repeat_of=visit.repeat_of,
    )
    if outcome == Visit.Outcome.ANSWERED:
        case = case_services.case_answer_directly(
            case_id=case.pk, actor=actor, answer=answer, reply_channel=ReplyChannel.FACE_TO_FACE
        )
    elif lead_department is not None:
        case = case_services.case_dispatch(
            case_id=case.pk,
            actor=actor,
            lead_department=lead_department,
            assisting_departments=assisting_departments,
            note=_("Referred at reception, visit %(number)s.") % {"number": visit.display_number},
        )
    visit.state = Visit.State.FINISHED
    visit.statement = statement
    visit.outcome = outcome
    visit.case = case
    visit.category = case.category
    visit.departed_at = clock.now()
    visit.save(update_fields=["state", "statement", "outcome", "case", "category", "departed_at"])
    return visit


@transaction.atomic
def leader_day_create(
    *,
    actor,
    leader,
    date: date,
    starts_at: time,
    ends_at: time,
    room: ReceptionRoom,
    topic: str = "",
    capacity: int = 10,
) -> LeaderReceptionDay:
    """Plan a leader's reception day (领导接访日). One per leader and date."""
    _require(actor, PLAN_PERMISSION)
    if not leader.has_role(Role.LEADER):
        raise ActionRefused(_("%(name)s is not a leader.") % {"name": leader})
    if date < timezone.localdate(clock.now()):
        raise ActionRefused(_("A reception day cannot be planned in the past."))
    if starts_at >= ends_at:
        raise ActionRefused(_("The reception must end after it starts."))
    if LeaderReceptionDay.objects.filter(leader=leader, date=date).exists():
        raise ActionRefused(
            _("%(name)s already has a reception day on %(date)s.") % {"name": leader, "date": date}
        )
    return LeaderReceptionDay.objects.create(
        leader=leader,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        topic=topic.strip(),
        capacity=capacity,
        created_by=actor,
    )
