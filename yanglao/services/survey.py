"""The satisfaction survey (满意度调查): when an order is done, a link to a one-question
page goes to the elder's family (or the elder) through the notification adapter.

The link carries a signed, expiring token (Django's signing, salted): the order and a
nonce. The page refuses a token that is forged (bad signature), expired (older than the
rule's days) or used (the order is rated, which clears the nonce).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core.errors import Conflict, NotFound, ValidationFailed
from yanglao.policy.selectors import lookup_param

from .models import Order, OrderStatus

SALT = "yanglao.services.survey"


def make_token(order: Order) -> str:
    return signing.dumps({"o": order.pk, "n": order.survey_nonce}, salt=SALT, compress=True)


def survey_url(order: Order) -> str:
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    return base + reverse("public_survey", args=[make_token(order)])


class TokenRefused(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


def order_for_token(token: str) -> Order:
    """The order a survey token is for, or ``TokenRefused`` with the reason."""
    try:
        data = signing.loads(token, salt=SALT, max_age=None)
    except signing.BadSignature:
        raise TokenRefused("forged", _("链接无效，请联系社区工作人员")) from None
    order = (
        Order.objects.select_related("item", "elder__region", "elder__person", "provider")
        .filter(pk=data.get("o"))
        .first()
    )
    if order is None:
        raise TokenRefused("forged", _("链接无效，请联系社区工作人员"))
    if order.status == OrderStatus.RATED or not order.survey_nonce:
        raise TokenRefused("used", _("这次服务已经评价过了，谢谢您"))
    if not secrets.compare_digest(str(data.get("n", "")), order.survey_nonce):
        raise TokenRefused("forged", _("链接无效，请联系社区工作人员"))
    days = int(lookup_param("service.survey", "token_days", order.elder.region, None, 7))
    try:
        signing.loads(token, salt=SALT, max_age=days * 86400)
    except signing.SignatureExpired:
        raise TokenRefused("expired", _("链接已过期，社区工作人员会电话回访您")) from None
    return order


def _recipient(order: Order):
    """Who the survey goes to: the requester's phone, else the emergency contact (a
    family member), else the elder."""
    if order.requester_phone:
        return None, order.requester_phone
    contact = order.elder.contacts.select_related("person").order_by("-is_emergency", "id").first()
    if contact is not None and contact.person.phone:
        return contact.person, contact.person.phone
    return order.elder.person, order.elder.person.phone


def send(order_id: int) -> bool:
    """Issue a fresh token and send the link (SMS through the adapter)."""
    from yanglao.notify import services as notify

    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .select_related("item", "elder__person", "elder__region")
            .get(pk=order_id)
        )
        if order.status != OrderStatus.DONE:
            return False
        order.survey_nonce = secrets.token_hex(8)
        order.survey_sent_at = timezone.now()
        order.save(update_fields=["survey_nonce", "survey_sent_at"])
        person, phone = _recipient(order)
        if not phone:
            return False
        notify.send(
            channel="sms",
            subject=_("服务满意度调查"),
            body=_("%(name)s的“%(item)s”服务已完成。请点一下链接，告诉我们您满意吗：%(url)s")
            % {"name": order.elder.person.name, "item": order.item.name, "url": survey_url(order)},
            region_path=order.region_path,
            to_person=person,
            to_phone=phone,
            topic="service.survey",
        )
    return True


def answer(token: str, rating, comment: str = "", request=None) -> Order:
    """The survey page's one question, answered."""
    from . import services

    try:
        order = order_for_token(token)
    except TokenRefused as refused:
        if refused.reason == "used":
            raise Conflict(refused.message, code="survey_used") from None
        raise NotFound(refused.message) from None
    try:
        return services.order_rate(
            order=order, rating=rating, comment=comment, channel="survey", request=request
        )
    except Conflict as exc:
        raise Conflict(_("这次服务已经评价过了，谢谢您"), code="survey_used") from exc
    except ValidationFailed:
        raise
