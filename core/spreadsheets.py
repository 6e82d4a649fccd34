"""Rows of cells written as CSV or Excel, for every export (the ledger, the audit log...).

CSV is streamed as it is written; Excel is written by openpyxl's write-only workbook into a temporary file
on disk (never in memory) and sent from there. Both keep a spreadsheet from running a cell as a formula
(CSV injection).
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMATS = ("xlsx", "csv")
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
EXCEL_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# The CSV is sent in pieces of about this many characters rather than a line at a time.
CSV_PIECE_CHARACTERS = 64 * 1024
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): such text is
# prefixed with an apostrophe in the CSV, and stored as text in the Excel file.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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


def xlsx_file(
    header: list[str], rows: Iterable[list], *, title: str = "", widths: Iterable[int] = ()
) -> IO[bytes]:
    """The rows as an Excel workbook in a temporary file on disk, rewound; closing it deletes it
    (`FileResponse` closes it once sent). openpyxl's write-only mode streams the rows to disk as they
    come, so memory does not grow with them. The header row is bold and frozen; `widths` are the
    columns' widths in characters."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or None)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
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


def export_response(
    header: list[str],
    rows: Iterable[list],
    *,
    export_format: str,
    filename: str,
    title: str = "",
    widths: Iterable[int] = (),
):
    """The download: CSV streamed as it is written, Excel written to a file on disk first."""
    if export_format == "csv":
        return StreamingHttpResponse(
            csv_pieces(header, rows),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return FileResponse(
        xlsx_file(header, rows, title=title, widths=widths),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
