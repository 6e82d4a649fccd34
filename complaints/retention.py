"""Retention (DOMAIN.md §10, seed 002 §6.2): archive closed cases, and when a case kind's retention
period has ended, erase the personal data and keep the case, anonymised, for the statistics.

The job (`retention_run`, beat nightly, `manage.py retention [--dry-run]`):
1. archives cases closed or rejected more than their policy's `archive_after_days` ago (as the system
   account, through `case_archive`, so the timeline says so);
2. erases the personal data of archived and merged cases whose `retention_years` have passed since they
   were closed (or merged), unless a legal hold stands: an open supervision notice, an open
   report or misconduct case that refers to the case, or a hold set by the office with a reason. Each
   held case is recorded with the reason, each erased one too;
3. erases the rows of other apps that hold personal data without a case (visits and calls that produced
   none) after `UNLINKED_RETENTION_YEARS`;
4. expires audit rows older than `AUDIT_RETENTION_DAYS`.

What erasing means is declared, not coded per case: every model that keeps citizens' personal data
registers a `PersonalData` (its fields and the value they get, how it reaches its case), complaints for
its own models below, other apps in their `AppConfig.ready()`. Kind, category, departments, dates,
states, satisfaction and the timeline's actions stay, so every figure of the dashboards stays true.

Every erasure is appended to the erasure ledger (`ERASURE_LEDGER_PATH`, a file outside the database)
before its transaction commits. A restored backup may hold data erased since it was taken:
`replay_erasures()` (`manage.py replay_erasures`, run by `manage.py restore`) erases it again.
"""

import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from auditlog.models import LogEntry
from axes.models import AccessLog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from complaints.errors import ActionForbidden, ActionRefused, CaseError
from complaints.models import (
    OPEN_STATES,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseKind,
    ExtensionRequest,
    HandlingProposal,
    LegalHold,
    RectificationItem,
    RetentionPolicy,
    RetentionRecord,
    RetentionRun,
    ReturnRequest,
    State,
    Supervision,
)
from complaints.services import case_archive
from core import clock
from core.models import AuditEntry, Notice
from core.services import system_user

logger = logging.getLogger(__name__)
BATCH = 500


@dataclass(frozen=True)
class PersonalData:
    """Where a model keeps citizens' personal data and free text about them, for erasure.

    `erased`: field name -> the value it gets. `case_path`: the lookup from the model to its case
    ("case", or "cases" for a many-to-many); rows reached from an erased case are erased with it.
    `unlinked_since`: for rows that may have no case (a visit that produced none), the date field the
    retention of such a row counts from; `UNLINKED_RETENTION_YEARS` later they are erased on their own.
    `files`: file fields whose files are deleted too."""

    model: type[models.Model]
    erased: dict[str, object]
    case_path: str
    unlinked_since: str | None = None
    files: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def erase(self, queryset) -> int:
        """Erase these rows (in the caller's transaction); their files go once it has committed, so a
        rollback never leaves a row pointing at a deleted file."""
        if self.files:
            files = [getattr(row, name) for row in queryset.only("pk", *self.files) for name in self.files]
            count = queryset.delete()[0]
            transaction.on_commit(lambda: [file.storage.delete(file.name) for file in files if file.name])
            return count
        return queryset.update(**self.erased)

    def unlinked(self):
        return self.model.objects.filter(**{f"{self.case_path}__isnull": True})


_registry: dict[str, PersonalData] = {}


def register(personal_data: PersonalData) -> None:
    _registry[personal_data.label] = personal_data


def registered() -> list[PersonalData]:
    return list(_registry.values())


# The case itself: the citizen, and every text written about the matter.
CASE_ERASED = {
    "citizen_name": "",
    "citizen_phone": "",
    "citizen_phone_lookup": "",
    "citizen_id_number": "",
    "citizen_id_lookup": "",
    "citizen_address": "",
    "location": "",
    "description": "",
    "request": "",
    "reply": "",
    "final_answer": "",
    "rejection_reason": "",
    "proper_channel": "",
}

for _personal_data in (
    PersonalData(CaseEvent, {"note": ""}, "case"),
    PersonalData(CaseAttachment, {}, "case", files=("file",)),
    PersonalData(
        HandlingProposal, {"finding": "", "responsibility": "", "measures": "", "comments": ""}, "case"
    ),
    PersonalData(RectificationItem, {"description": "", "evidence": ""}, "case"),
    PersonalData(ExtensionRequest, {"reason": "", "decision_note": ""}, "case"),
    PersonalData(ReturnRequest, {"reason": "", "decision_note": ""}, "case"),
    PersonalData(Supervision, {"instructions": "", "reason": ""}, "case"),
    PersonalData(LegalHold, {"reason": ""}, "case"),
):
    register(_personal_data)


# Holds: why a case whose retention has ended is not erased. Each gives, for some case ids, the reason
# per case id (in the language of the run's log).


def _supervision_holds(case_ids: list[int]) -> dict[int, str]:
    open_ones = Supervision.objects.filter(case_id__in=case_ids, answered_at__isnull=True)
    return {
        case_id: _("An unanswered supervision notice of %(date)s stands.") % {"date": f"{issued:%Y-%m-%d}"}
        for case_id, issued in open_ones.values_list("case_id", "issued_at")
    }


def _report_holds(case_ids: list[int]) -> dict[int, str]:
    pending = Case.objects.filter(repeat_of_id__in=case_ids, state__in=OPEN_STATES).filter(
        Q(kind=CaseKind.REPORT) | Q(is_misconduct=True)
    )
    return {
        case_id: _("Report %(number)s, which refers to this case, is still being handled.")
        % {"number": number}
        for case_id, number in pending.values_list("repeat_of_id", "number")
    }


def _office_holds(case_ids: list[int]) -> dict[int, str]:
    """The hold's reason stays on the case page (and is erased with the case), not in the run's log."""
    holds = LegalHold.objects.filter(case_id__in=case_ids, released_at__isnull=True)
    return {
        case_id: _("Held by the leadership office since %(date)s.") % {"date": f"{set_at:%Y-%m-%d}"}
        for case_id, set_at in holds.values_list("case_id", "set_at")
    }


HOLDS: tuple[Callable[[list[int]], dict[int, str]], ...] = (_supervision_holds, _report_holds, _office_holds)


def holds_for(case_ids: list[int]) -> dict[int, str]:
    """The reason each of these cases may not be erased now (cases without a hold are absent)."""
    reasons: dict[int, str] = {}
    for hold in HOLDS:
        for case_id, reason in hold(case_ids).items():
            reasons.setdefault(case_id, reason)
    return reasons


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def due_for_erasure(now: datetime) -> models.QuerySet[Case]:
    """Archived and merged cases, personal data still kept, whose kind's retention has ended. Retention
    counts from when the case was closed (or merged): the end of its handling, known for every case,
    also for those archived before this job existed."""
    condition = Q(pk__in=[])
    for policy in RetentionPolicy.objects.all():
        condition |= Q(kind=policy.kind, closed_at__lt=_years_before(now, policy.retention_years))
    return Case.objects.filter(
        personal_data_erased_at__isnull=True, state__in=[State.ARCHIVED, State.MERGED]
    ).filter(condition)


def due_for_archive(now: datetime) -> models.QuerySet[Case]:
    """Closed and rejected cases whose kind's waiting time before the archive has passed."""
    condition = Q(pk__in=[])
    for policy in RetentionPolicy.objects.all():
        condition |= Q(kind=policy.kind, closed_at__lt=now - timedelta(days=policy.archive_after_days))
    return Case.objects.filter(state__in=[State.CLOSED, State.REJECTED]).filter(condition)


def cases_erase(case_ids: list[int], *, now: datetime) -> int:
    """Erase the personal data and free texts of these cases and of every registered row reached from
    them. The caller has written them to the ledger and holds the transaction."""
    for personal_data in registered():
        personal_data.erase(
            personal_data.model.objects.filter(**{f"{personal_data.case_path}__in": case_ids})
        )
    # Notices about the case quote texts written about it (a supervision notice's instructions and
    # answer): their subject (the case number and what happened) stays, their text goes.
    Notice.objects.filter(
        target_type=ContentType.objects.get_for_model(Case), target_id__in=[str(pk) for pk in case_ids]
    ).exclude(body="").update(body="")
    return Case.objects.filter(pk__in=case_ids).update(**CASE_ERASED, personal_data_erased_at=now)


def ledger_append(entries: Iterable[dict]) -> None:
    """Append entries to the erasure ledger and flush them to disk before the erasure commits: an entry
    for an erasure that then failed only erases again something that was due anyway."""
    lines = "".join(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n" for entry in entries)
    if not lines:
        return
    path = settings.ERASURE_LEDGER_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as ledger:
        ledger.write(lines)
        ledger.flush()
        os.fsync(ledger.fileno())


def _ledger_entry(now: datetime, run: RetentionRun, label: str, row_id: int, *, number: str = "") -> dict:
    entry = {"at": now.isoformat(), "run": run.pk, "model": label, "id": row_id}
    return {**entry, "number": number} if number else entry


def _erase_due_cases(run: RetentionRun, *, now: datetime) -> None:
    """Erase the cases due, a batch at a time. Cases the office holds are recorded apart, so that however
    many there are they never use up the run's share (`RETENTION_CASES_PER_RUN`). Each batch locks its
    cases and looks at their holds again inside its transaction: a hold or a report made meanwhile counts."""
    due = due_for_erasure(now)
    office_held = due.filter(legal_holds__released_at__isnull=True, legal_holds__isnull=False)
    _record_holds(run, _office_holds(list(office_held.values_list("pk", flat=True))))
    candidates = list(
        due.exclude(pk__in=office_held.values("pk"))
        .order_by("pk")
        .values_list("pk", "number")[: settings.RETENTION_CASES_PER_RUN]
    )
    for start in range(0, len(candidates), BATCH):
        batch = dict(candidates[start : start + BATCH])
        with transaction.atomic():
            locked = list(
                due.select_for_update(of=("self",)).filter(pk__in=list(batch)).values_list("pk", flat=True)
            )
            held = holds_for(locked)
            _record_holds(run, held)
            erasable = [case_id for case_id in locked if case_id not in held]
            ledger_append(
                _ledger_entry(now, run, "complaints.case", case_id, number=batch[case_id])
                for case_id in erasable
            )
            cases_erase(erasable, now=now)
            RetentionRecord.objects.bulk_create(
                RetentionRecord(run=run, case_id=case_id, action=RetentionRecord.Action.ERASED)
                for case_id in erasable
            )
            run.erased += len(erasable)
            run.save(update_fields=["held", "erased"])


def _record_holds(run: RetentionRun, held: dict[int, str]) -> None:
    RetentionRecord.objects.bulk_create(
        RetentionRecord(run=run, case_id=case_id, action=RetentionRecord.Action.HELD, reason=reason)
        for case_id, reason in held.items()
    )
    run.held += len(held)


def _erase_unlinked(run: RetentionRun, *, now: datetime) -> None:
    cutoff = _years_before(now, settings.UNLINKED_RETENTION_YEARS)
    for personal_data in registered():
        if personal_data.unlinked_since is None:
            continue
        due = (
            personal_data.unlinked()
            .filter(**{f"{personal_data.unlinked_since}__lt": cutoff})
            .exclude(**personal_data.erased)  # already erased
        )
        ids = list(due.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            with transaction.atomic():
                ledger_append(_ledger_entry(now, run, personal_data.label, row_id) for row_id in batch)
                rows = personal_data.model.objects.filter(pk__in=batch)
                run.other_rows_erased += personal_data.erase(rows)


def retention_run(*, now: datetime | None = None) -> RetentionRun:
    """One run of the job (see the module's docstring); safe to run twice: what is done stays done."""
    now = now or clock.now()
    run = RetentionRun.objects.create(started_at=now)
    actor = system_user()
    limit = settings.RETENTION_CASES_PER_RUN
    for case_id in due_for_archive(now).order_by("pk").values_list("pk", flat=True)[:limit]:
        try:
            case_archive(case_id=case_id, actor=actor)
        except CaseError as error:  # changed meanwhile: the next run takes it
            logger.warning("Retention: case %s not archived: %s", case_id, error.message)
            continue
        run.archived += 1
    _erase_due_cases(run, now=now)
    _erase_unlinked(run, now=now)
    audit_cutoff = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    run.audit_rows_expired = AuditEntry.objects.expire(before=audit_cutoff)
    run.audit_rows_expired += LogEntry.objects.filter(timestamp__lt=audit_cutoff).delete()[0]
    # django-axes' log of sign-ins and sign-outs (who, from where, with which browser) goes with them.
    run.audit_rows_expired += AccessLog.objects.filter(attempt_time__lt=audit_cutoff).delete()[0]
    run.finished_at = clock.now()
    run.save()
    logger.info(
        "Retention run %s: %s archived, %s erased, %s held, %s other records erased, %s audit rows expired",
        run.pk,
        run.archived,
        run.erased,
        run.held,
        run.other_rows_erased,
        run.audit_rows_expired,
    )
    return run


def retention_preview(*, now: datetime | None = None) -> dict:
    """What a run would do now, without doing it (`manage.py retention --dry-run`)."""
    now = now or clock.now()
    candidates = list(due_for_erasure(now).values_list("pk", flat=True))
    held = holds_for(candidates)
    return {
        "archive": due_for_archive(now).count(),
        "erase": len(candidates) - len(held),
        "held": held,
    }


def replay_erasures(*, path=None) -> RetentionRun:
    """Erase again everything the ledger says was erased (after restoring a backup taken before some of
    those erasures). Rows already erased are left as they are; cases are matched by id and number."""
    now = clock.now()
    run = RetentionRun.objects.create(started_at=now, is_replay=True)
    by_model: dict[str, dict[int, str]] = {}
    path = path or settings.ERASURE_LEDGER_PATH
    if os.path.exists(path):
        with open(path, encoding="utf-8") as ledger:
            for line in ledger:
                if line.strip():
                    entry = json.loads(line)
                    by_model.setdefault(entry["model"], {})[int(entry["id"])] = entry.get("number", "")
    cases = by_model.pop("complaints.case", {})
    if cases:
        still_kept = list(
            Case.objects.filter(pk__in=list(cases), personal_data_erased_at__isnull=True)
            .filter(number__in=list(cases.values()))
            .values_list("pk", flat=True)
        )
        for start in range(0, len(still_kept), BATCH):
            with transaction.atomic():
                run.erased += cases_erase(still_kept[start : start + BATCH], now=now)
    for label, ids in by_model.items():
        personal_data = _registry.get(label)
        if personal_data is not None:
            with transaction.atomic():
                run.other_rows_erased += personal_data.erase(
                    personal_data.model.objects.filter(pk__in=list(ids))
                )
    run.finished_at = clock.now()
    run.save()
    return run


# Holds set by the office (services: each locks the case row, so two clicks set one hold).


@transaction.atomic
def legal_hold_set(*, case_id: int, actor, reason: str) -> LegalHold:
    """Hold the case's erasure (litigation, an investigation, an authority's request); logged."""
    if not actor.has_perm("complaints.hold_case"):
        raise ActionForbidden(_("Only the leadership office puts cases on hold."))
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("Say why the case is held."))
    case = Case.objects.select_for_update().get(pk=case_id)
    if LegalHold.objects.filter(case=case, released_at__isnull=True).exists():
        raise ActionRefused(_("The case is already on hold."))
    return LegalHold.objects.create(case=case, reason=reason, set_by=actor, set_at=clock.now())


@transaction.atomic
def legal_hold_release(*, case_id: int, actor) -> LegalHold:
    """End the case's hold: the retention job may erase it again when its time has come; logged."""
    if not actor.has_perm("complaints.hold_case"):
        raise ActionForbidden(_("Only the leadership office releases holds."))
    Case.objects.select_for_update().get(pk=case_id)
    hold = LegalHold.objects.filter(case_id=case_id, released_at__isnull=True).first()
    if hold is None:
        raise ActionRefused(_("The case is not on hold."))
    hold.released_by = actor
    hold.released_at = clock.now()
    hold.save(update_fields=["released_by", "released_at"])
    return hold
