"""The monthly analysis report (定期分析总结) and the public disclosure (信息公开): both read the stored
monthly figures, and the report adds the month's hot topics and repeat matters from the cases."""

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from complaints import kpis
from complaints.models import Case, CaseKind, Category, IndicatorCode
from dashboard.figures import Month, months_read
from dashboard.selectors import (
    indicator_weights,
    kpi_url,
    month_param,
    month_registered_url,
    ranking,
    recent_months,
)

REPORT_TREND_MONTHS = 6
HOT_TOPICS = 10
REPEATED_CASES = 10

# The handling status groups of `dashboard.figures.STATUS_GROUPS`, in the order they are shown.
STATUS_LABELS = {
    "closed": gettext_lazy("Closed"),
    "answered": gettext_lazy("Answered, awaiting the citizen's rating"),
    "in_progress": gettext_lazy("Being handled"),
    "rejected": gettext_lazy("Not accepted (referred to the proper channel)"),
    "merged": gettext_lazy("Merged into another case"),
}


def _rate(figure: kpis.Figure) -> float | None:
    return round(100 * figure.rate, 1) if figure.rate is not None else None


@dataclass(frozen=True)
class Topic:
    category: Category
    count: int
    previous: int
    url: str


def hot_topics(month: date) -> list[Topic]:
    """The categories with the most cases registered in the month, with last month's count."""
    start, end = kpis.month_bounds(month)
    previous_start, _previous_end = kpis.month_bounds(kpis.previous_month(month))
    rows = (
        Case.objects.filter(created_at__gte=previous_start, created_at__lt=end, category__isnull=False)
        .values("category_id")
        .annotate(
            count=Count("id", filter=Q(created_at__gte=start)),
            previous=Count("id", filter=Q(created_at__lt=start)),
        )
        .filter(count__gt=0)
        .order_by("-count", "category_id")[:HOT_TOPICS]
    )
    categories = Category.objects.select_related("parent").in_bulk([row["category_id"] for row in rows])
    return [
        Topic(
            categories[row["category_id"]],
            row["count"],
            row["previous"],
            month_registered_url(month, category=row["category_id"]),
        )
        for row in rows
    ]


def repeat_matters(month: date) -> dict:
    """Repeat contacts registered in the month: by category, and the earlier cases repeated most."""
    start, end = kpis.month_bounds(month)
    repeats = Case.objects.filter(created_at__gte=start, created_at__lt=end).filter(
        Q(repeat_of__isnull=False) | Q(duplicate_of__isnull=False)
    )
    by_category = list(
        repeats.filter(category__isnull=False)
        .values("category_id")
        .annotate(count=Count("id"))
        .order_by("-count", "category_id")[:HOT_TOPICS]
    )
    categories = Category.objects.select_related("parent").in_bulk(
        [row["category_id"] for row in by_category]
    )
    originals = list(
        repeats.filter(repeat_of__isnull=False)
        .values("repeat_of__number", "repeat_of__category_id")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
        .order_by("-count", "repeat_of__number")[:REPEATED_CASES]
    )
    return {
        "total": repeats.count(),
        "url": kpi_url(IndicatorCode.REPEAT_CONTACT, month, part="hit"),
        "by_category": [(categories[row["category_id"]], row["count"]) for row in by_category],
        "originals": [(row["repeat_of__number"], row["count"]) for row in originals],
    }


def monthly_report(month: date) -> dict:
    months = recent_months(month, REPORT_TREND_MONTHS)
    figures = months_read(sorted({*months, kpis.previous_month(month)}))
    this: Month = figures[month]
    weights = indicator_weights()
    ranked, left_out = ranking(month, this, weights)
    entries = ranked + left_out
    late = sorted(
        (entry for entry in entries if entry.figures[IndicatorCode.ON_TIME].misses),
        key=lambda entry: (-entry.figures[IndicatorCode.ON_TIME].misses, entry.department.name),
    )
    reopened = sorted(
        (entry for entry in entries if entry.figures[IndicatorCode.REOPEN_RATE].hits),
        key=lambda entry: (-entry.figures[IndicatorCode.REOPEN_RATE].hits, entry.department.name),
    )
    return {
        "month": month,
        "month_param": month_param(month),
        "computed_at": this.computed_at,
        "trend": [
            (
                month_param(each),
                figures[each].intake,
                [figures[each].intake_by_kind.get(kind, 0) for kind in CaseKind.values],
                _rate(figures[each].kpi(IndicatorCode.SATISFACTION)),
                _rate(figures[each].kpi(IndicatorCode.ON_TIME)),
            )
            for each in months
        ],
        "kinds": [label for _value, label in CaseKind.choices],
        "intake": this.intake,
        "previous_intake": figures[kpis.previous_month(month)].intake,
        "month_url": month_registered_url(month),
        "organisation": [
            (definition, this.kpi(code), _rate(this.kpi(code)), kpi_url(code, month))
            for code, definition in kpis.DEFINITIONS.items()
        ],
        "hot_topics": hot_topics(month),
        "late": late[:HOT_TOPICS],
        "reopened": reopened[:HOT_TOPICS],
        "repeats": repeat_matters(month),
        "ranked": ranked,
        "left_out": left_out,
        "department_indicators": [d for d in kpis.DEFINITIONS.values() if d.per_department],
        "department_rows": [
            (
                position if position <= len(ranked) else None,
                entry,
                [entry.figures[d.code].percent for d in kpis.DEFINITIONS.values() if d.per_department],
            )
            for position, entry in enumerate(ranked + left_out, start=1)
        ],
        "indicators": [(code, kpis.DEFINITIONS[code]) for code in IndicatorCode.values],
        "weights": weights,
        "min_cases": settings.KPI_RANKING_MIN_CASES,
        "on_time_code": IndicatorCode.ON_TIME,
        "reopen_code": IndicatorCode.REOPEN_RATE,
    }


def _sheet(workbook: Workbook, title: str, header: list, rows) -> None:
    sheet = workbook.create_sheet(title[:31])
    sheet.append([str(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width * 1.6))


def report_workbook(report: dict) -> bytes:
    """The report as an Excel workbook: one sheet per section, numbers as numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(
        workbook,
        _("Trend"),
        [_("Month"), _("Registered"), *report["kinds"], _("Satisfaction (%)"), _("On time (%)")],
        [
            [label, total, *by_kind, satisfaction, on_time]
            for label, total, by_kind, satisfaction, on_time in report["trend"]
        ],
    )
    _sheet(
        workbook,
        _("Indicators"),
        [_("Indicator"), _("Counted"), _("In the numerator"), _("Rate (%)"), _("Formula")],
        [
            [str(definition.label), figure.total, figure.hits, rate, str(definition.formula)]
            for definition, figure, rate, _url in report["organisation"]
        ],
    )
    _sheet(
        workbook,
        _("Departments"),
        [
            _("Rank"),
            _("Department"),
            _("Cases received"),
            _("Score"),
            *[d.label for d in report["department_indicators"]],
        ],
        [
            [position, entry.department.name, entry.received, entry.score if position else None, *percents]
            for position, entry, percents in report["department_rows"]
        ],
    )
    _sheet(
        workbook,
        _("Hot topics"),
        [_("Category"), _("Registered"), _("Last month")],
        [[str(topic.category), topic.count, topic.previous] for topic in report["hot_topics"]],
    )
    _sheet(
        workbook,
        _("Late and reopened"),
        [_("Department"), _("Replies approved late"), _("Closed after a reopening")],
        [
            [
                entry.department.name,
                entry.figures[IndicatorCode.ON_TIME].misses,
                entry.figures[IndicatorCode.REOPEN_RATE].hits,
            ]
            for entry in sorted(
                {entry.department.pk: entry for entry in report["late"] + report["reopened"]}.values(),
                key=lambda entry: entry.department.name,
            )
        ],
    )
    _sheet(
        workbook,
        _("Repeat matters"),
        [_("Category"), _("Repeat contacts")],
        [[str(category), count] for category, count in report["repeats"]["by_category"]],
    )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def suppressed(counts: dict, minimum: int) -> dict:
    """Counts for publication: a count below `minimum` (but above 0) is withheld, and when only one
    count of a breakdown is withheld the next smallest is too, so that it cannot be found by
    subtracting from the total. Returns key -> count or None (withheld)."""
    shown = dict(counts)
    small = [key for key, count in counts.items() if 0 < count < minimum]
    for key in small:
        shown[key] = None
    if len(small) == 1:
        others = [key for key, count in counts.items() if key not in small and count > 0]
        if others:
            shown[min(others, key=counts.get)] = None
    return shown


def public_statistics(month: date) -> dict:
    """The public page of one month: counts by kind, category and status (small ones withheld) and the
    on-time and satisfaction rates (withheld when counted over fewer cases than the minimum)."""
    minimum = settings.DISCLOSURE_MIN_COUNT
    figures = months_read([month])[month]
    categories = Category.objects.in_bulk(list(figures.intake_by_category()))

    def rate(code):
        figure = figures.kpi(code)
        return _rate(figure) if figure.total >= minimum else None

    by_kind = suppressed(figures.intake_by_kind, minimum)
    by_category = suppressed(figures.intake_by_category(), minimum)
    status = suppressed(figures.status, minimum)
    return {
        "month": month,
        "minimum": minimum,
        "total": figures.intake if figures.intake >= minimum else None,
        "by_kind": [(label, by_kind[kind]) for kind, label in CaseKind.choices if kind in by_kind],
        "by_category": sorted(
            ((categories[key].name, count) for key, count in by_category.items() if key in categories),
            key=lambda item: (-(item[1] or 0), item[0]),
        ),
        "status": [(STATUS_LABELS[group], status[group]) for group in STATUS_LABELS if group in status],
        "on_time": rate(IndicatorCode.ON_TIME),
        "satisfaction": rate(IndicatorCode.SATISFACTION),
        "computed_at": figures.computed_at,
    }
