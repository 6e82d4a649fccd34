"""The audit trail: changes to reference data, users, roles and permissions with before and after; the
audit page (filters, export, who may read it); rows that cannot be changed; visits that say who
cancelled them or recorded that the visitor left."""

from datetime import time, timedelta

import pytest
from auditlog.models import LogEntry
from axes.models import AccessLog
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import EscalationRule
from complaints.retention import retention_run
from core import clock
from core.models import AuditEntry
from core.services import audit_record
from reception import services as reception_services
from reception.models import LeaderReceptionDay, ReceptionRoom
from tests.factories import UserFactory


@pytest.fixture
def escalation_rule(db):
    return EscalationRule.objects.create(
        code="warning-50", name="预警 50%", action=EscalationRule.Action.WARNING, percent_of_stage=50
    )


def test_a_reference_data_change_shows_before_and_after_on_the_audit_page(
    client_as, admin, inspector, escalation_rule, english
):
    client = client_as(admin)
    url = reverse("admin:complaints_escalationrule_change", args=[escalation_rule.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"percent_of_stage": 60, "working_days_overdue": ""})

    assert client.post(url, data).status_code == 302

    inspector.language = "en"
    inspector.save(update_fields=["language"])
    page = client_as(inspector).get(reverse("core:audit") + "?target=预警").content.decode()
    assert "Record changed" in page
    assert "50 → 60" in page
    entry = LogEntry.objects.get(object_repr="预警 50%", action=LogEntry.Action.UPDATE)
    assert entry.actor == admin and entry.changes["percent_of_stage"] == [50, 60]


def test_role_memberships_and_permissions_are_recorded(admin, handler):
    clerks = Group.objects.get(name="clerk")
    handler.groups.add(clerks)
    clerks.permissions.remove(Permission.objects.get(codename="reveal_personal_data"))

    user_change = LogEntry.objects.filter(object_pk=str(handler.pk)).latest("timestamp")
    assert user_change.changes["groups"]["operation"] == "add"
    assert user_change.changes["groups"]["objects"] == ["clerk"]
    group_change = LogEntry.objects.filter(object_repr="clerk").latest("timestamp")
    assert group_change.changes["permissions"]["operation"] == "delete"


def test_a_password_change_is_recorded_without_the_password(handler):
    handler.set_password("a new and long passphrase")
    handler.save()

    change = LogEntry.objects.filter(object_pk=str(handler.pk), action=LogEntry.Action.UPDATE).latest(
        "timestamp"
    )
    assert change.changes["password"] == ["********", "********"]
    assert "passphrase" not in str(change.changes)


def test_audit_rows_cannot_be_changed_or_deleted_from_the_application(office):
    entry = audit_record(actor=office, action=AuditEntry.Action.EXPORT, target="case_ledger", label="x.csv")

    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().reason == ""


def test_the_retention_job_expires_the_audit_and_sign_in_logs_past_their_period(office, settings):
    settings.AUDIT_RETENTION_DAYS = 183
    old = clock.now() - timedelta(days=200)
    with clock.travel_to(old):
        audit_record(actor=office, action=AuditEntry.Action.EXPORT, target="case_ledger", label="old.csv")
    AccessLog.objects.create(username="office", ip_address="10.0.0.1", user_agent="x", http_accept="x")
    AccessLog.objects.update(attempt_time=old)
    audit_record(actor=office, action=AuditEntry.Action.EXPORT, target="case_ledger", label="new.csv")

    run = retention_run()

    assert run.audit_rows_expired >= 2
    assert not AccessLog.objects.exists()
    assert list(AuditEntry.objects.values_list("object_label", flat=True)) == ["new.csv"]


def test_audit_rows_expire_only_past_the_retention_period(office, settings):
    settings.AUDIT_RETENTION_DAYS = 183
    with clock.travel_to(clock.now() - timedelta(days=200)):
        audit_record(actor=office, action=AuditEntry.Action.EXPORT, target="case_ledger", label="old.csv")
    audit_record(actor=office, action=AuditEntry.Action.EXPORT, target="case_ledger", label="new.csv")

    assert AuditEntry.objects.expire(before=clock.now() - timedelta(days=183)) == 1
    assert list(AuditEntry.objects.values_list("object_label", flat=True)) == ["new.csv"]


def test_only_administrators_and_inspectors_read_the_audit_log(client_as, admin, inspector, office, clerk):
    for user, status in [(admin, 200), (inspector, 200), (office, 403), (clerk, 403)]:
        assert client_as(user).get(reverse("core:audit")).status_code == status


def test_the_audit_page_filters_by_person_object_kind_and_date(client_as, inspector, office, agent, english):
    audit_record(actor=office, action=AuditEntry.Action.EXPORT, target="case_ledger", label="ledger-1.xlsx")
    audit_record(
        actor=agent, action=AuditEntry.Action.REVEAL, target="complaints.case", label="2026113000001"
    )
    client = client_as(inspector)

    def labels(query):
        return [row.object_label for row in client.get(reverse("core:audit") + query).context["rows"]]

    assert labels("?person=office") == ["ledger-1.xlsx"]
    assert labels("?target=2026113000001") == ["2026113000001"]
    assert labels("?kind=reveal") == ["2026113000001"]
    assert "ledger-1.xlsx" in labels("?since=" + clock.now().date().isoformat())
    assert labels("?until=2000-01-01") == []
    assert labels("?kind=updated&target=ledger") == []  # only recorded changes, none matching
    bad = client.get(reverse("core:audit") + "?since=2026-12-31&until=2026-01-01&kind=nonsense")
    assert bad.status_code == 200 and bad.context["form"].errors


def test_the_audit_export_writes_the_filtered_rows_and_is_itself_audited(client_as, inspector, office):
    audit_record(actor=office, action=AuditEntry.Action.EXPORT, target="case_ledger", label="ledger-1.xlsx")
    response = client_as(inspector).get(reverse("core:audit_export") + "?format=csv&person=office")

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "ledger-1.xlsx" in text
    export = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT, actor=inspector)
    assert export.object_type == "audit_log" and export.detail["rows"] == 1


def test_the_audit_page_keeps_a_constant_number_of_queries(client_as, inspector, office, agent):
    client = client_as(inspector)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("core:audit")).status_code == 200
        return len(captured)

    audit_record(actor=office, action=AuditEntry.Action.EXPORT, target="case_ledger", label="a.csv")
    one = queries()
    for number in range(12):
        audit_record(
            actor=agent, action=AuditEntry.Action.REVEAL, target="complaints.case", label=f"{number}"
        )
        UserFactory(username=f"someone{number}")
    assert queries() == one


def test_a_visit_says_who_cancelled_it_and_who_recorded_that_the_visitor_left(
    clerk, office, leader, client_as, english
):
    room = ReceptionRoom.objects.first() or ReceptionRoom.objects.create(name="接待室")
    day = LeaderReceptionDay.objects.create(
        leader=leader,
        date=clock.now().date() + timedelta(days=7),
        starts_at=time(9),
        ends_at=time(11),
        room=room,
    )
    visitor = {
        "visitor_name": "赵六",
        "phone": "13700002222",
        "reason": "水费",
        "id_number": "",
        "address": "",
    }
    booked = reception_services.visit_book(clerk=clerk, leader_day=day, **visitor)
    waiting = reception_services.visit_register(clerk=clerk, room=room, **visitor)

    cancelled = reception_services.visit_cancel(visit_id=booked.pk, actor=office)
    left = reception_services.visit_leave(visit_id=waiting.pk, actor=clerk)

    assert (cancelled.cancelled_by, cancelled.cancelled_at is not None) == (office, True)
    assert (left.left_recorded_by, left.departed_at is not None) == (clerk, True)
    page = client_as(office).get(reverse("reception:visit", args=[booked.pk])).content.decode()
    assert 'data-testid="cancelled"' in page and str(office) in page


def test_numbers_written_into_an_audit_reason_or_query_are_stored_masked(office):
    entry = audit_record(
        actor=office,
        action=AuditEntry.Action.EXPORT,
        target="case_ledger",
        label="x.csv",
        reason="核实13812345678的来电",
        detail={"query": "q=11010519491231002X", "rows": 3},
    )

    entry.refresh_from_db()
    assert entry.reason == "核实138****5678的来电"
    assert entry.detail == {"query": "q=110105********002X", "rows": 3}
