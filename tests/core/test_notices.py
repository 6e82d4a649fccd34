"""Notices: the inbox, the settings, delivery by email and SMS, and what happens when things fail."""

from datetime import timedelta
from smtplib import SMTPRecipientsRefused, SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from complaints.models import State
from core import clock, notices, sms
from core.models import Notice, NoticeDelivery, NoticePreference

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


class RefusingEmailBackend(BaseEmailBackend):
    """An SMTP server that refuses the address."""

    def send_messages(self, email_messages):
        raise SMTPRecipientsRefused({"head@example.cn": (550, b"No such user")})


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that hangs up on every message."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def head_by_email(head):
    head.email = "head@example.cn"
    head.language = "en"
    head.save()
    return head


@pytest.fixture
def case(register):
    return register()


def send(user, case, key=None):
    return notices.notice_send(
        recipient=user,
        kind_code="case_urging",
        context={"case": case},
        target=case,
        url="/cases/",
        dedupe_key=key,
    )


# The inbox


def test_the_inbox_lists_my_notices_and_the_navigation_counts_the_unread(client_as, head, handler, case):
    mine = send(head, case)
    send(handler, case)
    client = client_as(head)
    page = client.get(reverse("core:notices")).content.decode()
    assert mine.subject in page and page.count('href="/notices/') >= 1
    assert 'data-testid="unread-count">1<' in page
    response = client.get(reverse("core:notice_open", args=[mine.pk]))
    assert response.status_code == 302 and response.url == "/cases/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert 'data-testid="unread-count"' not in client.get(reverse("core:notices")).content.decode()


def test_nobody_opens_another_persons_notice(client_as, head, handler, case):
    theirs = send(handler, case)
    assert client_as(head).get(reverse("core:notice_open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client_as, head, case):
    for _number in range(3):
        send(head, case)
    client_as(head).post(reverse("core:notices_read_all"))
    assert not Notice.objects.filter(read_at__isnull=True).exists()


def test_the_inbox_keeps_a_constant_number_of_queries(client_as, head, case):
    client = client_as(head)
    send(head, case)

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("core:notices")).status_code == 200
        return len(context.captured_queries)

    one = count()
    for _number in range(8):
        send(head, case)
    assert count() == one


def test_a_key_already_sent_is_not_sent_again(head, case):
    assert send(head, case, key="case:1:urging") is not None
    assert send(head, case, key="case:1:urging") is None
    assert Notice.objects.count() == 1


# Settings and delivery


def test_email_goes_out_in_the_recipients_language_with_html(
    head_by_email, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(head_by_email, case)  # urging reaches people by email unless they say otherwise
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["head@example.cn"] and message.subject == notice.subject
    html = message.alternatives[0][0]
    assert "Open in Minsheng" in html and "http://127.0.0.1:8000/cases/" in html
    assert notice.deliveries.get().status == NoticeDelivery.Status.SENT


def test_a_user_chooses_email_and_sms_per_kind(
    client_as, head_by_email, case, django_capture_on_commit_callbacks
):
    client = client_as(head_by_email)
    response = client.post(reverse("core:notice_settings"), {"sms_case_urging": "on"})
    assert "Give the mobile number" in response.content.decode()
    client.post(reverse("core:notice_settings"), {"sms_case_urging": "on", "mobile": "139 1234 5678"})
    head_by_email.refresh_from_db()
    assert head_by_email.mobile == "13912345678"
    assert NoticePreference.objects.get(user=head_by_email, kind="case_urging").by_email is False
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        send(head_by_email, case)
    assert mail.outbox == [] and sms.outbox[0][0] == "13912345678"


# Faults


def test_a_delivery_abandoned_by_a_dead_worker_is_sent_once_by_the_catch_up(
    head_by_email, _tasks_run_at_once, case
):
    _tasks_run_at_once.conf.task_always_eager = False  # no worker: the delivery waits
    _tasks_run_at_once.conf.broker_url = "memory://"
    notice = send(head_by_email, case)
    delivery = notice.deliveries.get()
    # A worker claims it and dies before sending.
    NoticeDelivery.objects.filter(pk=delivery.pk).update(
        status=NoticeDelivery.Status.SENDING, claimed_at=clock.now()
    )
    assert notices.deliveries_catch_up() == []  # the claim is fresh: maybe the worker is still at it
    later = clock.now() + timedelta(minutes=11)
    assert notices.deliveries_catch_up(now=later) == [delivery.pk]
    assert notices.deliveries_catch_up(now=later + timedelta(minutes=30)) == []
    assert len(mail.outbox) == 1
    assert notices.delivery_attempt(delivery.pk) == "skipped"  # a late duplicate task sends nothing


def test_a_failing_email_server_is_retried_with_backoff_then_recorded(
    head_by_email, settings, case, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.core.test_notices.FailingEmailBackend"
    settings.NOTICE_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        delivery = send(head_by_email, case).deliveries.get()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (NoticeDelivery.Status.PENDING, 1)
    assert delivery.next_attempt_at - clock.now() <= timedelta(minutes=1, seconds=5)
    assert notices.deliveries_catch_up() == []  # not before its time
    moment = delivery.next_attempt_at
    notices.deliveries_catch_up(now=moment)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (NoticeDelivery.Status.PENDING, 2)
    assert delivery.next_attempt_at == moment + timedelta(minutes=2)
    notices.deliveries_catch_up(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (NoticeDelivery.Status.FAILED, 3)
    assert "Connection unexpectedly closed" in delivery.last_error
    assert notices.deliveries_catch_up(now=delivery.next_attempt_at + timedelta(days=1)) == []


def test_a_refused_address_is_recorded_at_once(
    head_by_email, settings, case, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.core.test_notices.RefusingEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        delivery = send(head_by_email, case).deliveries.get()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (NoticeDelivery.Status.FAILED, 1)
    assert "No such user" in delivery.last_error


def test_a_broker_that_is_down_does_not_break_the_request_and_the_notice_goes_out_later(
    client_as,
    case_in,
    dispatcher,
    handler,
    head_by_email,
    business_department,
    _tasks_run_at_once,
    django_capture_on_commit_callbacks,
):
    NoticePreference.objects.create(user=head_by_email, kind="case_assigned", by_email=True)
    case = case_in(State.REGISTERED)
    _tasks_run_at_once.conf.task_always_eager = False

    def run_now(function, using=None, robust=False):
        function()

    def broker_down(*args, **kwargs):
        # What kombu raises when the broker does not answer. (Pointing broker_url elsewhere at run time
        # does not reach the producer pool already made, and sent a real message to the project's
        # broker.)
        raise OperationalError("Error 111 connecting to 127.0.0.1:9. Connection refused.")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "django.db.transaction.on_commit", lambda function, using=None, robust=False: function()
        )
        patch.setattr("core.tasks.notice_deliver_task.delay", broker_down)
        response = client_as(dispatcher).post(
            reverse("complaints:action", args=[case.number, "dispatch"]),
            {"lead_department": business_department.pk, "expected_version": case.version},
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.DISPATCHED
    delivery = NoticeDelivery.objects.get(notice__kind="case_assigned", notice__recipient=head_by_email)
    assert delivery.status == NoticeDelivery.Status.PENDING and mail.outbox == []
    assert notices.deliveries_catch_up() == [delivery.pk]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["head@example.cn"]


def test_notice_texts_are_plain_text_and_pages_escape_them(client_as, head, case):
    case.category.name = "水费 & <发票>"
    case.category.save()
    notice = notices.notice_send(
        recipient=head, kind_code="case_assigned", context={"case": case}, url="/cases/"
    )
    assert "水费 & <发票>" in notice.body  # stored as written, not HTML-escaped
    page = client_as(head).get(reverse("core:notices")).content.decode()
    assert "水费 &amp; &lt;发票&gt;" in page and "<发票>" not in page
