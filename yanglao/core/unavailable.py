"""When the database or the job queue (Redis) is down: a clear 503, never a stack trace.

Three places turn such an error into the 503 answer:

* ``ServiceUnavailableMiddleware.process_exception`` for an error raised by a view;
* ``core.errors.handler500`` for one raised before the view (a middleware reading the
  session or the user), which Django routes to the 500 handler;
* ``core.views.healthz``, which checks each dependency and names the one that is down.

The answer is built without touching the database: a standalone template rendered
without the request's context processors (the navigation needs the user, the user
needs the database). Recovery needs nothing: Django opens a new connection for the
next request (``CONN_HEALTH_CHECKS`` in settings drops a persistent connection that a
database restart broke) and redis-py reconnects its pool by itself.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger("yanglao.unavailable")

RETRY_AFTER_SECONDS = 30


def _redis_errors() -> tuple[type[BaseException], ...]:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency
        return ()
    return (RedisConnectionError, RedisTimeoutError)


UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    *_redis_errors(),
)


def dependency_of(exc: BaseException | None) -> str | None:
    """``"database"`` or ``"queue"`` when the error (or one it was raised from) means
    that dependency cannot be reached; None for any other error."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OperationalError | InterfaceError):
            # SQLite reports a missing table or column as an OperationalError too: that
            # is a bug (a migration not run), not an outage, and stays a 500.
            if str(exc).startswith(("no such table", "no such column")):
                return None
            return "database"
        if isinstance(exc, UNAVAILABLE_ERRORS):
            return "queue"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def unavailable_response(request: HttpRequest, dependency: str = "") -> HttpResponse:
    """503 with ``Retry-After``: the API's error body under /api/, else a plain page."""
    message = _("服务暂不可用，请稍后再试")
    if request.path.startswith("/api/"):
        body = {"error": {"code": "service_unavailable", "message": message, "fields": {}}}
        response: HttpResponse = JsonResponse(body, status=503)
    else:
        html = render_to_string(
            "core/unavailable.html",
            {"message": message, "retry_after": RETRY_AFTER_SECONDS, "path": request.path},
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    if dependency:
        response["X-Unavailable"] = dependency
    return response


def handle(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    dependency = dependency_of(exc)
    if dependency is None:
        return None
    log.warning(
        "%s unavailable during %s %s: %s: %s",
        dependency,
        request.method,
        request.path,
        type(exc).__name__,
        str(exc).splitlines()[0][:200] if str(exc) else "",
    )
    return unavailable_response(request, dependency)


class ServiceUnavailableMiddleware:
    """A view that hit a database or queue outage answers 503 (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return handle(request, exception)
