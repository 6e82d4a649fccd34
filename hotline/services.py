"""Writes of the hotline and the portal. Cases are created and moved only through
`complaints.services`; these services add the call, the article used, the revisit attempt, the batch."""

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as case_services
from complaints.errors import ActionRefused, CaseError
from complaints.models import Case, CaseKind, Channel, State, Verdict
from core import clock
from core.models import Department
from core.services import system_user
from hotline.models import (
    ArticleUse,
    Call,
    KnowledgeArticle,
    PortalSubmission,
    RevisitAttempt,
    SuggestionBatch,
)


class Outcome:
    """What the agent does with the matter at the end of the call."""

    ANSWER = "answer"  # first-contact resolution
    DISPATCH = "dispatch"  # to the lead department at once
    REGISTER = "register"  # for the dispatcher


@transaction.atomic
def console_intake(
    *,
    agent,
    number: str,
    call_started_at: datetime,
    outcome: str,
    case_fields: dict,
    answer: str = "",
    article: KnowledgeArticle | None = None,
    lead_department: Department | None = None,
    assisting_departments=(),
    repeat_of: Case | None = None,
    answer_as_repeat: bool = False,
    recording_reference: str = "",
) -> tuple[Case, Call]:
    """The agent console's one submit: register the case, then answer it, dispatch it or leave it for the
    dispatcher; record the article used and log the call with the case it produced."""
    case = case_services.case_register(actor=agent, channel=Channel.PHONE, repeat_of=repeat_of, **case_fields)
    if answer_as_repeat and repeat_of is not None:
        case = case_services.case_answer_as_repeat(case_id=case.pk, actor=agent, original=repeat_of)
    elif outcome == Outcome.ANSWER:
        case = case_services.case_answer_directly(
            case_id=case.pk, actor=agent, answer=answer, reply_channel="phone"
        )
    elif outcome == Outcome.DISPATCH:
        case = case_services.case_dispatch(
            case_id=case.pk,
            actor=agent,
            lead_department=lead_department,
            assisting_departments=assisting_departments,
        )
    if article is not None:
        ArticleUse.objects.create(article=article, case=case, used_by=agent)
        KnowledgeArticle.objects.filter(pk=article.pk).update(use_count=F("use_count") + 1)
    call = Call.objects.create(
        number=number or case.citizen_phone,
        started_at=call_started_at,
        ended_at=clock.now(),
        agent=agent,
        outcome=Call.Outcome.CASE,
        recording_reference=recording_reference,
    )
    call.cases.add(case)
    return case, call


def call_log(
    *,
    agent,
    number: str,
    started_at: datetime,
    outcome: str,
    note: str = "",
    recording_reference: str = "",
    direction: str = Call.Direction.INCOMING,
) -> Call:
    """A call that produced no case (hang-up, wrong number, harassment): logged, and counted."""
    if outcome == Call.Outcome.CASE:
        raise ActionRefused(_("A call that produced a case is logged by registering the case."))
    return Call.objects.create(
        number=number,
        direction=direction,
        started_at=started_at,
        ended_at=clock.now(),
        agent=agent,
        outcome=outcome,
        note=note,
        recording_reference=recording_reference,
    )


def _after_verdict(case: Case, *, actor, verdict: str, note: str) -> Case:
    """An unsatisfied citizen's case reopens by the lifecycle's rules; past the limit it waits for a
    leader's final answer (the case page offers it)."""
    if verdict != Verdict.UNSATISFIED:
        return case
    try:
        return case_services.case_reopen(
            case_id=case.pk, actor=actor, note=note or _("The citizen is unsatisfied.")
        )
    except ActionRefused:
        return case


@transaction.atomic
def revisit_record(
    *,
    case_id: int,
    agent,
    is_reached: bool,
    verdict: str = "",
    is_resolved: bool | None = None,
    note: str = "",
    next_try_at: datetime | None = None,
) -> RevisitAttempt:
    """回访: one attempt. Reached: the verdict is recorded on the case (unsatisfied reopens it).
    Not reached: the next try is scheduled; after the last try the case is recorded as unreachable."""
    case = Case.objects.get(pk=case_id)
    if is_reached and not verdict:
        raise ActionRefused(_("Record the citizen's verdict."))
    if not is_reached and next_try_at is None:
        verdict = Verdict.UNREACHABLE
    if verdict:
        case = case_services.case_revisit(
            case_id=case.pk, actor=agent, verdict=verdict, is_resolved=is_resolved, note=note
        )
    else:
        case_services.authorize(agent, case, "revisit")
    attempt = RevisitAttempt.objects.create(
        case=case, agent=agent, is_reached=is_reached, next_try_at=next_try_at, note=note
    )
    _after_verdict(case, actor=agent, verdict=verdict, note=note)
    return attempt


@transaction.atomic
def suggestions_forward(*, actor) -> list[SuggestionBatch]:
    """Forward every suggestion waiting at registration to its category's department, one batch per
    department. Suggestions without a default department stay for the dispatcher."""
    waiting = (
        Case.objects.filter(kind=CaseKind.SUGGESTION, state=State.REGISTERED)
        .exclude(category__default_department=None)
        .select_related("category__default_department")
        .order_by("created_at")
    )
    by_department = defaultdict(list)
    for case in waiting:
        by_department[case.category.default_department].append(case)
    batches = []
    for department, cases in by_department.items():
        batch = SuggestionBatch.objects.create(department=department, forwarded_by=actor)
        for case in cases:
            case_services.case_dispatch(
                case_id=case.pk,
                actor=actor,
                lead_department=department,
                note=_("Forwarded in the suggestion batch of %(date)s.")
                % {"date": f"{batch.forwarded_at:%Y-%m-%d}"},
            )
        batch.cases.set(cases)
        batches.append(batch)
    return batches


def address_key(address: str) -> str:
    """A keyed hash of the client address: enough to count submissions, without storing the address."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def portal_recent_count(address: str) -> int:
    since = clock.now() - timedelta(hours=1)
    return PortalSubmission.objects.filter(address_hash=address_key(address), submitted_at__gte=since).count()


def _address_lock(address_hash: str) -> None:
    """Submissions from one address take turns (until the transaction ends), so that two sent at the same
    moment cannot both pass the hour's and the day's limits. PostgreSQL: an advisory lock on the
    address's hash; SQLite lets one writer in at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"portal:{address_hash}"])


def _portal_files_today(address_hash: str) -> tuple[int, int]:
    """The files (count, bytes) this address attached today."""
    today = timezone.localtime(clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    totals = PortalSubmission.objects.filter(address_hash=address_hash, submitted_at__gte=today).aggregate(
        files=Sum("file_count"), size=Sum("file_bytes")
    )
    return totals["files"] or 0, totals["size"] or 0


@transaction.atomic
def portal_submit(*, address: str, case_fields: dict, attachments=()) -> Case:
    """A citizen's own submission on the portal, without an account; limited per address and hour, and
    the files per address and day."""
    address_hash = address_key(address)
    _address_lock(address_hash)
    if portal_recent_count(address) >= settings.PORTAL_SUBMISSIONS_PER_HOUR:
        raise ActionRefused(
            _(
                "Too many submissions from your network in the last hour. Please try again later "
                "or call the hotline."
            )
        )
    files, size = _portal_files_today(address_hash)
    new_size = sum(file.size for file in attachments)
    if attachments and (
        files + len(attachments) > settings.PORTAL_FILES_PER_DAY
        or size + new_size > settings.PORTAL_FILES_MB_PER_DAY * 1024 * 1024
    ):
        raise ActionRefused(
            _(
                "Your network has sent as many files today as we accept. Submit without attachments, "
                "or bring them to the reception, and we will add them."
            )
        )
    case = case_services.case_register(
        actor=None, channel=Channel.WEB, attachments=attachments, **case_fields
    )
    PortalSubmission.objects.create(
        case=case, address_hash=address_hash, file_count=len(attachments), file_bytes=new_size
    )
    return case


def portal_find(*, number: str, query_code: str) -> Case | None:
    """The case with this number AND query code, or None: a wrong number and a wrong code look the same."""
    return Case.objects.filter(number=number.strip(), query_code=query_code.strip().upper()).first()


@transaction.atomic
def portal_rate(*, case_id: int, verdict: str, is_resolved: bool | None, note: str = "") -> Case:
    """The citizen's satisfaction rating on the portal counts as the revisit."""
    actor = system_user()
    try:
        case = case_services.case_revisit(
            case_id=case_id, actor=actor, verdict=verdict, is_resolved=is_resolved, note=note
        )
    except CaseError as error:
        raise ActionRefused(_("This case cannot be rated now.")) from error
    return _after_verdict(case, actor=actor, verdict=verdict, note=note)


def article_save(*, article: KnowledgeArticle, actor) -> KnowledgeArticle:
    article.updated_by = actor
    article.updated_at = clock.now()
    article.full_clean()
    article.save()
    return article
