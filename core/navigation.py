"""The sections of the site a user can reach: one registry for the navigation bar and the workspace.

Each app registers its sections in its `AppConfig.ready()`; `core` never imports the apps above it.
A section is shown when the user holds any of its permissions (or none are required), meets its
`condition`, and, for `requires_staff` sections, is staff.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    order: int = 100
    permissions: tuple[str, ...] = field(default_factory=tuple)
    requires_staff: bool = False
    description: str | Promise = ""
    # Extra condition on the user, e.g. "sees any case" from the visibility policy.
    condition: Callable | None = None


_registry: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _registry[item.key] = item


def items_for(user) -> list[NavItem]:
    """The sections `user` may open, in menu order. Permissions come from Django's per-user cache,
    so this costs at most one query per request however many sections there are."""
    if not user.is_authenticated:
        return []
    visible = []
    for item in sorted(_registry.values(), key=lambda entry: entry.order):
        if item.requires_staff and not user.is_staff:
            continue
        if item.permissions and not any(user.has_perm(permission) for permission in item.permissions):
            continue
        if item.condition is not None and not item.condition(user):
            continue
        visible.append(item)
    return visible


@dataclass(frozen=True)
class Panel:
    """A panel of the workspace an app contributes (e.g. listed supervision for the leadership):
    `context(user)` gives the template's context; shown when `condition(user)` holds."""

    key: str
    template: str
    context: Callable
    condition: Callable
    order: int = 100


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.key] = panel


def panels_for(user) -> list[tuple[Panel, dict]]:
    if not user.is_authenticated:
        return []
    return [
        (panel, panel.context(user))
        for panel in sorted(_panels.values(), key=lambda entry: entry.order)
        if panel.condition(user)
    ]
