"""The ledger export (台账导出): the ledger's cases under its filters as CSV or Excel, masked unless a
permitted user gives a reason, every export logged, queries flat in the number of cases."""

import csv
import io
import re
from datetime import datetime

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from complaints import exports
from complaints.demo import walk
from complaints.models import CaseKind, State
from core import spreadsheets
from core.models import AuditEntry


@pytest.fixture
def client_in_english(client_as):
    def sign_in(user):
        client = client_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return sign_in


def export_url(query: str = "") -> str:
    return reverse("complaints:export") + query


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="ledger-\d{8}-\d{4}\.csv"', response["Content-Disposition"])
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def workbook_of(response):
    assert response.status_code == 200
    assert re.search(r'filename="ledger-\d{8}-\d{4}\.xlsx"', response["Content-Disposition"])
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def as_text(value) -> str:
    """An Excel cell as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def ledger_numbers(client, query: str = "") -> list[str]:
    content = client.get(reverse("complaints:list") + query).content.decode()
    return re.findall(r'data-number="([^"]+)"', content)


def test_csv_rows_are_the_ledgers_cases_in_its_order(case_in, register, office, client_in_english):
    case_in(State.IN_PROGRESS, kind=CaseKind.COMPLAINT)
    case_in(State.CLOSED, kind=CaseKind.COMPLAINT)
    case_in(State.DISPATCHED)
    register(kind=CaseKind.SUGGESTION)
    register()
    client = client_in_english(office)

    for query, expected in [
        ("", 5),
        ("?kind=complaint", 2),
        ("?state=registered", 2),
        ("?state=registered&state=dispatched&ordering=number", 3),
        ("?kind=help&state=registered", 1),
    ]:
        rows = csv_rows(client.get(export_url(query + "&format=csv" if query else "?format=csv")))
        assert rows[0] == [str(column.header) for column in exports.COLUMNS]
        assert rows[0][:2] == ["Case number", "Registered at"]
        numbers = [row[0] for row in rows[1:]]
        assert numbers == ledger_numbers(client, query), query
        assert len(numbers) == expected, query


def test_rows_show_the_cases_fields_with_labels_and_local_times(case_in, office, client_in_english):
    case = case_in(State.CLOSED, kind=CaseKind.COMPLAINT)
    rows = csv_rows(client_in_english(office).get(export_url("?format=csv")))

    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Case number"] == case.number
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row["Registered at"])
    assert row["Kind"] == "Complaint"
    assert row["Channel"] == "Phone hotline"
    assert row["Category"] == "服务态度 / 营业窗口服务态度"
    assert row["State"] == "Closed"
    assert row["Lead department"] == "营业服务部"
    assert row["First dispatched at"] and row["Closed at"] and row["Overall deadline"]
    assert row["Satisfaction"] in {"Satisfied", "Basically satisfied"}
    assert row["Reopenings"] == "0"
    assert row["Description"] == case.description


def test_a_department_user_exports_only_their_departments_cases(
    case_in, register, cast, other_department, handler, client_in_english
):
    own = case_in(State.DISPATCHED)
    walk(register(), State.DISPATCHED, cast, department=other_department)
    register()

    rows = csv_rows(client_in_english(handler).get(export_url("?format=csv")))

    assert [row[0] for row in rows[1:]] == [own.number]


def test_personal_data_is_masked_by_default_and_a_confidential_citizen_hidden(
    case_in, handler, client_in_english
):
    ordinary = case_in(State.DISPATCHED)
    confidential = case_in(State.DISPATCHED, is_confidential=True)

    response = client_in_english(handler).get(export_url("?format=csv&ordering=number"))
    rows = {row[0]: dict(zip(exports.headers(), row, strict=True)) for row in csv_rows(response)[1:]}

    assert (rows[ordinary.number]["Citizen"], rows[ordinary.number]["Phone"]) == ("张*", "138****5678")
    assert (rows[confidential.number]["Citizen"], rows[confidential.number]["Phone"]) == ("Confidential", "")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type, entry.reason) == (
        handler,
        AuditEntry.Action.EXPORT,
        "case_ledger",
        "",
    )
    assert entry.detail == {"query": "ordering=number", "format": "csv", "rows": 2, "revealed": False}


def test_the_full_data_needs_the_reveal_permission(case_in, leader, client_in_english):
    case_in(State.DISPATCHED)

    response = client_in_english(leader).post(export_url(), {"reason": "核实", "format": "csv"})

    assert response.status_code == 403
    assert not AuditEntry.objects.exists()


def test_the_full_data_needs_a_reason(case_in, office, client_in_english):
    case_in(State.DISPATCHED)
    client = client_in_english(office)

    response = client.post(export_url(), {"reason": "  ", "format": "csv", "kind": "help", "page": "2"})

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:list") + "?kind=help"
    assert not AuditEntry.objects.exists()
    assert "Say why you need the full personal data" in str(list(get_messages(response.wsgi_request))[0])


def test_the_full_data_with_a_reason_is_exported_and_logged(case_in, register, office, client_in_english):
    case = case_in(State.DISPATCHED, is_confidential=True)
    register(kind=CaseKind.SUGGESTION)
    reason = "信访复核，需要联系诉求人"

    response = client_in_english(office).post(
        export_url(), {"reason": reason, "format": "csv", "kind": "help"}
    )
    rows = csv_rows(response)

    row = dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 2
    assert (row["Case number"], row["Citizen"], row["Phone"]) == (case.number, "张三", "13812345678")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type, entry.reason) == (
        office,
        AuditEntry.Action.EXPORT,
        "case_ledger",
        reason,
    )
    assert entry.detail == {"query": "kind=help", "format": "csv", "rows": 1, "revealed": True}


def test_the_excel_file_has_the_csv_rows_with_real_dates(case_in, register, office, client_in_english):
    case_in(State.CLOSED, kind=CaseKind.COMPLAINT)
    case_in(State.DISPATCHED)
    register(
        kind=CaseKind.REPORT,
        is_anonymous=True,
        citizen_name="",
        citizen_phone="",
        citizen_id_number="",
        citizen_address="",
    )
    client = client_in_english(office)

    expected = csv_rows(client.get(export_url("?format=csv")))
    workbook = workbook_of(client.get(export_url()))

    sheet = workbook.active
    assert [[as_text(value) for value in row] for row in sheet.iter_rows(values_only=True)] == expected
    assert len(expected) == 4
    assert sheet.freeze_panes == "A2"
    assert isinstance(sheet["B2"].value, datetime)
    assert sheet["B2"].number_format == spreadsheets.EXCEL_DATETIME_FORMAT
    assert sheet.column_dimensions["Q"].width == exports.COLUMNS[-1].width
    entries = AuditEntry.objects.order_by("created_at", "id")
    assert [entry.detail["format"] for entry in entries] == ["csv", "xlsx"]
    assert entries[1].detail["rows"] == 3


def test_text_that_looks_like_a_formula_stays_text(register, office, client_in_english):
    register(description='=HYPERLINK("http://example.com","点击")')
    client = client_in_english(office)

    csv_description = csv_rows(client.get(export_url("?format=csv")))[1][-1]
    cell = workbook_of(client.get(export_url("?format=xlsx"))).active["Q2"]

    assert csv_description == '\'=HYPERLINK("http://example.com","点击")'
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.com","点击")', "s")


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_queries_do_not_grow_with_the_cases(export_format, case_in, register, office, client_in_english):
    client = client_in_english(office)
    case_in(State.CLOSED, kind=CaseKind.COMPLAINT)
    case_in(State.DISPATCHED)
    register()

    def export_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(export_url(f"?format={export_format}"))
            b"".join(response.streaming_content)
        return len(queries.captured_queries)

    with_three = export_queries()
    for _number in range(27):
        register()
    case_in(State.REPLIED)

    assert export_queries() == with_three
    assert AuditEntry.objects.order_by("-id").first().detail["rows"] == 31


def test_too_many_cases_are_refused(register, office, client_in_english, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    for _number in range(3):
        register()

    response = client_in_english(office).get(export_url("?format=csv&kind=help"))

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:list") + "?kind=help"
    assert "narrow the filters" in str(list(get_messages(response.wsgi_request))[0])
    assert not AuditEntry.objects.exists()


def test_an_unknown_format_or_bad_filter_is_refused_with_a_message_on_the_ledger(office, client_in_english):
    client = client_in_english(office)
    response = client.get(export_url("?format=pdf&kind=help"), follow=True)

    assert response.redirect_chain[0][0] == reverse("complaints:list") + "?kind=help"
    assert "Unknown export format" in response.content.decode()

    response = client.get(export_url("?format=csv&category=abc"), follow=True)
    assert response.status_code == 200
    assert "The filters are not valid" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_the_ledger_links_to_the_export_with_its_filters(office, leader, client_in_english):
    content = client_in_english(office).get(reverse("complaints:list") + "?kind=help&page=1").content.decode()

    export = reverse("complaints:export")
    assert f'data-testid="export-xlsx" href="{export}?format=xlsx&amp;kind=help"' in content
    assert f'data-testid="export-csv" href="{export}?format=csv&amp;kind=help"' in content
    assert 'data-testid="export-revealed"' in content
    assert '<input type="hidden" name="kind" value="help">' in content

    leader_page = client_in_english(leader).get(reverse("complaints:list")).content.decode()
    assert 'data-testid="export-csv"' in leader_page
    assert 'data-testid="export-revealed"' not in leader_page
