"""Request links (服务申请链接): an elder or their family asks for a service on a simple
page without an account. The community makes a link for an elder (and optionally sends
it to a family member's phone); only a hash of its token is stored, and a new link for
the same holder replaces the old one."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from yanglao.core import audit
from yanglao.core.errors import Forbidden, ValidationFailed

from .models import RequestLink


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("public_request", args=[token])


def create(*, actor, elder, contact_id=None, send: bool = False, request=None):
    from . import services

    if not services._officer_over(actor, elder.region_path):
        raise Forbidden(_("只有工作人员可以生成服务申请链接"))
    contact = None
    if contact_id:
        contact = elder.contacts.select_related("person").filter(pk=contact_id).first()
        if contact is None:
            raise ValidationFailed(fields={"contact": [_("联系人不存在")]})
    token = secrets.token_urlsafe(18)
    name = contact.person.name if contact else elder.person.name
    relation = contact.get_relation_display() if contact else _("本人")
    with transaction.atomic():
        RequestLink.objects.filter(elder=elder, for_name=name, active=True).update(active=False)
        link = RequestLink.objects.create(
            elder=elder,
            token_hash=_hash(token),
            for_name=name,
            for_relation=relation,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="service.request_link_create",
            obj=elder,
            detail={"for": relation, "sent": bool(send)},
            request=request,
        )
        phone = contact.person.phone if contact else elder.person.phone
        if send and phone:
            from yanglao.notify import services as notify

            url = link_url(token)
            transaction.on_commit(
                lambda: notify.send(
                    channel="sms",
                    subject=_("居家养老服务申请"),
                    body=_("需要助餐、助浴、助洁等上门服务时，点此链接申请：%(url)s")
                    % {"url": url},
                    region_path=elder.region_path,
                    to_person=contact.person if contact else elder.person,
                    to_phone=phone,
                    topic="service.request_link",
                )
            )
    return link, token


def resolve(token: str) -> RequestLink | None:
    if not token or len(token) > 100:
        return None
    return (
        RequestLink.objects.select_related("elder__person", "elder__region")
        .filter(token_hash=_hash(token), active=True, elder__status="active")
        .first()
    )
