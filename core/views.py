from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core import clock, health, navigation, spreadsheets
from core.audit import EXPORT_WIDTHS, AuditFilterForm, audit_log, audit_rows, export_cells, export_header
from core.client import client_address
from core.forms import ExportFormatForm, LanguageForm, LockoutLiftForm, NoticeSettingsForm
from core.models import AuditEntry, Notice
from core.notices import notices_mark_read
from core.pagination import CappedPaginator
from core.roles import ROLE_DUTIES, Role
from core.services import audit_record, sign_in_lockout_lift
from core.sign_in import sign_in_lockouts


@login_required
def workspace(request):
    """The signed-in user's home: who they are, their departments and roles, and what they can reach."""
    user = request.user
    memberships = user.memberships.select_related("department", "department__parent").order_by(
        "-is_primary", "department__sort_order"
    )
    roles = [(Role(code), ROLE_DUTIES[Role(code)]) for code in Role.values if code in user.role_codes]
    sections = [item for item in navigation.items_for(user) if item.key != "workspace"]
    return render(
        request,
        "core/workspace.html",
        {
            "memberships": memberships,
            "roles": roles,
            "sections": sections,
            "panels": navigation.panels_for(user),
            "section": "workspace",
        },
    )


@require_POST
def language_switch(request):
    """Set the interface language for this browser and, when signed in, for the account."""
    form = LanguageForm(request.POST)
    next_url = (form.cleaned_data["next"] if form.is_valid() else "") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker both answer, 503 naming what is down."""
    checks = {"database": health.database_status(), "broker": health.broker_status()}
    down = [name for name, problem in checks.items() if problem is not None]
    body = {
        "status": "ok" if not down else "down",
        "checks": {
            name: ("ok" if problem is None else f"down: {problem}") for name, problem in checks.items()
        },
        "down": down,
    }
    return JsonResponse(body, status=503 if down else 200)


@login_required
@require_GET
def notices(request):
    """The signed-in user's notices, newest first; unread ones stand out."""
    page = CappedPaginator(Notice.objects.filter(recipient=request.user), settings.CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "core/notices.html", {"page": page, "section": "notices"})


@login_required
@require_GET
def notice_open(request, pk):
    """Open a notice: it is marked read and the user goes to what it is about."""
    notice = get_object_or_404(Notice, pk=pk, recipient=request.user)
    notices_mark_read(user=request.user, notice_ids=[notice.pk])
    if notice.url and url_has_allowed_host_and_scheme(notice.url, {request.get_host()}, request.is_secure()):
        return redirect(notice.url)
    return redirect("core:notices")


@login_required
@require_POST
def notices_read_all(request):
    count = notices_mark_read(user=request.user)
    messages.success(request, _("%(count)s notices marked read.") % {"count": count})
    return redirect("core:notices")


@login_required
def notice_settings(request):
    """Which kinds of notice reach the user by email or SMS too (the app always has them)."""
    form = NoticeSettingsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notice settings were saved."))
        return redirect("core:notice_settings")
    return render(request, "core/notice_settings.html", {"form": form, "section": "notices"})


AUDIT_EXPORT_MAX_ROWS = 100_000


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
def audit(request):
    """The audit log: reveals, exports, sign-in lockouts and changes to reference data, users and roles."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = CappedPaginator(audit_log(**filters), settings.CASES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit.html",
        {
            "form": form,
            "page": page,
            "rows": audit_rows(page.object_list),
            "query": query.urlencode(),
            "section": "audit",
        },
    )


@login_required
@permission_required("core.view_auditentry", raise_exception=True)
@require_GET
def audit_export(request):
    """The audit log under the page's filters as Excel or CSV; the export is itself audited."""
    chosen = ExportFormatForm(request.GET)
    query = request.GET.copy()
    query.pop("format", None)
    form = AuditFilterForm(query)
    back = f"{reverse('core:audit')}?{query.urlencode()}"
    if not chosen.is_valid() or not form.is_valid():
        messages.error(request, _("Correct the filters, then export."))
        return redirect(back)
    export_format = chosen.chosen_format()
    # Up to this moment: rows written while the file is written (this export's own entry among them)
    # stay out of it, so it holds the rows counted.
    rows = audit_log(**form.cleaned_data, before=clock.now())
    count = rows[: AUDIT_EXPORT_MAX_ROWS + 1].count()
    if count > AUDIT_EXPORT_MAX_ROWS:
        messages.error(
            request,
            _("More than %(limit)s rows match: narrow the filters.") % {"limit": AUDIT_EXPORT_MAX_ROWS},
        )
        return redirect(back)
    filename = f"audit-{timezone.localtime(clock.now()):%Y%m%d-%H%M}.{export_format}"
    audit_record(
        actor=request.user,
        action=AuditEntry.Action.EXPORT,
        target="audit_log",
        label=filename,
        detail={"query": query.urlencode(), "format": export_format, "rows": count},
        client_address=client_address(request),
    )
    return spreadsheets.export_response(
        export_header(),
        export_cells(rows),
        export_format=export_format,
        filename=filename,
        title=_("Audit log"),
        widths=EXPORT_WIDTHS,
    )


@login_required
@permission_required("core.lift_sign_in_lockout", raise_exception=True)
def lockouts(request):
    """Accounts locked for an address after too many wrong passwords; an administrator lifts a lock."""
    if request.method == "POST":
        form = LockoutLiftForm(request.POST)
        if form.is_valid():
            sign_in_lockout_lift(
                actor=request.user, client_address=client_address(request), **form.cleaned_data
            )
            messages.success(
                request,
                _("The lock on %(username)s was lifted.") % {"username": form.cleaned_data["username"]},
            )
        return redirect("core:lockouts")
    return render(request, "core/lockouts.html", {"locked": sign_in_lockouts(), "section": "audit"})
