"""``{% elder_privacy elder %}``: the legal basis and requests of a file, on the elder page."""

from __future__ import annotations

from django import template

from yanglao.privacy import selectors
from yanglao.privacy.services import PRIVACY_WRITERS

register = template.Library()


@register.inclusion_tag("privacy/_elder_privacy.html", takes_context=True)
def elder_privacy(context, elder):
    user = context["request"].user
    return {
        "elder": elder,
        "panel": selectors.elder_panel(user, elder),
        "can_write": getattr(user, "role", None) in PRIVACY_WRITERS,
    }
