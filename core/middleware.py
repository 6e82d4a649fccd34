from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
