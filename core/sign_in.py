"""Signing in: the sign-in page, its lockout answer, and the second factor (set up, verify, recovery).

Wrong passwords are counted by django-axes per account and client address (`core.client`); at the
limit the account is locked for that address, the sign-in page says so (`sign_in_locked`) and the
lockout is logged once (`lockout_logged`, connected in `core.apps`). Roles that may reveal or export
personal data unmasked, and administrators, then confirm with a code from an authenticator app or a
recovery code whenever `TWO_FACTOR_REQUIRED` is on (`core.middleware.SecondFactorMiddleware` sends
them here until they have).
"""

import base64
import io
from dataclasses import dataclass

import qrcode
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import Max, Sum
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from core import clock, services
from core.client import client_address
from core.models import AuditEntry, User


class SignInForm(AuthenticationForm):
    """Django's sign-in form, which sets a maximum length on the user name but does not check it: a
    longer one would reach the failed-attempt log (django-axes) and the database would refuse it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class SignInView(LoginView):
    """Django's sign-in page, saying whether a second factor will be asked for."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["two_factor_required"] = settings.TWO_FACTOR_REQUIRED
        return context


def sign_in_locked(request, original_response=None, credentials=None):
    """django-axes' answer once an account is locked for this address: the sign-in page with the reason
    and how long it lasts (HTTP 429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "form": SignInForm(request),
        "locked_message": _(
            "Too many wrong passwords for this account from this computer: signing in is locked for "
            "%(minutes)s minutes. An administrator can lift the lock sooner."
        )
        % {"minutes": minutes},
        "two_factor_required": settings.TWO_FACTOR_REQUIRED,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def lockout_logged(sender, request, username, ip_address, **kwargs) -> None:
    """Log a lockout once: django-axes sends the signal for every attempt while the account is locked,
    and two attempts at the same moment may both pass the limit, so the log looks for this lockout's
    entry (same account and address, within the lockout's time) first."""
    since = clock.now() - settings.AXES_COOLOFF_TIME
    already = AuditEntry.objects.filter(
        action=AuditEntry.Action.LOCKOUT,
        object_label=username or "",
        client_address=ip_address or None,
        created_at__gte=since,
    )
    if already.exists():
        return
    user = User.objects.filter(username=username).first() if username else None
    services.audit_record(
        actor=user,
        action=AuditEntry.Action.LOCKOUT,
        target="sign_in",
        label=username or "",
        detail={"failures": settings.AXES_FAILURE_LIMIT},
        client_address=ip_address,
    )


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str | None
    failures: int
    last_attempt: object


def sign_in_lockouts(limit: int = 200) -> list[Lockout]:
    """The accounts locked now, per address. django-axes keeps one record per browser (user agent) and
    adds them up, so the records are added up here too: a lock spread over two browsers is listed."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME  # django-axes stamps attempts with the real time
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_attempt=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_attempt")[:limit]
    )
    return [Lockout(**row) for row in rows]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "numeric"}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _qr_code_svg(device: TOTPDevice) -> str:
    """The authenticator's set-up link as an inline SVG: one path (qrcode's SvgPathImage), which an HTML
    page draws; the namespaced <svg:rect> elements of its plain SVG image are not drawn inline."""
    out = io.BytesIO()
    qrcode.make(device.config_url, image_factory=SvgPathImage).save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]


@never_cache
@login_required
def two_factor(request):
    """Confirm this sign-in with a code (or a recovery code); a user without an authenticator sets one
    up here first and is shown their recovery codes once."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = CodeForm(request.POST or None)
    if device is not None:
        if request.method == "POST" and form.is_valid():
            verified = _verified_device(user, device, form.cleaned_data["code"])
            if verified is not None:
                request.session.cycle_key()  # a session verified anew gets a new key
                otp_login(request, verified)
                if isinstance(verified, StaticDevice):
                    messages.warning(
                        request,
                        _("Signed in with a recovery code; %(left)s remain. Make new ones when few remain.")
                        % {"left": verified.token_set.count()},
                    )
                return redirect(next_url)
            form.add_error("code", _wrong_code_message(device))
        return render(request, "core/two_factor_verify.html", {"form": form, "next": next_url})
    new_device = services.second_factor_start(user=user)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.second_factor_confirm(
                user=user,
                device=new_device,
                code=form.cleaned_data["code"],
                client_address=client_address(request),
            )
        except ValueError:
            form.add_error("code", _wrong_code_message(new_device))
        else:
            request.session.cycle_key()
            otp_login(request, new_device)
            return render(request, "core/two_factor_codes.html", {"codes": codes, "next": next_url})
    return render(
        request,
        "core/two_factor_enrol.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": _qr_code_svg(new_device),
            "secret": _spaced(base64.b32encode(new_device.bin_key).decode()),
        },
    )


def _spaced(secret: str) -> str:
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def _verified_device(user, device: TOTPDevice, code: str):
    """The device that accepts `code`: the authenticator for six digits, else a recovery code."""
    if code.isdigit() and len(code) == device.digits:
        return verify_token(user, device.persistent_id, code)
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is None:
        return None
    with transaction.atomic():
        return verify_token(user, recovery.persistent_id, code)


def _wrong_code_message(device: TOTPDevice) -> str:
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        return _("Too many wrong codes: wait a minute before trying again.")
    return _("This code is not right. Check the time on your phone and try the newest code.")


@login_required
@require_POST
def recovery_codes(request):
    """New recovery codes, shown once, for a user who has confirmed this sign-in with a second factor."""
    if not request.user.is_verified():
        return redirect("two_factor")
    codes = services.recovery_codes_issue(user=request.user)
    return render(
        request,
        "core/two_factor_codes.html",
        {"codes": codes, "next": resolve_url(settings.LOGIN_REDIRECT_URL)},
    )
