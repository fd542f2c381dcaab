"""Schemas every router shares: the error body and paging."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Generic, TypeVar

from django.db.models import QuerySet
from django.utils.translation import gettext
from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

T = TypeVar("T")


class ErrorDetail(Schema):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["记录不存在或不在您的管辖范围内"])
    fields: dict[str, list[str]] = Field(default_factory=dict, examples=[{}])


class ErrorBody(Schema):
    error: ErrorDetail


# Declared on every operation so the OpenAPI documents the one error body.
ERRORS = {
    400: ErrorBody,
    401: ErrorBody,
    403: ErrorBody,
    404: ErrorBody,
    409: ErrorBody,
    422: ErrorBody,
}


_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")


def _local_time(value):
    """A time of day as "HH:MM" (or a time without an offset); nothing else."""
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and _TIME.fullmatch(value.strip()):
        return dt.time.fromisoformat(value.strip())
    raise PydanticCustomError("local_time", gettext("时间格式应为 HH:MM"))


# A time of day on the local (Asia/Shanghai) clock, as "08:00" or "08:00:00". JSON
# Schema's "time" format demands a UTC offset, which a time of day does not carry.
LocalTime = Annotated[
    dt.time,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
            "examples": ["08:00"],
        }
    ),
]


class PageParams(Schema):
    page: int = Field(1, ge=1, le=10_000_000, description="页码，从 1 开始")
    page_size: int = Field(50, ge=1, le=200, description="每页条数，默认 50，最大 200")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int


def paginate(qs: QuerySet | list, params: PageParams) -> dict:
    start = (params.page - 1) * params.page_size
    if isinstance(qs, list):
        return {"items": qs[start : start + params.page_size], "count": len(qs)}
    return {"items": list(qs[start : start + params.page_size]), "count": qs.count()}
