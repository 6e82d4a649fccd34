import time
from urllib.parse import quote

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from core import policy
from core.client import client_address


def preferred_language(request) -> str:
    """The language for this request: the signed-in user's own choice, else the language cookie,
    else Simplified Chinese. The browser's Accept-Language is not consulted (see settings)."""
    supported = {code for code, _name in settings.LANGUAGES}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in supported:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in supported:
        return cookie
    return settings.LANGUAGE_CODE


class PreferredLanguageMiddleware:
    """Activates `preferred_language()` for each request. Sits after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = preferred_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


# Requests a page makes by itself (the reception board's refresh every 30 seconds) say so in this header;
# they do not keep an idle session alive.
AUTOMATIC_REQUEST_HEADER = "X-Minsheng-Automatic"
# The session's last request by its user is written at most this often (a write per request would cost
# every page a database write).
_ACTIVITY_RESOLUTION_SECONDS = 60
LAST_ACTIVITY_KEY = "minsheng_last_activity"


def _redirect_to(request, url: str) -> HttpResponse:
    """A redirect that also works for htmx requests (which would otherwise swap the target page into
    the part of the page they update)."""
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


def session_activity_stamp(sender, request, user, **kwargs) -> None:
    """At sign-in (`user_logged_in`), the session's activity starts now."""
    request.session[LAST_ACTIVITY_KEY] = int(time.time())


class IdleSessionMiddleware:
    """Signs a user out after SESSION_IDLE_MINUTES without a request of theirs, and says why on the
    sign-in page. Sits after the session, authentication and messages middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)s minutes without activity. Please sign in again.")
                    % {"minutes": settings.SESSION_IDLE_MINUTES},
                )
                return _redirect_to(
                    request, f"{resolve_url(settings.LOGIN_URL)}?next={quote(request.get_full_path())}"
                )
            automatic = request.headers.get(AUTOMATIC_REQUEST_HEADER)
            if not automatic and (last is None or now - last >= _ACTIVITY_RESOLUTION_SECONDS):
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


# Pages a signed-in user without a verified second factor may still open: the second factor itself,
# signing out, the language switch and the health check.
_SECOND_FACTOR_EXEMPT = frozenset({"two_factor", "logout", "core:language_switch", "healthz", "login"})


class SecondFactorMiddleware:
    """Sends a user whose role requires two-factor sign-in (`core.policy.requires_second_factor`) to the
    second-factor page until they have verified a code in this session, whatever page they ask for.
    Sits after django-otp's OTPMiddleware, which says whether the session is verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if policy.second_factor_pending(request.user) and not self._exempt(request):
            return _redirect_to(request, f"{reverse('two_factor')}?next={quote(request.get_full_path())}")
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        if request.path_info.startswith((settings.STATIC_URL, settings.MEDIA_URL)):
            return True
        try:
            return resolve(request.path_info).view_name in _SECOND_FACTOR_EXEMPT
        except Resolver404:
            return False


class AuditContextMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware (it records who changed what), with the client address taken the
    one way the app takes it (`core.client`), not from a header anyone can write."""

    @staticmethod
    def _get_remote_addr(request):
        return client_address(request) or None
