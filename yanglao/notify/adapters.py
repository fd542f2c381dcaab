"""Where messages go. The platform makes no outside calls by itself: the default adapter
writes each message to the log, and every message is kept in the database (``Message``)
so that a person can see what was, or would have been, sent. A deployment that has an
SMS gateway or an app push service adds an adapter class and names it in
``YANGLAO_NOTIFY_ADAPTER``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from yanglao.core.masking import mask_phone

log = logging.getLogger("yanglao.notify")


class Adapter:
    """Send one message; raise on failure (the message is then kept as failed)."""

    name = "base"

    def send(self, message) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleAdapter(Adapter):
    name = "console"

    def send(self, message) -> None:
        # The log is read by operators who may not see full phone numbers: masked.
        to = mask_phone(message.to_phone) or (message.to_user.username if message.to_user else "")
        log.info("[%s → %s] %s: %s", message.channel, to, message.subject, message.body)


def adapter() -> Adapter:
    return import_string(settings.NOTIFY_ADAPTER)()
