from django.utils.functional import SimpleLazyObject

from core import navigation, notices


def navigation_items(request):
    """The navigation sections of the signed-in user and their unread notices, for `includes/_nav.html`
    (the count is one query, made only when the navigation is drawn)."""
    user = getattr(request, "user", None)
    return {
        "navigation_items": navigation.items_for(user) if user is not None else [],
        "unread_notices": SimpleLazyObject(lambda: notices.unread_count(user) if user is not None else 0),
    }
