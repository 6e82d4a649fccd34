"""Monthly figures: computed from the cases and their timeline, stored, and read back for the pages.

`month_compute()` is the direct computation; `month_refresh()` stores it (`MonthlyFigure`), which beat
does every few minutes for this month and the last and nightly for the year before; `months_read()`
reads stored months in two queries. A month never computed is computed at once where the page cannot
do without it, otherwise handed to the worker and shown as pending (about two seconds a month at a
million cases: bench/README.md).
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils import timezone

from complaints import kpis
from complaints.kpis import Figure
from complaints.models import Case, IndicatorCode, State
from core import clock
from dashboard.models import FigureMonth, Measure, MonthlyFigure

logger = logging.getLogger(__name__)

# The handling status of a month's cases, as the public page and the report group the states.
STATUS_GROUPS = {
    State.REGISTERED: "in_progress",
    State.DISPATCHED: "in_progress",
    State.RETURN_REQUESTED: "in_progress",
    State.SIGNED: "in_progress",
    State.IN_PROGRESS: "in_progress",
    State.EXTENSION_REQUESTED: "in_progress",
    State.SUSPENDED: "in_progress",
    State.REPLY_SUBMITTED: "in_progress",
    State.REOPENED: "in_progress",
    State.ANSWERED_DIRECTLY: "answered",
    State.REPLIED: "answered",
    State.REVISITED: "answered",
    State.CLOSED: "closed",
    State.ARCHIVED: "closed",
    State.REJECTED: "rejected",
    State.MERGED: "merged",
}


@dataclass
class Month:
    """The figures of one month."""

    month: date
    computed_at: object = None
    # Never computed yet: handed to the worker, shown as missing until then.
    pending: bool = False
    # indicator code -> department id (None: the organisation) -> Figure
    kpis: dict = field(default_factory=lambda: defaultdict(dict))
    intake_by_kind: dict = field(default_factory=dict)
    # (department id, top-level category id) -> count
    intake_cells: dict = field(default_factory=dict)
    status: dict = field(default_factory=dict)

    @property
    def intake(self) -> int:
        return sum(self.intake_by_kind.values())

    def kpi(self, code: str, department_id=None) -> Figure:
        return self.kpis[code].get(department_id) or Figure(0, 0)

    def department_figures(self, department_id) -> dict[str, Figure]:
        return {code: self.kpi(code, department_id) for code in IndicatorCode.values}

    def departments(self) -> set[int]:
        return {key for by_department in self.kpis.values() for key in by_department if key is not None}

    def intake_by_category(self) -> dict:
        totals = defaultdict(int)
        for (_department, category), count in self.intake_cells.items():
            totals[category] += count
        return dict(totals)


def month_compute(month: date) -> Month:
    """Count everything for `month` directly from the cases and their timeline."""
    start, end = kpis.month_bounds(month)
    figures = Month(month=month, computed_at=clock.now())
    for code in kpis.DEFINITIONS:
        figures.kpis[code] = kpis.indicator_counts(code, start, end)
    registered = Case.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    figures.intake_by_kind = {
        row["kind"]: row["count"] for row in registered.values("kind").annotate(count=Count("id"))
    }
    figures.intake_cells = {
        (row["lead_department_id"], row["top_category"]): row["count"]
        for row in registered.filter(lead_department__isnull=False, category__isnull=False)
        .values("lead_department_id", top_category=Coalesce("category__parent_id", "category_id"))
        .annotate(count=Count("id"))
    }
    status = defaultdict(int)
    for row in registered.values("state").annotate(count=Count("id")):
        status[STATUS_GROUPS[row["state"]]] += row["count"]
    figures.status = dict(status)
    return figures


def _rows(figures: Month) -> list[MonthlyFigure]:
    def row(measure, department_id=None, key="", total=0, hits=0):
        return MonthlyFigure(
            month=figures.month,
            measure=measure,
            department_id=department_id,
            key=str(key),
            total=total,
            hits=hits,
            computed_at=figures.computed_at,
        )

    rows = []
    for code, by_department in figures.kpis.items():
        rows += [row(code, department, total=f.total, hits=f.hits) for department, f in by_department.items()]
    rows += [
        row(Measure.INTAKE_KIND, key=kind, total=count) for kind, count in figures.intake_by_kind.items()
    ]
    rows += [
        row(Measure.INTAKE_CELL, department, key=category, total=count)
        for (department, category), count in figures.intake_cells.items()
    ]
    rows += [row(Measure.STATUS, key=group, total=count) for group, count in figures.status.items()]
    return rows


@transaction.atomic
def month_refresh(month: date) -> Month:
    """Recompute `month` and replace its stored rows, holding the month's lock row meanwhile."""
    FigureMonth.objects.get_or_create(month=month, defaults={"computed_at": clock.now()})
    lock = FigureMonth.objects.select_for_update().get(month=month)
    figures = month_compute(month)
    MonthlyFigure.objects.filter(month=month).delete()
    MonthlyFigure.objects.bulk_create(_rows(figures))
    lock.computed_at = figures.computed_at
    lock.save(update_fields=["computed_at"])
    return figures


def months_refresh(months_back: int = 1, *, today: date | None = None) -> list[date]:
    """Refresh this month and the `months_back` months before it."""
    month = kpis.month_start(today or timezone.localdate(clock.now()))
    refreshed = []
    for _step in range(months_back + 1):
        month_refresh(month)
        refreshed.append(month)
        month = kpis.previous_month(month)
    return refreshed


def months_read(months: list[date], *, required=None) -> dict[date, Month]:
    """The stored figures of `months`. A month never computed is computed and stored now if it is in
    `required` (all of them by default); the others are handed to the worker and come back pending."""
    required = set(months if required is None else required)
    result = {month: Month(month=month) for month in months}
    computed = dict(FigureMonth.objects.filter(month__in=months).values_list("month", "computed_at"))
    for month, computed_at in computed.items():
        result[month].computed_at = computed_at
    for stored in MonthlyFigure.objects.filter(month__in=list(computed)):
        figures = result[stored.month]
        if stored.measure == Measure.INTAKE_KIND:
            figures.intake_by_kind[stored.key] = stored.total
        elif stored.measure == Measure.INTAKE_CELL:
            figures.intake_cells[(stored.department_id, int(stored.key))] = stored.total
        elif stored.measure == Measure.STATUS:
            figures.status[stored.key] = stored.total
        else:
            figures.kpis[stored.measure][stored.department_id] = Figure(stored.total, stored.hits)
    pending = []
    for month in months:
        if month in computed:
            continue
        if month in required:
            result[month] = month_refresh(month)
        else:
            result[month].pending = True
            pending.append(month)
    if pending:
        transaction.on_commit(lambda: _hand_to_worker(pending))
    return result


def _hand_to_worker(months: list[date]) -> None:
    from dashboard.tasks import figures_refresh_task

    try:
        figures_refresh_task.delay(months=[month.isoformat() for month in months])
    except Exception:  # a broker that is down must not break the page
        logger.warning("Could not queue the figures of %s: the next page that shows them asks again.", months)
