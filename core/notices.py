"""Notices: the kinds apps register, sending (a stored row first), and delivery by email and SMS.

A notice is stored in the same transaction as the change that caused it (an outbox): the request never
depends on the broker. After commit each email or SMS delivery is handed to a Celery task; if the broker
is down the delivery simply waits, and the catch-up pass (`deliveries_catch_up`, every minute from beat,
also `manage.py deliver_notices`) sends it. A delivery is claimed with a conditional UPDATE before it is
sent, so it goes out once even when a task runs twice; a claim left by a worker that died is taken over
after `NOTICE_CLAIM_SECONDS`. A failure is retried with growing delays, then recorded as failed.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from smtplib import SMTPRecipientsRefused

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from core import clock
from core.models import Notice, NoticeDelivery, NoticePreference, User
from core.sms import PermanentSmsError, sms_backend

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NoticeKind:
    """A kind of notice. Its text comes from `templates/notices/<code>_subject.txt` and `_body.txt`,
    rendered in the recipient's language; `by_email` / `by_sms` are the defaults until a user chooses."""

    code: str
    label: str | Promise
    by_email: bool = False
    by_sms: bool = False


_kinds: dict[str, NoticeKind] = {}


def register_kind(kind: NoticeKind) -> None:
    _kinds[kind.code] = kind


def kinds() -> list[NoticeKind]:
    return list(_kinds.values())


def kind(code: str) -> NoticeKind:
    return _kinds[code]


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def render(kind_code: str, context: dict, language: str) -> tuple[str, str]:
    """The subject and text of a notice of `kind_code`, in `language`."""
    with translation.override(language):
        subject = render_to_string(f"notices/{kind_code}_subject.txt", context).strip()
        body = render_to_string(f"notices/{kind_code}_body.txt", context).strip()
    return " ".join(subject.split())[:200], body


@dataclass(frozen=True)
class NoticePlan:
    """A notice to store: for whom, of which kind, the context of its texts, what it is about (its link
    by default), and the key that makes it unique (None: not deduplicated)."""

    recipient: User
    kind_code: str
    context: dict
    target: object | None = None
    dedupe_key: str | None = None
    url: str | None = None


def notices_send(plans: list[NoticePlan], *, now: datetime | None = None) -> list[Notice]:
    """Store notices in their recipients' languages and plan their email/SMS deliveries, in bulk: one
    text per kind, context and language, one link per target. A key already stored is skipped (the
    database's unique key is the last word). Runs inside the transaction of the change that caused the
    notices; the deliveries are handed to the worker after commit, as one task. Returns what was stored."""
    if not plans:
        return []
    now = now or clock.now()
    keys = [plan.dedupe_key for plan in plans if plan.dedupe_key]
    existing = (
        set(Notice.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        if keys
        else set()
    )
    texts: dict[tuple, tuple[str, str]] = {}
    links: dict[int, str] = {}
    rows, channels = [], []
    for plan in plans:
        if plan.dedupe_key:
            if plan.dedupe_key in existing:
                continue
            existing.add(plan.dedupe_key)
        language = language_of(plan.recipient)
        text_key = (plan.kind_code, id(plan.context), language)
        if text_key not in texts:
            texts[text_key] = render(plan.kind_code, plan.context, language)
        subject, body = texts[text_key]
        url = plan.url
        if url is None and plan.target is not None:
            if id(plan.target) not in links:
                links[id(plan.target)] = plan.target.get_absolute_url()
            url = links[id(plan.target)]
        rows.append(
            Notice(
                recipient=plan.recipient,
                kind=plan.kind_code,
                subject=subject,
                body=body,
                url=url or "",
                target_type=content_type_of(plan.target) if plan.target is not None else None,
                target_id=str(plan.target.pk) if plan.target is not None else "",
                dedupe_key=plan.dedupe_key,
                created_at=now,
                sent_at=now,  # in the app at once
            )
        )
        channels.append(channels_of(plan.recipient, plan.kind_code))
    Notice.objects.bulk_create(rows)  # PostgreSQL and SQLite return the ids
    deliveries = NoticeDelivery.objects.bulk_create(
        [
            NoticeDelivery(notice=notice, channel=channel, address=address, next_attempt_at=now)
            for notice, wanted in zip(rows, channels, strict=True)
            for channel, address in wanted
        ]
    )
    if deliveries:
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: hand_to_worker(ids))
    return rows


def notice_send(
    *,
    recipient: User,
    kind_code: str,
    context: dict,
    target=None,
    url: str | None = None,
    dedupe_key: str | None = None,
) -> Notice | None:
    """One notice (see `notices_send`); None when `dedupe_key` was stored already."""
    stored = notices_send(
        [NoticePlan(recipient, kind_code, context, target=target, dedupe_key=dedupe_key, url=url)]
    )
    return stored[0] if stored else None


def content_type_of(target) -> ContentType:
    return ContentType.objects.get_for_model(target)  # cached by Django after the first look-up


def preferences(user: User) -> dict[str, tuple[bool, bool]]:
    """(by email, by SMS) for every registered kind, the user's choice or the kind's default."""
    chosen = {row.kind: (row.by_email, row.by_sms) for row in user.notice_preferences.all()}
    return {code: chosen.get(code, (entry.by_email, entry.by_sms)) for code, entry in _kinds.items()}


def preferences_save(*, user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    for code, (by_email, by_sms) in choices.items():
        if code in _kinds:
            NoticePreference.objects.update_or_create(
                user=user, kind=code, defaults={"by_email": by_email, "by_sms": by_sms}
            )


def channels_of(user: User, kind_code: str) -> list[tuple[str, str]]:
    """The (channel, address) pairs a notice of `kind_code` goes to besides the app."""
    by_email, by_sms = preferences(user).get(kind_code, (False, False))
    channels = []
    if by_email and user.email:
        channels.append((NoticeDelivery.Channel.EMAIL, user.email))
    if by_sms and user.mobile:
        channels.append((NoticeDelivery.Channel.SMS, user.mobile))
    return channels


def hand_to_worker(delivery_ids: list[int]) -> None:
    """Queue the deliveries of one transaction as one task; a broker that is down is not the user's
    problem: the catch-up pass sends them later."""
    from core.tasks import notice_deliver_task

    try:
        notice_deliver_task.delay(delivery_ids)
    except Exception:  # the broker's errors vary by transport; none may fail the request
        logger.warning(
            "Broker unavailable: deliveries %s wait for the catch-up pass", delivery_ids, exc_info=True
        )


# Failures that a retry cannot mend: recorded at once.
PERMANENT_ERRORS = (SMTPRecipientsRefused, PermanentSmsError)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes after each failed attempt, at most an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


def delivery_attempt(delivery_id: int, *, now: datetime | None = None) -> str:
    """Claim the delivery if it is due and send it once. Returns its status afterwards (or "skipped"
    when it was not due or another worker holds it). Safe to call any number of times."""
    now = now or clock.now()
    claimed = NoticeDelivery.objects.filter(
        pk=delivery_id, status=NoticeDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(status=NoticeDelivery.Status.SENDING, claimed_at=now)
    if not claimed:
        return "skipped"
    delivery = NoticeDelivery.objects.select_related("notice__recipient").get(pk=delivery_id)
    delivery.attempts += 1
    try:
        _send(delivery)
    except Exception as error:  # any failure of the transport: retried, then recorded
        delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
        if isinstance(error, PERMANENT_ERRORS) or delivery.attempts >= settings.NOTICE_MAX_ATTEMPTS:
            delivery.status = NoticeDelivery.Status.FAILED
            logger.error("Notice delivery %s failed for good: %s", delivery_id, delivery.last_error)
        else:
            delivery.status = NoticeDelivery.Status.PENDING
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    else:
        delivery.status = NoticeDelivery.Status.SENT
        delivery.sent_at = clock.now()
    delivery.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at"])
    return delivery.status


def _send(delivery: NoticeDelivery) -> None:
    notice = delivery.notice
    if delivery.channel == NoticeDelivery.Channel.SMS:
        sms_backend().send(delivery.address, f"{notice.subject} {notice.url}".strip())
        return
    with translation.override(language_of(notice.recipient)):
        html = render_to_string("notices/email.html", {"notice": notice, "site_url": settings.SITE_URL})
    message = EmailMultiAlternatives(
        subject=notice.subject,
        body=f"{notice.body}\n\n{settings.SITE_URL}{notice.url}" if notice.url else notice.body,
        to=[delivery.address],
    )
    message.attach_alternative(html, "text/html")
    message.send()


def deliveries_due(now: datetime | None = None):
    """Deliveries waiting for their attempt, and claims older than `NOTICE_CLAIM_SECONDS` (a worker
    died between claiming and finishing)."""
    now = now or clock.now()
    stale = now - timedelta(seconds=settings.NOTICE_CLAIM_SECONDS)
    return NoticeDelivery.objects.filter(
        Q(status=NoticeDelivery.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=NoticeDelivery.Status.SENDING, claimed_at__lt=stale, next_attempt_at__lte=now)
    ).order_by("next_attempt_at", "pk")


def deliveries_catch_up(*, now: datetime | None = None, dry_run: bool = False, limit: int = 500) -> list[int]:
    """Send what is due: deliveries never handed to a worker (broker down), retries whose time came,
    and claims abandoned by a worker that died. Returns the ids it handled (or would handle)."""
    now = now or clock.now()
    stale = now - timedelta(seconds=settings.NOTICE_CLAIM_SECONDS)
    ids = list(deliveries_due(now).values_list("pk", flat=True)[:limit])
    if dry_run:
        return ids
    for delivery_id in ids:
        # Take over an abandoned claim only if nobody has touched it since (conditional UPDATE).
        NoticeDelivery.objects.filter(
            pk=delivery_id, status=NoticeDelivery.Status.SENDING, claimed_at__lt=stale
        ).update(status=NoticeDelivery.Status.PENDING)
        delivery_attempt(delivery_id, now=now)
    return ids


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def notices_mark_read(*, user: User, notice_ids=None) -> int:
    """Mark the user's notices read (all of them without `notice_ids`)."""
    notices = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if notice_ids is not None:
        notices = notices.filter(pk__in=notice_ids)
    return notices.update(read_at=clock.now())
