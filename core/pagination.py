"""Pagination that stays fast on millions of rows."""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` rows.

    Counting every one of a million matching cases costs far more than fetching the page shown, and
    nobody pages to the 40,000th page: past the cap, lists say "1,000+" and still page through the
    first `cap` rows. Exact totals belong to the dashboards' aggregates.
    """

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        self.cap = cap or settings.LIST_COUNT_CAP
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self) -> int:
        # COUNT(*) over a LIMITed subquery: the database stops after cap + 1 rows. Without the
        # ordering, it may take them in whichever order its indexes give them fastest.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap

    @property
    def shown_count(self) -> int:
        return min(self.count, self.cap)
