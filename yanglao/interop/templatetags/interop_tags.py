"""Small cards other pages include: an elder's stay and the FHIR download on the elder
file, a facility's residents on the facility page."""

from __future__ import annotations

from django import template

from yanglao.accounts.roles import SENSITIVE_VIEWERS

from .. import selectors, services

register = template.Library()


@register.inclusion_tag("interop/_elder_residency.html", takes_context=True)
def elder_residency(context, elder):
    user = context["request"].user
    return {
        "elder": elder,
        "stay": selectors.residency_of(user, elder),
        "past": [s for s in selectors.stays_of(elder, limit=5) if s.until is not None],
        "can_full": getattr(user, "role", "") in SENSITIVE_VIEWERS,
    }


@register.inclusion_tag("interop/_facility_residents.html", takes_context=True)
def facility_residents(context, facility):
    user = context["request"].user
    last = facility.feed_batches.order_by("-received_at").first()
    return {
        "facility": facility,
        "count": selectors.resident_count(facility),
        "last": last,
        "can_feed": services.may_feed(user, facility),
    }
