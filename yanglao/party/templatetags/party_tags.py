"""Labels for the codes Party pages show (reach kinds, obligations, meeting codes)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..models import ActivityKind
from ..selectors import facility_party as facility_party_for

register = template.Library()

REACH = {
    rules.OWN_ORG: _("单独党组织"),
    rules.JOINT_ORG: _("联合党组织"),
    rules.ELDER_BRANCH: _("老年人党支部"),
    rules.INSTRUCTOR: _("党建工作指导员"),
}
OBLIGATION = {
    rules.MUST: _("必须"),
    rules.MAY: _("可以"),
    rules.IN_PRINCIPLE: _("原则上"),
}


@register.filter
def reach_label(code: str) -> str:
    return str(REACH.get(code, code))


@register.filter
def obligation_label(code: str) -> str:
    return str(OBLIGATION.get(code, code))


@register.filter
def activity_label(code: str) -> str:
    try:
        return str(ActivityKind(code).label)
    except ValueError:
        return code


@register.filter
def meeting_label(code: str, params: dict) -> str:
    """A meeting code by the rule's own labels (``meeting_labels``), else the model's."""
    meetings = list(params.get("meetings", []))
    labels = list(params.get("meeting_labels", []))
    if code in meetings and len(labels) == len(meetings):
        return labels[meetings.index(code)]
    return activity_label(code)


@register.filter
def indent(depth: int) -> str:
    return f"{int(depth) * 1.5:.1f}rem"


@register.inclusion_tag("party/_facility_party_card.html", takes_context=True)
def facility_party_card(context, facility):
    """The Party card of the facility page (``party/_facility_party.html`` includes it)."""
    user = getattr(context.get("request"), "user", None)
    return {"facility": facility, "party": facility_party_for(user, facility)}
