"""Reads of accounts, always scoped to the caller's region."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from yanglao.core.scope import get_in_scope, path_q, scoped
from yanglao.regions.models import Region

from .models import ApiToken, User


def users_for(
    actor: User, *, q: str = "", role: str = "", active: str = "", region_code: str = ""
) -> QuerySet[User]:
    qs = scoped(User.objects.select_related("region"), actor)
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(phone__endswith=q))
    if role:
        qs = qs.filter(role=role)
    if active == "locked":
        return qs.filter(username__in=locked_usernames(qs.values("username"))).order_by(
            "region__path", "username"
        )
    if active == "1":
        qs = qs.filter(is_active=True)
    elif active == "0":
        qs = qs.filter(is_active=False)
    if region_code:
        region = Region.objects.filter(code=region_code).only("path").first()
        qs = qs.filter(path_q(region.path)) if region else qs.none()
    return qs.order_by("region__path", "username")


def locked_usernames(usernames) -> set[str]:
    """Accounts locked now: five failures within the cool-off period."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


def user_get(actor: User, pk: int) -> User:
    return get_in_scope(User.objects.select_related("region"), actor, pk=pk)


def tokens_of(actor: User, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def token_get(actor: User, pk: int) -> ApiToken:
    return get_in_scope(
        ApiToken.objects.select_related("user", "user__region"), actor, field="user__region", pk=pk
    )
