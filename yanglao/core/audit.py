"""Audit helpers. Services call ``record`` inside their transaction."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import AccessKind, AccessLog, AuditEvent, Outcome


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_username": "", "actor_role": ""}
    return {"actor": actor, "actor_username": actor.username, "actor_role": actor.role}


def record(
    *,
    actor,
    action: str,
    obj: Any = None,
    region=None,
    outcome: str = Outcome.SUCCESS,
    detail: dict | None = None,
    request: HttpRequest | None = None,
    username: str | None = None,
) -> AuditEvent:
    """Write one audit row. ``region`` defaults to the object's region, else the actor's."""
    if region is None and obj is not None:
        region = getattr(obj, "region", None)
    if region is None and actor is not None and getattr(actor, "is_authenticated", False):
        region = actor.region
    fields = _actor_fields(actor)
    if username and not fields["actor_username"]:
        fields["actor_username"] = username[:150]
    return AuditEvent.objects.create(
        **fields,
        region_code=getattr(region, "code", "") or "",
        region_path=getattr(region, "path", "") or "",
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        outcome=outcome,
        detail=detail or {},
        ip=client_ip(request),
    )


def log_access(
    *,
    actor,
    kind: str,
    obj: Any = None,
    field: str = "",
    detail: dict | None = None,
    request: HttpRequest | None = None,
    region=None,
) -> AccessLog:
    if region is None:
        region = getattr(obj, "region", None) or getattr(actor, "region", None)
    return AccessLog.objects.create(
        actor=actor,
        actor_username=getattr(actor, "username", ""),
        region_path=getattr(region, "path", "") or "",
        kind=kind,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "")) if obj is not None else "",
        field=field,
        detail=detail or {},
        ip=client_ip(request),
    )


__all__ = ["AccessKind", "Outcome", "log_access", "record"]
