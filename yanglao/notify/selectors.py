"""Reads of messages: a user's own inbox, and for officers the log of their region."""

from __future__ import annotations

from django.db.models import QuerySet

from yanglao.core.scope import scoped

from .models import Channel, Message


def inbox(user) -> QuerySet[Message]:
    return Message.objects.filter(to_user=user).select_related("to_user", "to_person")


def region_log(user, *, channel: str = "") -> QuerySet[Message]:
    qs = scoped(Message.objects.all(), user, path_lookup="region_path")
    if channel in Channel.values:
        qs = qs.filter(channel=channel)
    return qs.select_related("to_user", "to_person")
