"""Text messages to shoppers' phones through a pluggable backend (setting `SMS_BACKEND`).

A backend is a class with `send(*, phone, message)`. The console backend only logs, so a demo or
a developer's machine needs no SMS account; a production backend (Aliyun, Tencent Cloud) is a
small class named in the environment; it sends through `o2o.outgoing.outgoing_session("sms")`, so
its calls have the settings' timeouts and a breaker (a slow gateway must not hold the login
page). Tests use `MemoryBackend` and read `outbox`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextMessage:
    phone: str
    message: str


class BaseBackend:
    def send(self, *, phone: str, message: str) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Logs the message instead of sending it (development, demo)."""

    def send(self, *, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", phone, message)


# Messages "sent" by MemoryBackend, newest last; tests clear it.
outbox: list[TextMessage] = []


class MemoryBackend(BaseBackend):
    """Keeps messages in `members.sms.outbox` (tests)."""

    def send(self, *, phone: str, message: str) -> None:
        outbox.append(TextMessage(phone=phone, message=message))


def sms_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def sms_send(*, phone: str, message: str) -> None:
    sms_backend().send(phone=phone, message=message)
