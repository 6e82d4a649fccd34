"""The public portal (网络平台): no account; a case number and its query code are the key."""

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from complaints.errors import CaseError
from complaints.models import Case, State
from core.client import client_address
from hotline import services
from hotline.forms import PortalForm, RatingForm, TrackForm, TrackShownForm

SESSION_CASES = "portal_cases"

# What a citizen reads for each state: plain language, no internal steps or names.
PUBLIC_PROGRESS = {
    State.REGISTERED: gettext_lazy("Received: we are sending your matter to the department responsible."),
    State.ANSWERED_DIRECTLY: gettext_lazy("Answered."),
    State.REJECTED: gettext_lazy("Not accepted: see the reason below."),
    State.DISPATCHED: gettext_lazy("Being handled by the department responsible."),
    State.RETURN_REQUESTED: gettext_lazy("Being handled by the department responsible."),
    State.SIGNED: gettext_lazy("Being handled by the department responsible."),
    State.IN_PROGRESS: gettext_lazy("Being handled by the department responsible."),
    State.EXTENSION_REQUESTED: gettext_lazy("Being handled by the department responsible."),
    State.SUSPENDED: gettext_lazy(
        "Paused: we are waiting for information, usually from you. We will contact you."
    ),
    State.REPLY_SUBMITTED: gettext_lazy("The answer is being checked before it is sent to you."),
    State.REPLIED: gettext_lazy("Answered: please tell us whether you are satisfied."),
    State.REVISITED: gettext_lazy("Answered and rated. Thank you."),
    State.REOPENED: gettext_lazy("Being handled again after your feedback."),
    State.CLOSED: gettext_lazy("Finished."),
    State.MERGED: gettext_lazy("Handled together with an earlier case on the same matter."),
    State.ARCHIVED: gettext_lazy("Finished."),
}
ANSWERED_STATES = {State.ANSWERED_DIRECTLY, State.REPLIED, State.REVISITED, State.CLOSED, State.ARCHIVED}


def submit(request):
    form = PortalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.portal_submit(
                address=client_address(request),
                case_fields=form.case_fields(),
                attachments=form.cleaned_data["attachments"],
            )
        except CaseError as error:
            form.add_error(None, error.message)
        else:
            request.session[SESSION_CASES] = [*request.session.get(SESSION_CASES, []), case.pk]
            request.session["portal_submitted"] = case.pk
            return redirect("portal:submitted")
    return render(request, "portal/submit.html", {"form": form})


def submitted(request):
    case = Case.objects.filter(pk=request.session.get("portal_submitted")).first()
    if case is None:
        return redirect("portal:submit")
    return render(request, "portal/submitted.html", {"case": case})


def _failures_key(request) -> str:
    return f"portal-track-failures:{services.address_key(client_address(request))}"


def track(request):
    """Progress for a number and its query code. A wrong pair never says whether the number exists,
    and an address that keeps guessing waits an hour."""
    form = TrackForm(request.POST or None)
    case = None
    if request.method == "POST" and form.is_valid():
        if cache.get(_failures_key(request), 0) >= settings.PORTAL_TRACK_FAILURES_PER_HOUR:
            form.add_error(None, _("Too many attempts. Please try again in an hour."))
        else:
            case = services.portal_find(**form.cleaned_data)
            if case is None:
                cache.add(_failures_key(request), 0, 3600)
                cache.incr(_failures_key(request))
                form.add_error(
                    None, _("No case matches this number and query code. Check both and try again.")
                )
            else:
                request.session[SESSION_CASES] = [*request.session.get(SESSION_CASES, []), case.pk]
    elif (shown := TrackShownForm(request.GET)).is_valid():
        case = Case.objects.filter(
            pk__in=request.session.get(SESSION_CASES, []), pk=shown.cleaned_data["case"]
        ).first()
    return render(
        request,
        "portal/track.html",
        {
            "form": form,
            "case": case,
            "progress": PUBLIC_PROGRESS.get(case.state) if case else "",
            "answered": case is not None and case.state in ANSWERED_STATES,
            "rating_form": RatingForm() if case is not None and case.state == State.REPLIED else None,
        },
    )


@require_POST
def rate(request, pk):
    """The citizen's rating of a replied case: it counts as the revisit."""
    if pk not in request.session.get(SESSION_CASES, []):
        return redirect("portal:track")
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.portal_rate(case_id=pk, **form.cleaned_data)
        except CaseError as error:
            request.session["portal_message"] = error.message
    return redirect(f"{reverse('portal:track')}?case={pk}")
