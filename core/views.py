from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core import health, navigation
from core.forms import NoticeSettingsForm
from core.models import Notice
from core.notices import notices_mark_read
from core.pagination import CappedPaginator
from core.roles import ROLE_DUTIES, Role


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
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
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
