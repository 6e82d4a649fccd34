from core import navigation


def navigation_items(request):
    """The navigation sections of the signed-in user, for `includes/_nav.html`."""
    user = getattr(request, "user", None)
    return {"navigation_items": navigation.items_for(user) if user is not None else []}
