"""Send a message: always kept, whatever the adapter does."""

from __future__ import annotations

from django.utils import timezone

from .adapters import adapter
from .models import Channel, Message, MessageStatus


def send(
    *,
    channel: str,
    subject: str,
    body: str,
    region_path: str,
    to_user=None,
    to_person=None,
    to_phone: str = "",
    topic: str = "",
) -> Message:
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    sender = adapter()
    message = Message(
        channel=channel,
        to_user=to_user,
        to_person=to_person,
        to_phone=to_phone,
        region_path=region_path,
        subject=subject[:200],
        body=body,
        topic=topic[:64],
        adapter=sender.name,
        status=MessageStatus.SENT,
    )
    try:
        sender.send(message)
    except Exception as exc:
        message.status = MessageStatus.FAILED
        message.error = str(exc)[:200]
    message.save()
    return message


def mark_all_read(user) -> int:
    """The user's unread messages, marked read (their own inbox: nothing to audit)."""
    return Message.objects.filter(to_user=user, read_at__isnull=True).update(read_at=timezone.now())
