from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from complaints import exports, retention, selectors, services
from complaints.filters import CaseFilter
from complaints.forms import (
    ACTION_FORMS,
    CaseRegisterForm,
    CaseVersionForm,
    HistoryLookupForm,
    InboxForm,
    LegalHoldForm,
    RetentionRunForm,
    SupervisionAnswerForm,
    SupervisionIssueForm,
    SupervisionListForm,
)
from complaints.models import RetentionPolicy, RetentionRun
from complaints.services import ActionForbidden, CaseError
from complaints.workflow import ACTIONS
from core import clock, spreadsheets
from core.audit import reveal_granted
from core.client import client_address
from core.forms import ExportFormatForm
from core.models import AuditEntry
from core.pagination import CappedPaginator
from core.services import audit_record
from core.working_time import working_calendar


@login_required
def ledger(request):
    """台账: every case the user may see, filtered, sorted and paged."""
    case_filter = CaseFilter(request.GET, queryset=selectors.case_list(request.user), request=request)
    page = CappedPaginator(case_filter.qs, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    rows, calendar_note = selectors.case_rows(request.user, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/case_list.html",
        {
            "filter": case_filter,
            "page": page,
            "rows": rows,
            "calendar_note": calendar_note,
            "query": query.urlencode(),
            "query_items": [(name, value) for name, values in query.lists() for value in values],
            "section": "cases",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ledger_export(request):
    """台账导出: the ledger's cases under its filters, every page in its order, as Excel or CSV; logged.

    GET exports personal data masked. POST (the filters as fields, `format` and `reason`) exports it in
    full, for users who may reveal it (`core.audit.reveal_granted`); without a reason nothing is
    exported."""
    revealed = request.method == "POST"
    data = request.POST if revealed else request.GET
    chosen = ExportFormatForm(data)
    filters = data.copy()
    for name in ("format", "reason", "page", "csrfmiddlewaretoken"):
        filters.pop(name, None)
    ledger_url = reverse("complaints:list") + (f"?{filters.urlencode()}" if filters else "")
    if not chosen.is_valid():
        messages.error(request, _("Unknown export format: choose Excel or CSV."))
        return redirect(ledger_url)
    export_format = chosen.chosen_format()
    case_filter = CaseFilter(filters, queryset=selectors.case_list(request.user), request=request)
    if not case_filter.is_valid():
        messages.error(request, _("The filters are not valid: correct them on the ledger, then export."))
        return redirect(ledger_url)
    cases = case_filter.qs
    count = cases.order_by()[: exports.MAX_ROWS + 1].count()
    if count > exports.MAX_ROWS:
        messages.error(
            request,
            _("More than %(limit)s cases match: narrow the filters to export them.")
            % {"limit": exports.MAX_ROWS},
        )
        return redirect(ledger_url)
    filename = f"ledger-{timezone.localtime(clock.now()):%Y%m%d-%H%M}.{export_format}"
    detail = {"query": filters.urlencode(), "format": export_format, "rows": count, "revealed": revealed}
    if revealed:
        if not reveal_granted(
            request, target="case_ledger", label=filename, action=AuditEntry.Action.EXPORT, detail=detail
        ):
            return redirect(ledger_url)
    else:
        audit_record(
            actor=request.user,
            action=AuditEntry.Action.EXPORT,
            target="case_ledger",
            label=filename,
            detail=detail,
            client_address=client_address(request),
        )
    return spreadsheets.export_response(
        exports.headers(),
        exports.ledger_rows(request.user, cases, revealed=revealed),
        export_format=export_format,
        filename=filename,
        title=_("Case ledger"),
        widths=[column.width for column in exports.COLUMNS],
    )


@login_required
def inbox(request):
    """The department's work queues: to sign, in progress, due soon, overdue, returned, to approve."""
    bucket = InboxForm(request.GET).chosen_bucket()
    queues = selectors.department_inbox(request.user)
    page = CappedPaginator(queues[bucket].order_by("stage_deadline", "id"), settings.CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows, calendar_note = selectors.case_rows(request.user, page.object_list)
    return render(
        request,
        "complaints/inbox.html",
        {
            "counts": selectors.inbox_counts(request.user),
            "bucket": bucket,
            "page": page,
            "rows": rows,
            "calendar_note": calendar_note,
            "section": "inbox",
        },
    )


@login_required
@permission_required("complaints.register_case", raise_exception=True)
def register(request):
    form = CaseRegisterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_register(actor=request.user, **form.cleaned_data)
        except CaseError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Case %(number)s registered. Query code for the citizen: %(code)s")
                % {"number": case.number, "code": case.query_code},
            )
            return redirect(case)
    return render(request, "complaints/case_register.html", {"form": form, "section": "cases"})


def _detail_context(request, case, *, revealed: bool = False) -> dict:
    calendar = working_calendar()
    now = clock.now()
    return {
        "case": case,
        "citizen": selectors.citizen_card(request.user, case, revealed=revealed),
        "deadline": selectors.deadline_info(case, now=now, calendar=calendar),
        "calendar_note": selectors.calendar_warning(calendar, case.stage_deadline, case.overall_deadline),
        "actions": selectors.available_actions(request.user, case),
        "forms": {},
        "supervisions": [
            (
                supervision,
                SupervisionAnswerForm() if selectors.may_answer(request.user, supervision) else None,
            )
            for supervision in case.supervisions.all()
        ],
        "supervision_form": SupervisionIssueForm()
        if request.user.has_perm("complaints.supervise_case") and case.is_open and case.lead_department_id
        else None,
        "legal_hold": next((hold for hold in case.legal_holds.all() if hold.released_at is None), None),
        "hold_form": LegalHoldForm() if request.user.has_perm("complaints.hold_case") else None,
        "section": "cases",
    }


@login_required
def detail(request, number):
    case = selectors.case_get(request.user, number)
    return render(request, "complaints/case_detail.html", _detail_context(request, case))


@login_required
@require_POST
def reveal(request, number):
    """Show the citizen's unmasked data once, for a stated reason; every reveal is logged."""
    case = selectors.case_get(request.user, number)
    if not reveal_granted(
        request,
        target=case,
        label=case.number,
        is_confidential=case.is_confidential,
        detail={"fields": ["name", "phone", "id_number", "address"]},
    ):
        return redirect(case)
    context = _detail_context(request, case, revealed=True)
    if request.headers.get("HX-Request"):
        return render(request, "complaints/_citizen_card.html", context)
    return render(request, "complaints/case_detail.html", context)


@login_required
def action(request, number, code):
    """Every case action: the form (GET), or the service call (POST). Forbidden is 403; a refused or
    stale action changes nothing and says why."""
    if code not in ACTIONS:
        raise Http404
    case = selectors.case_get(request.user, number)
    try:
        services.authorize(request.user, case, code, case_is_visible=True)
    except ActionForbidden as error:
        raise PermissionDenied(error.message) from error
    except CaseError as error:
        messages.error(request, error.message)
        return redirect(case)
    form = ACTION_FORMS[code](request.POST or None, request.FILES or None, case=case, user=request.user)
    if request.method == "POST" and form.is_valid():
        service = getattr(services, f"case_{code}")
        try:
            with transaction.atomic():
                service(
                    case_id=case.pk,
                    actor=request.user,
                    expected_version=CaseVersionForm(request.POST).expected_version(),
                    **form.cleaned_data,
                )
        except ActionForbidden as error:
            raise PermissionDenied(error.message) from error
        except CaseError as error:
            messages.error(request, error.message)
            return redirect(case)
        messages.success(request, _("%(action)s: done.") % {"action": ACTIONS[code].label})
        return redirect(case)
    return render(
        request,
        "complaints/case_action.html",
        {"case": case, "action": ACTIONS[code], "form": form, "section": "cases"},
    )


@login_required
def attachment(request, number, pk):
    """Attachments are served only to users who may see the case (never from a public URL)."""
    case = selectors.case_get(request.user, number)
    attachment = get_object_or_404(case.attachments.all(), pk=pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)


@login_required
@permission_required("complaints.register_case", raise_exception=True)
@require_POST
def citizen_history(request):
    """htmx: the citizen's earlier cases (by phone, by ID number) and possible repeats, as the intake
    form is typed. Shared by every intake channel: the agent console, registration, reception. Posted,
    so that the phone and ID number never stand in a URL (and so in no access log)."""
    lookup = HistoryLookupForm(request.POST).lookup()
    phone, id_number = lookup["phone"], lookup["id_number"]
    history = selectors.citizen_history(request.user, phone=phone, id_number=id_number)
    repeats = selectors.possible_repeats(request.user, **lookup)
    rows, _note = selectors.case_rows(request.user, history)
    return render(
        request,
        "complaints/_citizen_history.html",
        {
            "rows": rows,
            "repeats": repeats,
            "phone": phone,
            "id_number": id_number,
        },
    )


@login_required
@require_POST
def supervise(request, number):
    """The office issues a supervision notice (or lists the case) by hand."""
    case = selectors.case_get(request.user, number)
    form = SupervisionIssueForm(request.POST)
    if form.is_valid():
        try:
            services.supervision_issue(case_id=case.pk, actor=request.user, **form.cleaned_data)
        except ActionForbidden as error:
            raise PermissionDenied(error.message) from error
        except CaseError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The supervision notice was issued."))
    else:
        messages.error(
            request,
            _("The supervision notice was not issued: %(errors)s") % {"errors": form.errors.as_text()},
        )
    return redirect(case)


@login_required
@require_POST
def supervision_answer(request, pk):
    """The head of the department under supervision answers in writing."""
    supervision = get_object_or_404(selectors.supervision_list(request.user, status="open"), pk=pk)
    form = SupervisionAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.supervision_answer(
                supervision_id=supervision.pk, actor=request.user, **form.cleaned_data
            )
        except ActionForbidden as error:
            raise PermissionDenied(error.message) from error
        except CaseError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your answer was sent to the leadership office."))
    else:
        messages.error(request, _("The answer was not sent: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect(supervision.case)


@login_required
def supervision(request):
    """Open supervision (unanswered, the nearest answer deadline first) or the answered ones."""
    if not selectors.may_follow_supervision(request.user):
        raise PermissionDenied
    chosen = SupervisionListForm(request.GET)
    status, kind = chosen.value("status") or "open", chosen.value("kind")
    supervisions = selectors.supervision_list(request.user, status=status)
    if kind:
        supervisions = supervisions.filter(kind=kind)
    page = CappedPaginator(supervisions, settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/supervision.html",
        {"page": page, "status": status, "kind": kind, "now": clock.now(), "section": "supervision"},
    )


@login_required
@require_POST
def hold(request, number):
    """The office holds a case's erasure, with a reason."""
    case = selectors.case_get(request.user, number)
    form = LegalHoldForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The case was not held: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect(case)
    return _hold_change(
        request,
        case,
        lambda: retention.legal_hold_set(case_id=case.pk, actor=request.user, **form.cleaned_data),
        _("The case is on hold: the retention job will not erase it."),
    )


@login_required
@require_POST
def hold_release(request, number):
    """The office releases the hold: the retention job may erase the case when its time has come."""
    case = selectors.case_get(request.user, number)
    return _hold_change(
        request,
        case,
        lambda: retention.legal_hold_release(case_id=case.pk, actor=request.user),
        _("The hold was released."),
    )


def _hold_change(request, case, service, done: str):
    try:
        service()
    except ActionForbidden as error:
        raise PermissionDenied(error.message) from error
    except CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(case)


RETENTION_RECORDS_SHOWN = 500


@login_required
@permission_required("complaints.view_retentionrun", raise_exception=True)
def retention_runs(request):
    """The retention job's runs: what each archived, erased and held, and why it held a case."""
    page = CappedPaginator(RetentionRun.objects.all(), settings.CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    chosen = RetentionRunForm(request.GET)
    run = chosen.cleaned_data["run"] if chosen.is_valid() else None
    records = run.records.select_related("case").order_by("-action", "id")[:500] if run is not None else []
    return render(
        request,
        "complaints/retention.html",
        {
            "page": page,
            "run": run,
            "records": records[:RETENTION_RECORDS_SHOWN],
            "more_records": len(records) > RETENTION_RECORDS_SHOWN,
            "policies": RetentionPolicy.objects.all(),
            "section": "retention",
        },
    )
