"""Publicity and rights (宣传与维权): a library of notices and materials (policy
explanations, the elderly rights law, warnings against illegal fundraising, financial
fraud and health-product scams), and which materials reached which villages, when, how.

A material is read by everyone whose scope holds its region or one of the villages it
was published to; a publication belongs to its village."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yanglao.core import audit
from yanglao.core.errors import Forbidden, ValidationFailed
from yanglao.core.scope import get_in_scope, in_subtree, path_q, scoped
from yanglao.regions.models import Level, Region

from .models import Material, MaterialKind, Publication, PublishHow
from .teams import _date, _ensure_officer, region_in_scope


def _visible(actor) -> Q:
    region = getattr(actor, "region", None)
    if region is None or not getattr(actor, "is_authenticated", False):
        return Q(pk__in=[])
    # Above: a county material is read in its villages; below: the actor's own subtree.
    above = [region.path.rsplit(".", n)[0] for n in range(region.path.count(".") + 1)]
    return Q(region_path__in=above) | path_q(region.path, "region_path")


def materials_for(actor, *, q: str = "", kind: str = "") -> QuerySet:
    qs = Material.objects.filter(_visible(actor)).annotate(n_villages=Count("publications"))
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return qs.order_by("-created_at", "-pk")


def material_get(actor, pk: int) -> Material:
    if not getattr(actor, "is_authenticated", False):
        return get_in_scope(Material.objects.none(), actor, pk=pk)
    try:
        return Material.objects.select_related("region").filter(_visible(actor)).get(pk=pk)
    except Material.DoesNotExist:
        # Audited as an out-of-scope read when it exists elsewhere.
        return get_in_scope(Material.objects.all(), actor, path_lookup="region_path", pk=pk)


def material_save(*, actor, data: dict, material: Material | None = None, request=None):
    _ensure_officer(actor)
    if material is not None and not in_subtree(material.region_path, actor.region.path):
        raise Forbidden(_("上级发布的材料不能在此修改"))
    errors: dict[str, list[str]] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("请填写标题")]
    elif len(title) > 120:
        errors["title"] = [_("最多 120 个字符")]
    kind = data.get("kind") or ""
    if kind not in MaterialKind.values:
        errors["kind"] = [_("请选择类别")]
    body = (data.get("body") or "").strip()
    if not body:
        errors["body"] = [_("请填写正文")]
    region = actor.region if material is None else material.region
    if material is None and data.get("region"):
        try:
            region = region_in_scope(actor, data["region"])
        except ValidationFailed as error:
            errors.update(error.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    material = material or Material(created_by=actor, region=region, region_path=region.path)
    material.title, material.kind, material.body = title, kind, body
    with transaction.atomic():
        created = material.pk is None
        material.save()
        audit.record(
            actor=actor,
            action="community.material_create" if created else "community.material_update",
            obj=material,
            request=request,
        )
    return material


def publications_for(actor, *, material: Material | None = None, village_code: str = ""):
    qs = scoped(
        Publication.objects.select_related("material", "village"),
        actor,
        path_lookup="region_path",
    )
    if material is not None:
        qs = qs.filter(material=material)
    if village_code:
        qs = qs.filter(path_q(region_in_scope(actor, village_code).path, "region_path"))
    return qs.order_by("-published_on", "-pk")


def publish(
    *, actor, material: Material, villages, published_on, how: str, note: str = "", request=None
) -> list[Publication]:
    """Record that a material reached one or more villages (one row per village)."""
    _ensure_officer(actor)
    errors: dict[str, list[str]] = {}
    codes = [c.strip() for c in (villages or []) if c and c.strip()]
    found: list[Region] = []
    if not codes:
        errors["villages"] = [_("请选择至少一个村(社区)")]
    for code in codes:
        try:
            region = region_in_scope(actor, code, "villages")
        except ValidationFailed as error:
            errors.update(error.fields)
            continue
        if region.level != Level.VILLAGE:
            errors["villages"] = [_("%(n)s 不是村(社区)") % {"n": region.name}]
        else:
            found.append(region)
    day = _date(published_on, "published_on", errors)
    if day is not None and day > timezone.localdate():
        errors["published_on"] = [_("发布日期不能晚于今天")]
    if how not in PublishHow.values:
        errors["how"] = [_("请选择发布方式")]
    if errors:
        raise ValidationFailed(fields=errors)
    rows = []
    with transaction.atomic():
        for village in found:
            rows.append(
                Publication.objects.create(
                    material=material,
                    village=village,
                    region_path=village.path,
                    published_on=day,
                    how=how,
                    note=(note or "").strip()[:200],
                    created_by=actor,
                )
            )
        audit.record(
            actor=actor,
            action="community.material_publish",
            obj=material,
            region=actor.region,
            detail={"villages": [v.code for v in found], "how": how},
            request=request,
        )
    return rows


def published_count(region: Region, start: dt.date, end: dt.date) -> int:
    return Publication.objects.filter(
        path_q(region.path, "region_path"), published_on__gte=start, published_on__lte=end
    ).count()


def counts(region: Region, start: dt.date, end: dt.date) -> dict:
    """Volunteer hours confirmed and materials published in the region, start..end."""
    from .teams import confirmed_hours

    return {
        "volunteer_hours": confirmed_hours(region, start, end),
        "publications": published_count(region, start, end),
        "materials": Publication.objects.filter(
            path_q(region.path, "region_path"), published_on__gte=start, published_on__lte=end
        )
        .values("material")
        .distinct()
        .count(),
    }
