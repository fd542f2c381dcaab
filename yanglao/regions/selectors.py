"""Reads of the region tree, scoped: a user sees their own subtree, and only the names
of the regions above it (for the breadcrumb)."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from yanglao.core.scope import get_in_scope, scoped

from .models import Region


def region_get(actor, code: str) -> Region:
    return get_in_scope(
        Region.objects.select_related("parent", "successor"), actor, field="", code=code
    )


def children_of(
    actor, region: Region, *, q: str = "", include_abolished: bool = True
) -> QuerySet[Region]:
    qs = scoped(Region.objects.filter(parent=region), actor, field="")
    if not include_abolished:
        qs = qs.filter(valid_to__isnull=True)
    if q:
        qs = qs.filter(
            Q(name__contains=q)
            | Q(code__startswith=q)
            | Q(name_initials__startswith=q.lower())
            | Q(name_pinyin__startswith=q.lower())
        )
    # Current regions first on every database (PostgreSQL sorts NULL last by default).
    return qs.order_by(F("valid_to").asc(nulls_first=True), "code")


def search(actor, q: str, *, level: int | None = None) -> QuerySet[Region]:
    qs = scoped(Region.objects.all(), actor, field="")
    if q:
        q = q.strip()
        lowered = q.lower()
        qs = qs.filter(
            Q(name__contains=q)
            | Q(code__startswith=q)
            | Q(name_initials__startswith=lowered)
            | Q(name_pinyin__startswith=lowered)
        )
    if level is not None:
        qs = qs.filter(level=level)
    return qs.select_related("parent").order_by("level", "code")


def breadcrumb(region: Region) -> list[Region]:
    """The region's ancestors and itself, root first (names only above the caller's scope)."""
    codes = region.path.split(".")
    found = {
        r.code: r
        for r in Region.objects.filter(code__in=codes).only("code", "name", "level", "path")
    }
    return [found[c] for c in codes if c in found]


def child_counts(regions: list[Region]) -> dict[str, int]:
    rows = (
        Region.objects.filter(parent__in=[r.code for r in regions])
        .values("parent")
        .annotate(n=Count("code"))
    )
    return {row["parent"]: row["n"] for row in rows}


def subtree_count(region: Region) -> dict[int, int]:
    """How many regions of each level lie below ``region``."""
    rows = (
        Region.objects.filter(path__startswith=region.path + ".")
        .values("level")
        .annotate(n=Count("code"))
    )
    return {row["level"]: row["n"] for row in rows}
