"""Region scope: the first rule of the platform (ARCHITECTURE.md rule 1).

Every selector a user's read goes through filters by the user's region subtree with
these helpers. A record outside the caller's scope is answered as if it did not exist.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import connection
from django.db.models import Model, Q, QuerySet

from .audit import record
from .errors import NotFound
from .models import Outcome

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

M = TypeVar("M", bound=Model)


def path_q(path: str, lookup: str = "region__path") -> Q:
    """Rows whose region path (the column at ``lookup``) is ``path`` or below it.

    On SQLite the prefix is written as a range (paths are digits and dots, and "/"
    follows "." in byte order): SQLite never uses a plain index for LIKE, so a subtree
    of a million rows would be a full scan. PostgreSQL (C collation) indexes LIKE
    prefixes itself."""
    if connection.vendor == "sqlite":
        below = Q(**{f"{lookup}__gt": path + ".", f"{lookup}__lt": path + "/"})
    else:
        below = Q(**{f"{lookup}__startswith": path + "."})
    return Q(**{lookup: path}) | below


def in_subtree(path: str, scope_path: str) -> bool:
    return path == scope_path or path.startswith(scope_path + ".")


def scoped(
    qs: QuerySet[M], actor, field: str = "region", *, path_lookup: str | None = None
) -> QuerySet[M]:
    """Deny by default: no user or no region sees nothing. ``path_lookup`` names a column
    holding a copy of the region path (for large tables), instead of joining the region."""
    region = getattr(actor, "region", None) if actor is not None else None
    if region is None or not getattr(actor, "is_authenticated", False):
        return qs.none()
    lookup = path_lookup or (f"{field}__path" if field else "path")
    return qs.filter(path_q(region.path, lookup))


def get_in_scope(
    qs: QuerySet[M], actor, field: str = "region", *, path_lookup: str | None = None, **lookup
) -> M:
    """One record in the actor's scope, or NotFound. A miss that exists elsewhere is audited."""
    if any(isinstance(v, int) and not INT64_MIN <= v <= INT64_MAX for v in lookup.values()):
        raise NotFound()  # no row has a key no column can hold (and the query would fail)
    try:
        return scoped(qs, actor, field, path_lookup=path_lookup).get(**lookup)
    except qs.model.DoesNotExist:
        if getattr(actor, "is_authenticated", False) and qs.filter(**lookup).exists():
            record(
                actor=actor,
                action="access.out_of_scope",
                outcome=Outcome.DENIED,
                detail={
                    "model": qs.model.__name__,
                    "lookup": {k: str(v) for k, v in lookup.items()},
                },
            )
        raise NotFound() from None
