"""The ledger export (台账导出): the ledger's cases as rows of cells, written as CSV or as Excel.

The caller passes the queryset the ledger pages through (the one visibility policy, the ledger's filters
and ordering); `ledger_rows()` reads it in chunks with the related rows joined, so memory and the number
of queries stay flat whatever the number of cases. Personal data goes through `selectors.citizen_card()`:
masked, hidden on a confidential case from a handling department, in full only when the caller logged
a reveal. The Excel file is built on disk, never in memory.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from complaints import selectors
from complaints.models import Case, CaseEvent, CaseKind, Channel, Priority, State, Verdict

FORMATS = ("xlsx", "csv")
# An export is refused above this many cases (narrow the filters): bench/measure_export.py measures this
# size against the 300 MB target, and a request must end in reasonable time.
MAX_ROWS = 100_000
CHUNK_SIZE = 2000
DESCRIPTION_LENGTH = 500
# The events that hand a case to a department; the first one is the "dispatched" moment of DOMAIN.md §7.
DISPATCH_ACTIONS = ("dispatch",)
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
EXCEL_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# The CSV is sent in pieces of about this many characters rather than a line at a time.
CSV_PIECE_CHARACTERS = 64 * 1024
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): such text is
# prefixed with an apostrophe in the CSV, and stored as text in the Excel file.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
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


class _Echo:
    """A file for `csv.writer` that hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_pieces(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The CSV text in pieces for a streaming response: a UTF-8 byte order mark first (Excel reads the
    file as UTF-8 only with it), then the header and the rows, datetimes as `YYYY-MM-DD HH:MM`."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    piece, size = [], 0
    for row in rows:
        line = writer.writerow([_csv_cell(value) for value in row])
        piece.append(line)
        size += len(line)
        if size >= CSV_PIECE_CHARACTERS:
            yield "".join(piece)
            piece, size = [], 0
    if piece:
        yield "".join(piece)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def xlsx_file(header: list[str], rows: Iterable[list], *, title: str = "") -> IO[bytes]:
    """The rows as an Excel workbook in a temporary file on disk, rewound; closing it deletes it
    (`FileResponse` closes it once sent). openpyxl's write-only mode streams the rows to disk as they
    come, so memory does not grow with them. The header row is bold and frozen."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or None)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_excel_cell(sheet, value) for value in row])
    file = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (handed to the response, which closes it)
    workbook.save(file)
    file.seek(0)
    return file


def _excel_cell(sheet, value):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = EXCEL_DATETIME_FORMAT
        return cell
    if isinstance(value, str):
        # Control characters are not allowed in the file format; openpyxl would refuse the row.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"  # text, not a formula
            return cell
    return value
