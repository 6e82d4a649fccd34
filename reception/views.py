from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import selectors as case_selectors
from complaints.deadlines import policy_for
from complaints.errors import ActionForbidden, CaseError
from complaints.models import Stage
from core import clock, policy
from core.audit import reveal_granted
from core.working_time import DurationUnit, working_calendar
from reception import selectors, services
from reception.forms import (
    BoardForm,
    LeaderDayForm,
    ReceptionRecordForm,
    StatementForm,
    VisitBookForm,
    VisitorLookupForm,
    VisitRegisterForm,
)
from reception.models import LeaderReceptionDay, Visit

RECEIVE = services.RECEIVE_PERMISSION
PLAN = services.PLAN_PERMISSION


def _require_visits(user) -> None:
    if not policy.sees_visits(user):
        raise PermissionDenied


@login_required
@require_GET
def board(request):
    """The day board of the reception rooms: booked, waiting (arrival order), being received, done.
    Refreshes itself every 30 seconds (htmx) while it is open."""
    _require_visits(request.user)
    choice = BoardForm(request.GET)
    day = choice.value("date") or timezone.localdate(clock.now())
    room = choice.value("room")
    context = {
        "board": selectors.day_board(request.user, day=day, room=room),
        "rooms": selectors.rooms(),
        "is_today": day == timezone.localdate(clock.now()),
        "section": "reception",
    }
    if request.headers.get("HX-Request"):
        return render(request, "reception/_board.html", context)
    return render(request, "reception/board.html", context)


@login_required
@permission_required(RECEIVE, raise_exception=True)
def register(request):
    """公民来访登记: the visitor joins the queue of the room."""
    room = BoardForm(request.GET).value("room") or selectors.rooms().first()
    form = VisitRegisterForm(request.POST or None, initial={"room": room})
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_register(clerk=request.user, **form.cleaned_data)
        except CaseError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _registered_message(visit))
            return redirect(f"{reverse('reception:board')}?room={visit.room_id}")
    return render(request, "reception/register.html", {"form": form, "section": "reception"})


def _registered_message(visit: Visit) -> str:
    flags = [_("repeat visit") if visit.is_repeat else _("first visit")]
    if visit.is_group:
        flags.append(_("group visit of %(count)s") % {"count": visit.group_size})
    return _("Visitor %(number)s is waiting in %(room)s (%(flags)s).") % {
        "number": visit.display_number,
        "room": visit.room,
        "flags": ", ".join(flags),
    }


@login_required
@require_POST
def visitor_history(request):
    """htmx: the visitor's earlier visits and cases while the ID number or phone is typed, and the flags
    the visit will get (first / repeat / group)."""
    _require_visits(request.user)
    lookup = VisitorLookupForm(request.POST).lookup()
    group_size = lookup.pop("group_size")
    history = selectors.visitor_history(request.user, **lookup)
    return render(
        request,
        "reception/_visitor_history.html",
        {
            "history": history,
            "is_group": group_size >= settings.RECEPTION_GROUP_SIZE,
            "group_size": group_size,
        },
    )


VISIT_MOVES = {
    "arrive": services.visit_arrive,
    "call_in": services.visit_call_in,
    "leave": services.visit_leave,
    "cancel": services.visit_cancel,
}


@login_required
@permission_required(RECEIVE, raise_exception=True)
@require_POST
def visit_move(request, pk, move):
    """The board's buttons: a booked visitor arrives, a waiting one is called in or leaves."""
    if move not in VISIT_MOVES:
        raise Http404
    visit = selectors.visit_get(request.user, pk)
    try:
        visit = VISIT_MOVES[move](visit_id=visit.pk, actor=request.user)
    except ActionForbidden as error:
        raise PermissionDenied(error.message) from error
    except CaseError as error:
        messages.error(request, error.message)
    else:
        if move == "call_in":
            return redirect("reception:visit", pk=visit.pk)
        messages.success(
            request,
            _("Visit %(number)s: %(state)s.")
            % {"number": visit.display_number, "state": visit.get_state_display()},
        )
    return redirect(f"{reverse('reception:board')}?room={visit.room_id}&date={visit.visit_date:%Y-%m-%d}")


@login_required
def visit_detail(request, pk):
    """A visit's page: the registration, and while the visitor is received, the reception record
    (statement, evidence, outcome). "Save" keeps the statement; an outcome ends the reception."""
    _require_visits(request.user)
    visit = selectors.visit_get(request.user, pk)
    form = None
    if visit.state == Visit.State.RECEIVING and request.user.has_perm(RECEIVE):
        form = ReceptionRecordForm(request.POST or None, request.FILES or None, visit=visit)
        if request.method == "POST":
            response = _record(request, visit, form)
            if response is not None:
                return response
    elif request.method == "POST":
        messages.error(request, _("This visit is not being received: nothing was saved."))
        return redirect("reception:visit", pk=visit.pk)
    return render(
        request,
        "reception/visit.html",
        {
            "visit": visit,
            "card": selectors.visitor_card(request.user, visit),
            "form": form,
            "calendar_note": case_selectors.calendar_warning(working_calendar(), visit.case.overall_deadline)
            if visit.case_id
            else "",
            "category_departments": case_selectors.category_default_departments() if form else {},
            "section": "reception",
        },
    )


def _record(request, visit: Visit, form: ReceptionRecordForm):
    if "save" in request.POST:
        statement = StatementForm(request.POST)
        if not statement.is_valid():
            form.add_error("statement", statement.errors.get("statement"))
            return None
        try:
            services.visit_record_statement(
                visit_id=visit.pk, actor=request.user, statement=statement.cleaned_data["statement"]
            )
        except CaseError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The record was saved."))
        return redirect("reception:visit", pk=visit.pk)
    if not form.is_valid():
        return None
    try:
        visit = services.visit_finish(visit_id=visit.pk, actor=request.user, **form.cleaned_data)
    except CaseError as error:
        form.add_error(None, error.message)
        return None
    messages.success(
        request,
        _("Visit %(visit)s finished: %(outcome)s, case %(number)s (query code %(code)s).")
        % {
            "visit": visit.display_number,
            "outcome": visit.get_outcome_display(),
            "number": visit.case.number,
            "code": visit.case.query_code,
        },
    )
    return redirect("reception:visit", pk=visit.pk)


PRINTED_DOCUMENTS = {
    "registration": "reception/print/registration.html",
    "complaint": "reception/print/complaint.html",
    "notice": "reception/print/notice.html",
}


@login_required
def print_document(request, pk, document):
    """A printable A4 document of the visit: masked by default; POST with a reason prints the personal
    data in full, and the reveal is logged like any other."""
    _require_visits(request.user)
    if document not in PRINTED_DOCUMENTS:
        raise Http404
    visit = selectors.visit_get(request.user, pk)
    if document != "registration" and not visit.case_id:
        raise Http404
    if document == "complaint" and not visit.case.is_investigated:
        raise Http404
    revealed = request.method == "POST"
    if revealed and not reveal_granted(
        request,
        target=visit,
        label=visit.display_number,
        detail={"document": document, "fields": ["name", "phone", "id_number", "address"]},
    ):
        return redirect("reception:visit", pk=visit.pk)
    context = {
        "visit": visit,
        "card": selectors.visitor_card(request.user, visit, revealed=revealed),
        "case": visit.case,
        "printed_at": clock.now(),
        "organisation_name": settings.ORGANISATION_NAME,
        "portal_url": request.build_absolute_uri(reverse("portal:track")),
        "petition_terms": _petition_terms(visit.case) if visit.case_id and visit.case.is_petition else None,
    }
    return render(request, PRINTED_DOCUMENTS[document], context)


def _petition_terms(case) -> dict:
    """The petition deadlines the acceptance notice tells the citizen, from the case's policy (data an
    administrator may change, not numbers written into the notice)."""
    policy = policy_for(case)
    handle = policy.rules.get(Stage.HANDLE)
    return {
        "handle": f"{handle.amount} {DurationUnit(handle.unit).label}" if handle else "",
        "extensions": policy.max_extensions,
        "extension": f"{policy.max_extension_amount} {DurationUnit(policy.extension_unit).label}"
        if policy.extension_unit
        else str(policy.max_extension_amount),
    }


@login_required
def leader_days(request):
    """Leaders' reception days from today on, with their bookings; the office plans new ones here."""
    _require_visits(request.user)
    may_plan = request.user.has_perm(PLAN)
    form = LeaderDayForm(request.POST or None) if may_plan else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                day = services.leader_day_create(actor=request.user, **form.cleaned_data)
            except CaseError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Reception day planned: %(day)s.") % {"day": day})
                return redirect("reception:leader_days")
    return render(
        request,
        "reception/leader_days.html",
        {
            "days": selectors.upcoming_leader_days(since=timezone.localdate(clock.now())),
            "form": form,
            "section": "reception",
        },
    )


@login_required
@permission_required(RECEIVE, raise_exception=True)
def book(request, pk):
    """Book a visit for a leader's reception day."""
    leader_day = get_object_or_404(LeaderReceptionDay.objects.select_related("leader", "room"), pk=pk)
    form = VisitBookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_book(clerk=request.user, leader_day=leader_day, **form.cleaned_data)
        except CaseError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Visit %(number)s booked for %(day)s.")
                % {"number": visit.display_number, "day": leader_day},
            )
            return redirect("reception:leader_days")
    return render(
        request, "reception/book.html", {"form": form, "leader_day": leader_day, "section": "reception"}
    )
