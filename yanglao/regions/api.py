"""Region endpoints: one region with its breadcrumb, its children, a search."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from yanglao.core.apischema import ERRORS, Page, PageParams, paginate

from . import selectors
from .models import Level, Region

router = Router(tags=["regions 区划"])


class Crumb(Schema):
    code: str
    name: str


class RegionOut(Schema):
    code: str = Field(examples=["141129"])
    name: str = Field(examples=["中阳县"])
    level: int = Field(description="0 全国 1 省 2 市 3 县 4 乡镇 5 村/社区 6 网格", examples=[3])
    level_label: str = Field(examples=["县(区)"])
    parent_code: str | None = Field(examples=["1411"])
    path: str = Field(examples=["00.14.1411.141129"])
    is_urban_district: bool
    abolished: bool
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor_code: str | None
    change_note: str
    population_year: int | None
    registered_total: int | None
    registered_60: int | None
    registered_80: int | None
    resident_total: int | None
    resident_60: int | None
    resident_80: int | None

    @staticmethod
    def from_region(region: Region) -> dict:
        return {
            "code": region.code,
            "name": region.name,
            "level": region.level,
            "level_label": str(Level(region.level).label),
            "parent_code": region.parent_id,
            "path": region.path,
            "is_urban_district": region.is_urban_district,
            "abolished": region.valid_to is not None,
            "valid_from": region.valid_from,
            "valid_to": region.valid_to,
            "successor_code": region.successor_id,
            "change_note": region.change_note,
            "population_year": region.population_year,
            "registered_total": region.registered_total,
            "registered_60": region.registered_60,
            "registered_80": region.registered_80,
            "resident_total": region.resident_total,
            "resident_60": region.resident_60,
            "resident_80": region.resident_80,
        }


class RegionDetail(RegionOut):
    breadcrumb: list[Crumb] = Field(description="上级区划名称（根在前）")
    children_count: int


class RegionFilter(PageParams):
    q: str = Field("", max_length=50, description="名称、代码前缀或拼音首字母")
    level: int | None = Field(None, ge=0, le=6)


class ChildrenFilter(PageParams):
    include_abolished: bool = Field(True, description="是否包含已撤销的区划")


@router.get("", response={200: Page[RegionOut], **ERRORS}, summary="搜索本人辖区内的区划")
def list_regions(request: HttpRequest, filters: Query[RegionFilter]):
    qs = selectors.search(request.auth, filters.q, level=filters.level)
    page = paginate(qs, filters)
    page["items"] = [RegionOut.from_region(r) for r in page["items"]]
    return page


@router.get(
    "/{code}",
    response={200: RegionDetail, **ERRORS},
    summary="区划详情",
    description="辖区外的区划返回 404。",
)
def get_region(request: HttpRequest, code: str):
    region = selectors.region_get(request.auth, code)
    data = RegionOut.from_region(region)
    data["breadcrumb"] = [{"code": r.code, "name": r.name} for r in selectors.breadcrumb(region)]
    data["children_count"] = region.children.count()
    return data


@router.get(
    "/{code}/children",
    response={200: Page[RegionOut], **ERRORS},
    summary="下级区划（分页，含已撤销的并标注）",
)
def region_children(request: HttpRequest, code: str, filters: Query[ChildrenFilter]):
    region = selectors.region_get(request.auth, code)
    qs = selectors.children_of(request.auth, region, include_abolished=filters.include_abolished)
    page = paginate(qs, filters)
    page["items"] = [RegionOut.from_region(r) for r in page["items"]]
    return page
