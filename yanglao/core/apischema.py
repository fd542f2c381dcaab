"""Schemas every router shares: the error body and paging."""

from __future__ import annotations

from typing import Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

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


class PageParams(Schema):
    page: int = Field(1, ge=1, description="页码，从 1 开始")
    page_size: int = Field(50, ge=1, le=200, description="每页条数，默认 50，最大 200")


class Page(Schema, Generic[T]):
    items: list[T]
    count: int


def paginate(qs: QuerySet | list, params: PageParams) -> dict:
    start = (params.page - 1) * params.page_size
    if isinstance(qs, list):
        return {"items": qs[start : start + params.page_size], "count": len(qs)}
    return {"items": list(qs[start : start + params.page_size]), "count": qs.count()}
