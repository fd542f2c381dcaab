from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .unavailable import RETRY_AFTER_SECONDS

log = logging.getLogger("yanglao.unavailable")


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        log.warning(
            "healthz: database down: %s", str(exc).splitlines()[0][:200] if str(exc) else ""
        )
        return "down"
    return "ok"


def _queue() -> str:
    """The Huey queue (Redis when REDIS_URL is set, else a SQLite file)."""
    from huey.contrib.djhuey import HUEY

    try:
        HUEY.pending_count()
    except Exception as exc:  # redis-py, sqlite3: any failure means the queue is not usable
        log.warning("healthz: queue down: %s: %s", type(exc).__name__, str(exc)[:200])
        return "down"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """Each dependency and its state. 503 when the database is down (nothing works
    without it); 200 with ``"status": "degraded"`` when only the queue is down (pages
    work, background jobs wait), so a load balancer keeps serving."""
    checks = {"database": _database(), "queue": _queue()}
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif checks["queue"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    response = JsonResponse({"status": status, **checks}, status=code)
    if code == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
