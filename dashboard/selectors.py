"""What the dashboards show: live counts of the cases now, the stored monthly figures, the ranking, and
for every number the ledger address that lists exactly the cases behind it."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from complaints import kpis
from complaints.filters import MONTH_FORMAT
from complaints.models import Case, CaseKind, Category, Indicator, IndicatorCode, State, Supervision
from complaints.selectors import inbox_counts
from core import clock, policy
from core.models import Department
from core.roles import Role
from dashboard.figures import Month, months_read
from hotline.models import Call
from hotline.selectors import revisit_queue
from reception.models import Visit

TREND_MONTHS = 12
# The department inbox's queues as the department dashboard's tiles (complaints.selectors.INBOX_BUCKETS).
INBOX_TILES = [
    ("to_sign", _lazy("To sign"), "primary"),
    ("in_progress", _lazy("In progress"), "secondary"),
    ("due_soon", _lazy("Due soon"), "warning"),
    ("overdue", _lazy("Overdue"), "danger"),
    ("returned", _lazy("Returned"), "secondary"),
    ("replies_to_approve", _lazy("Replies to approve"), "success"),
]


def ledger_url(**params) -> str:
    """The ledger filtered by `params` (the ledger's own filter names)."""
    query = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{reverse('complaints:list')}?{urlencode(query)}"


def month_param(month: date) -> str:
    return month.strftime(MONTH_FORMAT)


def registered_url(first: date, last: date, **params) -> str:
    return ledger_url(registered_after=first.isoformat(), registered_before=last.isoformat(), **params)


def month_registered_url(month: date, **params) -> str:
    return registered_url(month, kpis.next_month(month) - timedelta(days=1), **params)


def kpi_url(code: str, month: date, *, part: str = "all", department_id=None) -> str:
    return ledger_url(kpi=code, month=month_param(month), part=part, kpi_department=department_id)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day as aware local times, from 00:00 to the next day's."""
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.get_default_timezone())
    return start, start + timedelta(days=1)


def recent_months(month: date, count: int) -> list[date]:
    months = [month]
    while len(months) < count:
        months.append(kpis.previous_month(months[-1]))
    return list(reversed(months))


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: int
    url: str
    tone: str = "primary"


@dataclass(frozen=True)
class KpiTile:
    code: str
    label: str
    figure: kpis.Figure
    previous: kpis.Figure
    lower_is_better: bool
    url: str
    hits_url: str
    misses_url: str

    @property
    def change(self) -> float | None:
        """The change from the previous month in percentage points."""
        if self.figure.rate is None or self.previous.rate is None:
            return None
        return round(100 * (self.figure.rate - self.previous.rate), 1)

    @property
    def is_better(self) -> bool | None:
        if not self.change:
            return None
        return (self.change < 0) if self.lower_is_better else (self.change > 0)


def kpi_tiles(month: date, figures: dict[date, Month], department_id=None) -> list[KpiTile]:
    previous = kpis.previous_month(month)
    tiles = []
    for code, definition in kpis.DEFINITIONS.items():
        if department_id is not None and not definition.per_department:
            continue
        tiles.append(
            KpiTile(
                code=code,
                label=definition.label,
                figure=figures[month].kpi(code, department_id),
                previous=figures[previous].kpi(code, department_id),
                lower_is_better=definition.lower_is_better,
                url=kpi_url(code, month, department_id=department_id),
                hits_url=kpi_url(code, month, part="hit", department_id=department_id),
                misses_url=kpi_url(code, month, part="miss", department_id=department_id),
            )
        )
    return tiles


@dataclass(frozen=True)
class RankedDepartment:
    department: Department
    received: int
    score: float | None
    figures: dict
    url: str


def ranking(month: date, figures: Month, weights: dict[str, int]) -> tuple[list[RankedDepartment], list]:
    """The month's departments by weighted score, best first, and those left out (fewer cases received
    than `KPI_RANKING_MIN_CASES`)."""
    departments = Department.objects.in_bulk(figures.departments())
    ranked, left_out = [], []
    for department_id, department in departments.items():
        own = figures.department_figures(department_id)
        received = own[IndicatorCode.TIMELY_SIGN].total
        entry = RankedDepartment(
            department=department,
            received=received,
            score=kpis.score(own, weights),
            figures=own,
            url=kpi_url(IndicatorCode.TIMELY_SIGN, month, department_id=department_id),
        )
        if received < settings.KPI_RANKING_MIN_CASES or entry.score is None:
            left_out.append(entry)
        else:
            ranked.append(entry)
    ranked.sort(key=lambda entry: (-entry.score, -entry.received, entry.department.name))
    left_out.sort(key=lambda entry: entry.department.name)
    return ranked, left_out


def indicator_weights() -> dict[str, int]:
    return dict(Indicator.objects.values_list("code", "weight"))


def _live_tiles(user, month: date, today: date, now: datetime) -> list[Tile]:
    """Counts of the cases now: each a query on an index, each linked to the same filter."""
    cases = Case.objects.visible_to(user).order_by()
    start, end = kpis.month_bounds(month)
    day_start, day_end = day_bounds(today)
    listed = Supervision.objects.filter(kind=Supervision.Kind.LISTED, answered_at__isnull=True)
    this_month = month == kpis.month_start(today)
    return [
        Tile(
            "today",
            _("Registered today"),
            cases.filter(created_at__gte=day_start, created_at__lt=day_end).count(),
            registered_url(today, today),
        ),
        Tile(
            "month",
            _("Registered this month") if this_month else _("Registered in the month"),
            cases.filter(created_at__gte=start, created_at__lt=end).count(),
            month_registered_url(month),
        ),
        Tile("open", _("Open"), cases.open().count(), ledger_url(open="on")),
        Tile("overdue", _("Overdue"), cases.overdue(now).count(), ledger_url(overdue="on"), tone="danger"),
        Tile(
            "listed",
            _("Under listed supervision"),
            cases.filter(pk__in=listed.values("case_id")).count(),
            ledger_url(listed="on"),
            tone="warning",
        ),
    ]


def _heat_map(month: date, figures: Month) -> dict:
    cells = figures.intake_cells
    department_ids = sorted({department for department, _category in cells})
    category_ids = {category for _department, category in cells}
    departments = Department.objects.in_bulk(department_ids)
    categories = Category.objects.in_bulk(category_ids)
    columns = sorted(categories.values(), key=lambda category: (category.sort_order, category.code))
    highest = max(cells.values(), default=0)
    rows = []
    for department in sorted(departments.values(), key=lambda d: (d.sort_order, d.name)):
        row = []
        for category in columns:
            count = cells.get((department.pk, category.pk), 0)
            row.append(
                {
                    "count": count,
                    "share": count / highest if highest else 0,
                    "url": month_registered_url(month, lead_department=department.pk, category=category.pk)
                    if count
                    else "",
                }
            )
        rows.append((department, row))
    return {"columns": columns, "rows": rows}


def _ranking_chart(ranked: list[RankedDepartment]) -> dict:
    return {
        "labels": [entry.department.name for entry in ranked],
        "scores": [entry.score for entry in ranked],
        "urls": [entry.url for entry in ranked],
    }


def _charts(months: list[date], figures: dict[date, Month]) -> dict:
    """The two time series as Chart.js data, each point with the ledger address behind it."""
    intake = {
        "labels": [month_param(month) for month in months],
        "datasets": [
            {
                "label": str(label),
                "data": [
                    None if figures[month].pending else figures[month].intake_by_kind.get(kind, 0)
                    for month in months
                ],
                "urls": [month_registered_url(month, kind=kind) for month in months],
            }
            for kind, label in CaseKind.choices
        ],
    }
    satisfaction_figures = [figures[month].kpi(IndicatorCode.SATISFACTION) for month in months]
    satisfaction = {
        "labels": [month_param(month) for month in months],
        "rates": [round(100 * f.rate, 1) if f.rate is not None else None for f in satisfaction_figures],
        "counts": [f.total for f in satisfaction_figures],
        "urls": [kpi_url(IndicatorCode.SATISFACTION, month) for month in months],
    }
    return {"intake": intake, "satisfaction": satisfaction}


def leadership(user, *, month: date | None = None) -> dict:
    now = clock.now()
    today = timezone.localdate(now)
    month = month or kpis.month_start(today)
    months = recent_months(month, TREND_MONTHS)
    figures = months_read(
        sorted({*months, kpis.previous_month(month)}), required={month, kpis.previous_month(month)}
    )
    weights = indicator_weights()
    ranked, left_out = ranking(month, figures[month], weights)
    size = settings.KPI_RANKING_SIZE
    # With fewer than twice `size` ranked, the better half is red and the rest black.
    red = min(size, (len(ranked) + 1) // 2)
    return {
        "month": month,
        "month_param": month_param(month),
        "previous_month": kpis.previous_month(month),
        "next_month": kpis.next_month(month) if month < kpis.month_start(today) else None,
        "computed_at": figures[month].computed_at,
        "pending": [month_param(each) for each in months if figures[each].pending],
        "tiles": _live_tiles(user, month, today, now),
        "kpi_tiles": kpi_tiles(month, figures),
        "charts": {**_charts(months, figures), "ranking": _ranking_chart(ranked)},
        "heat_map": _heat_map(month, figures[month]),
        "ranked": ranked,
        "red_list": ranked[:red],
        "black_list": list(reversed(ranked[red:][-size:])),
        "left_out": left_out,
        "min_cases": settings.KPI_RANKING_MIN_CASES,
        "weights": weights,
    }


def department_view(user, *, month: date | None = None) -> dict:
    """The head's dashboard: the inbox's counts, open supervision notices to answer and the
    departments' own KPIs this month against the last."""
    now = clock.now()
    today = timezone.localdate(now)
    month = month or kpis.month_start(today)
    department_ids = sorted(policy.case_scope(user).department_ids)
    departments = list(Department.objects.filter(pk__in=department_ids).order_by("sort_order", "name"))
    figures = months_read([kpis.previous_month(month), month])
    weights = indicator_weights()
    supervisions = (
        Supervision.objects.filter(department_id__in=department_ids, answered_at__isnull=True)
        .select_related("case")
        .order_by("answer_due_at")
    )
    counts = inbox_counts(user, now=now)
    return {
        "month": month,
        "month_param": month_param(month),
        "previous_month": kpis.previous_month(month),
        "next_month": kpis.next_month(month) if month < kpis.month_start(today) else None,
        "computed_at": figures[month].computed_at,
        "now": now,
        "buckets": [(bucket, label, tone, counts[bucket]) for bucket, label, tone in INBOX_TILES],
        "supervisions": supervisions,
        "departments": [
            (
                department,
                kpi_tiles(month, figures, department_id=department.pk),
                kpis.score(figures[month].department_figures(department.pk), weights),
            )
            for department in departments
        ],
    }


def today_tiles(user) -> dict:
    """The agent's and the clerk's tiles of today's work, each linked to the list it counts."""
    now = clock.now()
    today = timezone.localdate(now)
    day_start, day_end = day_bounds(today)
    cases = Case.objects.visible_to(user).order_by()
    roles = user.role_codes
    tiles = [
        Tile(
            "registered_by_me",
            _("Cases I registered today"),
            cases.filter(created_by=user, created_at__gte=day_start, created_at__lt=day_end).count(),
            registered_url(today, today),
        ),
        Tile(
            "to_dispatch",
            _("Waiting for dispatch"),
            cases.filter(state=State.REGISTERED).count(),
            ledger_url(state=State.REGISTERED),
            tone="warning",
        ),
    ]
    if Role.AGENT in roles:
        tiles += [
            Tile(
                "calls",
                _("Calls I took today"),
                Call.objects.filter(agent=user, started_at__gte=day_start, started_at__lt=day_end).count(),
                reverse("hotline:calls"),
            ),
            Tile(
                "revisits",
                _("Revisits due by today"),
                revisit_queue(user).filter(stage_deadline__lt=day_end).count(),
                reverse("hotline:revisit_queue"),
                tone="danger",
            ),
        ]
    if Role.CLERK in roles and policy.sees_visits(user):
        visits = (
            Visit.objects.visible_to(user)
            .filter(visit_date=today)
            .aggregate(
                registered=Count("pk", filter=Q(clerk=user)),
                waiting=Count("pk", filter=Q(state=Visit.State.WAITING)),
            )
        )
        tiles += [
            Tile(
                "visits", _("Visitors I registered today"), visits["registered"], reverse("reception:board")
            ),
            Tile(
                "waiting",
                _("Visitors waiting now"),
                visits["waiting"],
                reverse("reception:board"),
                tone="danger",
            ),
        ]
    return {"tiles": tiles}
