"""One way to fail.

Services raise a ``DomainError``; the API turns it into the error body of the API
conventions and pages turn it into a clear message, both in this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import audit
from .models import Outcome


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str] | str] | None = None,
    ) -> None:
        self.message = message or self.default_message()
        if code:
            self.code = code
        self.fields: dict[str, list[str]] = {
            key: [value] if isinstance(value, str) else [str(v) for v in value]
            for key, value in (fields or {}).items()
        }
        super().__init__(self.message)

    def default_message(self) -> str:
        return _("请求有误")

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.fields)


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"

    def default_message(self) -> str:
        return _("请先登录")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"

    def default_message(self) -> str:
        return _("您的角色无权进行此操作")


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def default_message(self) -> str:
        return _("记录不存在或不在您的管辖范围内")


class Conflict(DomainError):
    status = 409
    code = "conflict"

    def default_message(self) -> str:
        return _("与已有记录冲突")


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"

    def default_message(self) -> str:
        return _("输入有误，请检查标出的字段")


def error_text(error: DomainError) -> str:
    """The message and every field message, on one line (for a flash message)."""
    parts = [error.message]
    for messages in error.fields.values():
        parts.extend(messages)
    return "；".join(parts)


def error_body(code: str, message: str, fields: Mapping[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": dict(fields or {})}}


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def record_refusal(request: HttpRequest, error: DomainError) -> None:
    """A refused action (403) is audited here, outside the service's rolled-back transaction."""
    if error.status != 403:
        return
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return
    audit.record(
        actor=user,
        action="access.forbidden",
        outcome=Outcome.DENIED,
        request=request,
        detail={"path": request.path, "method": request.method, "code": error.code},
    )


def error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The one place a DomainError becomes a response, for the API and for pages."""
    record_refusal(request, error)
    if is_api_request(request):
        return JsonResponse(error.body(), status=error.status)
    template = "core/error_partial.html" if getattr(request, "htmx", False) else "core/error.html"
    return render(request, template, {"error": error}, status=error.status)


def validation_from_django(exc, prefix: str = "") -> ValidationFailed:
    """Turn a django ValidationError (or form errors) into a ValidationFailed."""
    if hasattr(exc, "message_dict"):
        fields = {
            (f"{prefix}{k}" if k != "__all__" else "__all__"): list(v)
            for k, v in exc.message_dict.items()
        }
    else:
        fields = {"__all__": list(getattr(exc, "messages", [str(exc)]))}
    return ValidationFailed(fields=fields)


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            return error_response(request, exception)
        if isinstance(exception, (OverflowError, DataError)):
            # A number no column can hold (SQLite raises OverflowError, PostgreSQL a
            # DataError), or a value the database refused that no validation caught.
            return error_response(
                request,
                ValidationFailed(
                    _("输入的数值超出允许范围或格式不被接受，请检查后重试"),
                    code="value_out_of_range",
                ),
            )
        return None


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    error = Forbidden(_("安全校验失败（CSRF），请刷新页面后重试"), code="csrf_failed")
    return error_response(request, error)


def handler400(request, exception=None):
    return error_response(request, DomainError())


def handler403(request, exception=None):
    return error_response(request, Forbidden())


def handler404(request, exception=None):
    return error_response(request, NotFound(_("页面或记录不存在")))


def handler500(request):
    # A database or queue outage raised before the view (a middleware reading the
    # session or the user) comes here: answer 503, not 500 (see core/unavailable.py).
    import sys

    from .unavailable import handle

    unavailable = handle(request, sys.exc_info()[1])
    if unavailable is not None:
        return unavailable
    error = DomainError(_("服务器内部错误，已记录，请稍后重试"), code="server_error")
    error.status = 500
    if is_api_request(request):
        return JsonResponse(error.body(), status=500)
    return render(request, "core/error.html", {"error": error}, status=500)
