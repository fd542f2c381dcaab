"""Idempotency-Key for API writes: a retry with the same key returns the first result
and writes nothing again (phones on bad connections retry)."""

from __future__ import annotations

import functools
import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .errors import error_body
from .models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
IN_PROGRESS = 0

# The view wrapper runs before the API's authentication, so the API registers how it
# identifies a caller (bearer token, session) here.
IDENTIFIERS: list = []


def _caller(request):
    for identify in IDENTIFIERS:
        try:
            user = identify(request)
        except Exception:  # a failed identification is the API's to report, not ours
            user = None
        if user is not None and getattr(user, "is_authenticated", False):
            return user
    return None


def _request_hash(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.get_full_path().encode())
    digest.update(request.body or b"")
    return digest.hexdigest()


def idempotent(view):
    """Wrap a view (Ninja: ``@decorate_view(idempotent)``)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = request.META.get(HEADER, "").strip()
        user = _caller(request) if key else None
        if not key or user is None:
            return view(request, *args, **kwargs)
        if len(key) > 200:
            body = error_body(
                "validation_failed",
                _("Idempotency-Key 过长（最多 200 个字符）"),
                {"Idempotency-Key": [_("最多 200 个字符")]},
            )
            return JsonResponse(body, status=422)
        request_hash = _request_hash(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.path[:300],
                    request_hash=request_hash,
                    status=IN_PROGRESS,
                    body=b"",
                )
        except IntegrityError:
            previous = IdempotencyRecord.objects.get(user=user, key=key)
            if previous.request_hash != request_hash:
                body = error_body(
                    "idempotency_key_reused",
                    _("该 Idempotency-Key 已用于另一个请求"),
                    {"Idempotency-Key": [_("请为不同的请求使用不同的键")]},
                )
                return JsonResponse(body, status=422)
            if previous.status == IN_PROGRESS:
                body = error_body("request_in_progress", _("相同的请求正在处理中，请稍后重试"))
                return JsonResponse(body, status=409)
            response = HttpResponse(
                bytes(previous.body), status=previous.status, content_type="application/json"
            )
            response["Idempotent-Replayed"] = "true"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code < 500:
            record.status = response.status_code
            record.body = response.content
            record.save(update_fields=["status", "body"])
        else:
            record.delete()
        return response

    return wrapper
