"""The ledger export (台账导出): the ledger's cases as rows of cells, written as CSV or as Excel.

The caller passes the queryset the ledger pages through (the one visibility policy, the ledger's filters
and ordering); `ledger_rows()` reads it in chunks with the related rows joined, so memory and the number
of queries stay flat whatever the number of cases. Personal data goes through `selectors.citizen_card()`:
masked, hidden on a confidential case from a handling department, in full only when the caller logged
a reveal. The Excel file is built on disk, never in memory.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import selectors
from complaints.models import Case, CaseEvent, CaseKind, Channel, Priority, State, Verdict
from core import spreadsheets

FORMATS = spreadsheets.FORMATS
# An export is refused above this many cases (narrow the filters): bench/measure_export.py measures this
# size against the 300 MB target, and a request must end in reasonable time.
MAX_ROWS = 100_000
CHUNK_SIZE = 2000
DESCRIPTION_LENGTH = 500
# The events that hand a case to a department; the first one is the "dispatched" moment of DOMAIN.md §7.
DISPATCH_ACTIONS = ("dispatch",)
# The fields a row reads (`citizen_card()` masks all four citizen fields): loading only these halves
# the cost of building each case. A field read but not listed costs a query per row (the tests count).
ROW_FIELDS = (
    "number",
    "created_at",
    "kind",
    "channel",
    "priority",
    "state",
    "is_anonymous",
    "is_confidential",
    "citizen_name",
    "citizen_phone",
    "citizen_id_number",
    "citizen_address",
    "stage_deadline",
    "overall_deadline",
    "closed_at",
    "satisfaction",
    "reopen_count",
    "description",
    "category__name",
    "category__parent__name",
    "lead_department__name",
)


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # in characters, for Excel


COLUMNS = (
    Column(gettext_lazy("Case number"), 15),
    Column(gettext_lazy("Registered at"), 17),
    Column(gettext_lazy("Kind"), 10),
    Column(gettext_lazy("Channel"), 10),
    Column(gettext_lazy("Category"), 28),
    Column(gettext_lazy("Priority"), 8),
    Column(gettext_lazy("State"), 12),
    Column(gettext_lazy("Citizen"), 10),
    Column(gettext_lazy("Phone"), 14),
    Column(gettext_lazy("Lead department"), 16),
    Column(gettext_lazy("First dispatched at"), 17),
    Column(gettext_lazy("Stage deadline"), 17),
    Column(gettext_lazy("Overall deadline"), 17),
    Column(gettext_lazy("Closed at"), 17),
    Column(gettext_lazy("Satisfaction"), 12),
    Column(gettext_lazy("Reopenings"), 8),
    Column(gettext_lazy("Description"), 60),
)


def headers() -> list[str]:
    """The column headers in the active language."""
    return [str(column.header) for column in COLUMNS]


def ledger_queryset(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` (the ledger's filtered queryset, kept in its order) with what a row reads: the related
    rows joined and the first dispatch annotated (a subquery served by the (case, created_at) index)."""
    first_dispatch = (
        CaseEvent.objects.filter(case=OuterRef("pk"), action__in=DISPATCH_ACTIONS)
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    return (
        cases.select_related(*selectors.LIST_RELATED)
        .only(*ROW_FIELDS)
        .annotate(first_dispatched_at=Subquery(first_dispatch))
    )


def ledger_rows(user, cases: QuerySet[Case], *, revealed: bool) -> Iterator[list]:
    """One list of cells per case of `cases`, in its order: text, integers, naive local datetimes or None.

    Labels are translated now, in the caller's language, not while the rows are streamed. `revealed`
    shows personal data in full where `user` may see it: the caller checked the permission and logged
    the export."""
    labels = {
        field: {value: str(label) for value, label in choices.choices}
        for field, choices in (
            ("kind", CaseKind),
            ("channel", Channel),
            ("priority", Priority),
            ("state", State),
            ("satisfaction", Verdict),
        )
    }
    hidden, anonymous = _("Confidential"), _("Anonymous")
    zone = timezone.get_current_timezone()

    def local(moment: datetime | None) -> datetime | None:
        """The moment as a naive local datetime (what a spreadsheet shows), or None."""
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None

    def rows() -> Iterator[list]:
        for case in ledger_queryset(cases).iterator(chunk_size=CHUNK_SIZE):
            citizen = selectors.citizen_card(user, case, revealed=revealed)
            if citizen.is_hidden:
                name = hidden
            elif case.is_anonymous:
                name = anonymous
            else:
                name = citizen.name
            yield [
                case.number,
                local(case.created_at),
                labels["kind"].get(case.kind, case.kind),
                labels["channel"].get(case.channel, case.channel),
                str(case.category) if case.category_id else "",
                labels["priority"].get(case.priority, case.priority),
                labels["state"].get(case.state, case.state),
                name,
                citizen.phone,
                case.lead_department.name if case.lead_department_id else "",
                local(case.first_dispatched_at),
                local(case.stage_deadline),
                local(case.overall_deadline),
                local(case.closed_at),
                labels["satisfaction"].get(case.satisfaction, case.satisfaction),
                case.reopen_count,
                case.description[:DESCRIPTION_LENGTH],
            ]

    return rows()
