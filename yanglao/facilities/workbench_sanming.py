"""Workbench panel for officers of a region with Sanming village centres (村级养老服务中心):
centres with gaps or warnings, villages with a happiness home but no registered centre,
and five-star homes whose city award is withheld (the centre's name or plaque)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.dashboard.panels import Item, Panel, register
from yanglao.policy import selectors as policy_selectors

from . import centres, ratings


def _withheld_five_star(user, on) -> int:
    n = 0
    for rating in ratings.current_stars(user.region, on).values():
        if rating.stars == 5 and any(not p.proposed for p in ratings.award_proposals(rating, on)):
            n += 1
    return n


@register(centres.CENTRE_READERS)
def sanming_centres_panel(user) -> Panel | None:
    region = getattr(user, "region", None)
    if region is None:
        return None
    today = timezone.localdate()
    in_scope = centres.centres_for(user)
    rule = policy_selectors.lookup(centres.REGISTRATION_RULE, region, today)
    if rule is None and not in_scope.exists():
        return None
    with_issues = centres.centres_for(user, issue="any", on=today).count()
    chairman = centres.centres_for(user, issue="chairman", on=today).count()
    unregistered = centres.centres_for(user, registered=False).count()
    rows = centres.coverage(user, on=today)
    home_gap = sum(r.home_villages - r.home_villages_registered for r in rows)
    withheld = _withheld_five_star(user, today)
    centre_list = reverse("facilities:centre_list")
    return Panel(
        title=_("村级养老服务中心（三明）"),
        order=22,
        items=[
            Item(
                _("有差距或提示的中心"),
                with_issues,
                f"{centre_list}?issue=any",
                "warning" if with_issues else "success",
            ),
            Item(
                _("尚未登记为民非的中心"),
                unregistered,
                f"{centre_list}?registered=0",
                "warning" if unregistered else "",
            ),
            Item(
                _("理事长不是村党组织书记"),
                chairman,
                f"{centre_list}?issue=chairman",
                "warning" if chairman else "",
            ),
            Item(
                _("有幸福院但未登记中心的建制村"),
                home_gap,
                reverse("facilities:centre_coverage"),
                "danger" if home_gap else "success",
            ),
            Item(
                _("五星级幸福院奖补暂缓"),
                withheld,
                f"{reverse('facilities:rating_list')}?stars=5",
                "danger" if withheld else "",
            ),
        ],
    )
