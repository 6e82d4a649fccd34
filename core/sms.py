"""Sending SMS: a small backend interface, like Django's email backends.

`settings.SMS_BACKEND` names the class (dotted path). The default, `LoggingSmsBackend`, writes each
message to the log and sends nothing: development and demo machines need no provider. Tests use
`LocmemSmsBackend`, which keeps the messages in `core.sms.outbox`.

To plug a provider (Aliyun SMS, Tencent Cloud SMS, a carrier's gateway...), write a class with a
`send(phone, text)` method that raises `SmsError` when the provider refuses for now (the delivery is
retried with backoff, then recorded as failed with the message) and `PermanentSmsError` when it never
will (recorded at once), put its credentials in the environment, and set
`SMS_BACKEND=yourpackage.sms.ProviderSmsBackend`. `send` is called from a Celery worker, never inside a
web request.
"""

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# The messages LocmemSmsBackend "sent": (phone, text) pairs.
outbox: list[tuple[str, str]] = []


class SmsError(Exception):
    """The provider did not take the message; the text says why. Retried with backoff."""


class PermanentSmsError(SmsError):
    """The provider will never take it (an invalid number, a blocked recipient): recorded, not retried."""


class BaseSmsBackend(ABC):
    @abstractmethod
    def send(self, phone: str, text: str) -> None:
        """Send `text` to `phone`; raise `SmsError` (retried) or `PermanentSmsError` (recorded)."""


class LoggingSmsBackend(BaseSmsBackend):
    """Writes the message to the log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps the messages in `core.sms.outbox` (tests)."""

    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))


def sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
