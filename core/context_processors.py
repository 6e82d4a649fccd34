from django.utils.functional import SimpleLazyObject

from core import navigation, notices, policy


def navigation_items(request):
    """The navigation sections of the signed-in user and their unread notices, for `includes/_nav.html`
    (the count is one query, made only when the navigation is drawn). Nothing until a sign-in that needs
    a second factor is confirmed."""
    user = getattr(request, "user", None)
    if user is not None and policy.second_factor_pending(user):
        return {"navigation_items": [], "unread_notices": 0, "second_factor_pending": True}
    return {
        "navigation_items": navigation.items_for(user) if user is not None else [],
        "unread_notices": SimpleLazyObject(lambda: notices.unread_count(user) if user is not None else 0),
    }
