"""The time the domain acts at. Services ask `clock.now()` rather than the system clock, so that the
demo data can walk cases through their lifecycle in the past and tests can stand at a chosen moment."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_fixed: ContextVar[datetime | None] = ContextVar("minsheng_clock", default=None)


def now() -> datetime:
    return _fixed.get() or timezone.now()


@contextmanager
def travel_to(moment: datetime) -> Iterator[datetime]:
    """Within the block, `now()` is `moment` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("travel_to() needs an aware datetime")
    token = _fixed.set(moment)
    try:
        yield moment
    finally:
        _fixed.reset(token)
