"""Retention: closed cases archived after their kind's period; personal data erased when the retention
ends, kept anonymised for the statistics; each kind of legal hold skips a case and says why; the erasure
ledger replays after a restore; the office's holds; the runs page."""

import json
import os
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import retention
from complaints.errors import ActionForbidden
from complaints.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseKind,
    LegalHold,
    RetentionPolicy,
    RetentionRecord,
    RetentionRun,
    State,
    Supervision,
)
from core import clock
from core.notices import notice_send
from hotline import services as hotline_services
from hotline.models import Call
from reception import services as reception_services
from reception.models import ReceptionRoom, Visit

CLOSED = timezone.make_aware(datetime(2020, 3, 2, 10, 0))
PHONE = "13812345678"


@pytest.fixture
def closed_case(case_in, cast, agent, clerk):
    """A help request (3 years' retention) closed on CLOSED, with a note, an attachment, a visit and a
    call of the citizen."""

    def make(kind=CaseKind.HELP, **fields):
        with clock.travel_to(CLOSED):
            case = case_in(
                State.CLOSED,
                kind=kind,
                attachments=[SimpleUploadedFile("现场.jpg", b"\xff\xd8photo", content_type="image/jpeg")],
                **fields,
            )
            note_written(case, cast)
            room = ReceptionRoom.objects.first() or ReceptionRoom.objects.create(name="接待室")
            visit = reception_services.visit_register(
                clerk=clerk, room=room, visitor_name="张三", phone=PHONE, reason="停水"
            )
            Visit.objects.filter(pk=visit.pk).update(case=case)
            call = hotline_services.call_log(agent=agent, number=PHONE, started_at=CLOSED, outcome="other")
            call.cases.add(case)
        return Case.objects.get(pk=case.pk)

    return make


def note_written(case, cast):
    """A note written while the case was handled (the timeline keeps it; erasure blanks it)."""
    CaseEvent.objects.create(
        case=case, type=CaseEvent.Type.NOTE, actor=cast.handler, note="约谈了张三，电话13812345678"
    )


def run_at(moment: datetime) -> RetentionRun:
    with clock.travel_to(moment):
        return retention.retention_run()


def test_a_closed_case_is_archived_after_its_kinds_waiting_time_and_only_an_archived_one_is_erased(
    closed_case,
):
    case = closed_case()

    assert run_at(CLOSED + timedelta(days=29)).archived == 0
    run = run_at(CLOSED + timedelta(days=31))

    case.refresh_from_db()
    assert run.archived == 1
    assert case.state == State.ARCHIVED and case.archived_at == CLOSED + timedelta(days=31)
    assert case.events.filter(action="archive", actor__username="minsheng-system").exists()
    still_open = closed_case()
    Case.objects.filter(pk=still_open.pk).update(state=State.REPLIED)
    assert run_at(CLOSED.replace(year=2030)).erased == 1  # the archived one; a case not closed stays


def test_personal_data_is_erased_when_the_retention_ends_and_the_case_stays_for_statistics(
    closed_case, settings, django_capture_on_commit_callbacks
):
    case = closed_case()
    run_at(CLOSED + timedelta(days=31))  # archived; its three years count from the closing
    attachment = CaseAttachment.objects.get(case=case)
    file_path = attachment.file.path

    assert run_at(CLOSED.replace(year=2023) - timedelta(minutes=1)).erased == 0
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the erasure commits
        run = run_at(CLOSED.replace(year=2023) + timedelta(minutes=1))

    case.refresh_from_db()
    assert run.erased == 1
    assert (case.citizen_name, case.citizen_phone, case.citizen_id_number, case.citizen_address) == ("",) * 4
    assert (case.citizen_phone_lookup, case.citizen_id_lookup, case.description, case.reply) == ("",) * 4
    assert case.personal_data_erased_at is not None
    # What the statistics read stays.
    assert (case.kind, case.state, case.category_id is not None, case.lead_department_id is not None) == (
        CaseKind.HELP,
        State.ARCHIVED,
        True,
        True,
    )
    assert case.events.count() > 5 and not case.events.exclude(note="").exists()
    assert not CaseAttachment.objects.filter(case=case).exists()
    assert not os.path.exists(file_path)
    visit = Visit.objects.get(case=case)
    assert (visit.visitor_name, visit.phone, visit.phone_lookup, visit.reason) == ("", "", "", "")
    assert Call.objects.get(cases=case).number == ""
    record = RetentionRecord.objects.get(run=run)
    assert (record.case, record.action) == (case, RetentionRecord.Action.ERASED)
    ledger = [json.loads(line) for line in settings.ERASURE_LEDGER_PATH.read_text().splitlines()]
    assert [(entry["model"], entry["id"], entry["number"]) for entry in ledger] == [
        ("complaints.case", case.pk, case.number)
    ]
    # Nothing twice.
    assert run_at(CLOSED.replace(year=2024)).erased == 0


def test_each_kind_keeps_its_own_retention(closed_case):
    help_request = closed_case(kind=CaseKind.HELP)
    complaint = closed_case(kind=CaseKind.COMPLAINT)
    run_at(CLOSED + timedelta(days=31))

    run = run_at(CLOSED.replace(year=2024))

    assert run.erased == 1
    assert Case.objects.get(pk=help_request.pk).personal_data_erased_at is not None
    assert Case.objects.get(pk=complaint.pk).citizen_phone == PHONE
    RetentionPolicy.objects.filter(kind=CaseKind.COMPLAINT).update(retention_years=2)
    assert run_at(CLOSED.replace(year=2024)).erased == 1


@pytest.fixture
def due_case(closed_case):
    """An archived case whose retention has ended at ERASE_AT."""
    case = closed_case()
    run_at(CLOSED + timedelta(days=31))
    return Case.objects.get(pk=case.pk)


ERASE_AT = CLOSED.replace(year=2024)


def held_reasons(run: RetentionRun) -> list[str]:
    return list(run.records.filter(action=RetentionRecord.Action.HELD).values_list("reason", flat=True))


def test_an_unanswered_supervision_notice_holds_the_erasure(due_case, office, business_department, english):
    Supervision.objects.create(
        case=due_case,
        kind=Supervision.Kind.SUPERVISION,
        department=business_department,
        instructions="说明延误原因",
        issued_by=office,
        issued_at=CLOSED - timedelta(days=5),
        answer_due_at=CLOSED - timedelta(days=3),
    )

    run = run_at(ERASE_AT)

    assert (run.erased, run.held) == (0, 1)
    assert held_reasons(run) == ["An unanswered supervision notice of 2020-02-26 stands."]
    assert Case.objects.get(pk=due_case.pk).citizen_phone == PHONE


def test_an_open_report_about_the_case_holds_the_erasure(due_case, register, english):
    with clock.travel_to(ERASE_AT - timedelta(days=2)):
        report = register(kind=CaseKind.REPORT, repeat_of=due_case)

    run = run_at(ERASE_AT)

    assert held_reasons(run) == [
        f"Report {report.number}, which refers to this case, is still being handled."
    ]
    assert Case.objects.get(pk=due_case.pk).personal_data_erased_at is None


def test_a_hold_of_the_office_stands_until_it_is_released(due_case, office, english):
    hold = retention.legal_hold_set(case_id=due_case.pk, actor=office, reason="诉讼中，法院调取材料")

    held = run_at(ERASE_AT)
    retention.legal_hold_release(case_id=due_case.pk, actor=office)
    released = run_at(ERASE_AT + timedelta(days=1))

    # The run says why without quoting the reason, which is erased with the case.
    assert held_reasons(held) == [f"Held by the leadership office since {hold.set_at:%Y-%m-%d}."]
    assert released.erased == 1
    assert not LegalHold.objects.exclude(reason="").exists()


def test_only_the_office_holds_cases(due_case, handler, office, client_as, english):
    with pytest.raises(ActionForbidden):
        retention.legal_hold_set(case_id=due_case.pk, actor=handler, reason="x")
    client = client_as(office)

    client.post(reverse("complaints:hold", args=[due_case.number]), {"reason": ""})
    assert not due_case.legal_holds.exists()
    client.post(reverse("complaints:hold", args=[due_case.number]), {"reason": "审计调阅"})
    page = client.get(due_case.get_absolute_url()).content.decode()

    assert due_case.legal_holds.get().reason == "审计调阅"
    assert 'data-testid="legal-hold"' in page and "审计调阅" in page
    client.post(reverse("complaints:hold_release", args=[due_case.number]))
    assert due_case.legal_holds.get().released_by == office


def test_a_replay_after_a_restore_erases_again(due_case, settings):
    run_at(ERASE_AT)
    erased = Case.objects.get(pk=due_case.pk)
    assert erased.personal_data_erased_at is not None
    # A backup taken before the erasure is restored: the personal data is back in the database.
    Case.objects.filter(pk=due_case.pk).update(
        citizen_phone=PHONE, citizen_name="张三", personal_data_erased_at=None
    )
    Visit.objects.filter(case=due_case).update(phone=PHONE, visitor_name="张三")

    with clock.travel_to(ERASE_AT + timedelta(days=400)):
        call_command("replay_erasures", stdout=open("/dev/null", "w"))  # noqa: SIM115

    again = Case.objects.get(pk=due_case.pk)
    assert (again.citizen_phone, again.citizen_name) == ("", "")
    assert again.personal_data_erased_at is not None
    assert Visit.objects.get(case=due_case).phone == ""
    assert RetentionRun.objects.filter(is_replay=True, erased=1).exists()


def test_visits_and_calls_without_a_case_are_erased_on_their_own(clerk, agent, settings):
    settings.UNLINKED_RETENTION_YEARS = 3
    with clock.travel_to(CLOSED):
        room = ReceptionRoom.objects.create(name="接待室二")
        visit = reception_services.visit_register(
            clerk=clerk, room=room, visitor_name="王五", phone=PHONE, reason="咨询"
        )
        call = hotline_services.call_log(agent=agent, number=PHONE, started_at=CLOSED, outcome="hang_up")

    assert run_at(CLOSED.replace(year=2023) - timedelta(days=1)).other_rows_erased == 0
    run = run_at(CLOSED.replace(year=2023) + timedelta(days=1))

    assert run.other_rows_erased == 2
    assert Visit.objects.get(pk=visit.pk).visitor_name == ""
    assert Call.objects.get(pk=call.pk).number == ""
    assert run_at(CLOSED.replace(year=2024)).other_rows_erased == 0


def test_a_dry_run_changes_nothing(due_case, capsys):
    with clock.travel_to(ERASE_AT):
        call_command("retention", "--dry-run")

    assert "1 to erase" in capsys.readouterr().out
    assert Case.objects.get(pk=due_case.pk).citizen_phone == PHONE
    assert not RetentionRun.objects.filter(is_replay=False, erased__gt=0).exists()


def test_the_retention_page_lists_the_runs_for_whom_may_see_them(
    due_case, client_as, office, inspector, handler
):
    run = run_at(ERASE_AT)
    client = client_as(office)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    page = client.get(reverse("complaints:retention") + f"?run={run.pk}").content.decode()
    assert due_case.number in page
    one = queries(reverse("complaints:retention") + f"?run={run.pk}")
    for _more in range(5):
        run_at(ERASE_AT + timedelta(days=_more + 1))
    assert queries(reverse("complaints:retention") + f"?run={run.pk}") == one
    assert client.get(reverse("complaints:retention") + "?run=abc").status_code == 200
    assert client_as(inspector).get(reverse("complaints:retention")).status_code == 200
    assert client_as(handler).get(reverse("complaints:retention")).status_code == 403


def test_after_an_erasure_no_table_holds_a_text_about_the_citizen(
    closed_case, office, business_department, settings
):
    """Every text written about the matter carries a marker; after the erasure no table holds it, read
    with plain SQL (the timeline, notices, holds, supervision, proposals, the audit log's changes...)."""
    marker = "标记甲乙丙"
    case = closed_case(description=f"{marker}：小区停水", request=f"{marker}的诉求")
    supervision = Supervision.objects.create(
        case=case,
        kind=Supervision.Kind.SUPERVISION,
        department=business_department,
        instructions=f"{marker}督办",
        issued_by=office,
        answer_due_at=CLOSED,
        answered_at=CLOSED,
        reason=f"{marker}延误原因",
    )
    notice_send(
        recipient=office,
        kind_code="case_supervision",
        context={"case": case, "supervision": supervision},
        target=case,
    )
    Case.objects.filter(pk=case.pk).update(reply=f"{marker}答复")
    retention.legal_hold_set(case_id=case.pk, actor=office, reason=f"{marker}诉讼")
    retention.legal_hold_release(case_id=case.pk, actor=office)
    run_at(CLOSED + timedelta(days=31))
    before = set(texts_holding(marker))

    run_at(ERASE_AT)

    assert Case.objects.get(pk=case.pk).personal_data_erased_at is not None
    assert {
        ("complaints_case", "description"),
        ("complaints_case", "reply"),
        ("complaints_supervision", "instructions"),
        ("complaints_legalhold", "reason"),
        ("core_notice", "body"),
    } <= before
    assert list(texts_holding(marker)) == []


def texts_holding(marker: str):
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            for column in connection.introspection.get_table_description(cursor, table):
                quote = connection.ops.quote_name
                cursor.execute(f"SELECT {quote(column.name)} FROM {quote(table)}")
                for (value,) in cursor.fetchall():
                    text = (
                        value
                        if isinstance(value, str)
                        else json.dumps(value, ensure_ascii=False, default=str)
                    )
                    if marker in text:
                        yield table, column.name
