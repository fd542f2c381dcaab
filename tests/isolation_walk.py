"""The machinery of the isolation walk (tests/test_isolation_walk.py).

Every page pattern of ``get_resolver()`` and every operation of the Ninja API is found
programmatically; each placeholder (``<int:pk>``, ``{elder_id}``) is filled from the world
(tests/isolation_world.py) through the small tables in the test module; a placeholder
with no way to be filled is a failure, so a new page or operation is walked (or fails)
the day it is added.

A walker is a logged-in user. For each pattern it asks, with GET, for the version filled
with its own place's records (coverage: the page must not fail, and must not show full
ID numbers or phones to a role without the permission), and the versions filled with
another place's records and region codes, which must not answer with any marker of a
place outside the walker's scope. Lists are also asked with their search box filled with
another place's elder name, ID number and phone, with their region filters set to
another place, and exported to .xlsx (opened with openpyxl) in each of these forms.
POSTs go only to URLs filled with another place's records (never the walker's own: they
would change its data) and must write nothing.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from tests.isolation_world import Place
from yanglao.core.masking import mask_id_number, mask_phone

# ---------------------------------------------------------------- fillers

Filler = Callable[[Place], Any]


def obj(key: str, attr: str = "pk") -> Filler:
    """The ``attr`` of the place's record ``key`` (None when the place has none)."""

    def fill(place: Place):
        value = place.objects.get(key)
        if value is None:
            return None
        return value if attr == "" else getattr(value, attr)

    fill.__name__ = f"{key}.{attr or 'value'}"
    return fill


def region(place: Place) -> str:
    return place.code


def village(place: Place) -> str:
    return place.village or place.code


def literal(value: Any) -> Filler:
    def fill(place: Place):
        return value

    fill.__name__ = f"literal {value!r}"
    return fill


def same_for_all(filler: Filler) -> bool:
    return filler.__name__.startswith("literal")


# ---------------------------------------------------------------- URL patterns

ROUTE_PART = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class PagePattern:
    route: str  # "elders/<int:pk>/"
    name: str  # "elders:detail"
    kwargs: tuple[str, ...]

    def url(self, values: dict[str, Any]) -> str:
        return "/" + ROUTE_PART.sub(lambda m: str(values[m.group("name")]), self.route)


def page_patterns() -> list[PagePattern]:
    """Every URL pattern outside the API (walked from its OpenAPI instead)."""
    found: list[PagePattern] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith("^") or "(?P" in route:
                    raise AssertionError(f"a regex URL pattern the walk cannot fill: {route}")
                name = f"{namespace}:{p.name}" if namespace else (p.name or route)
                kwargs = tuple(m.group("name") for m in ROUTE_PART.finditer(route))
                found.append(PagePattern(route=route, name=name, kwargs=kwargs))

    walk(get_resolver().url_patterns, "", "")
    return [p for p in found if not p.route.startswith("api/")]


@dataclass(frozen=True)
class ApiOperation:
    method: str
    path: str  # "/api/v1/elders/{elder_id}"
    params: tuple[tuple[str, str, bool], ...]  # (name, where, required)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def path_params(self) -> list[str]:
        return [n for n, where, _r in self.params if where == "path"]

    def url(self, values: dict[str, Any]) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), self.path)


def api_operations() -> list[ApiOperation]:
    from yanglao.api import api

    schema = api.get_openapi_schema()
    ops = []
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            params = tuple(
                (p["name"], p["in"], bool(p.get("required")))
                for p in spec.get("parameters", [])
                if p["in"] in ("path", "query")
            )
            ops.append(ApiOperation(method=method.upper(), path=path, params=params))
    return ops


# ---------------------------------------------------------------- scanning

ID_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9A-Za-z])"
)
PHONE_RE = re.compile(r"(?<![0-9A-Za-z*])1[3-9]\d{9}(?![0-9A-Za-z*])")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def full_values(text: str) -> list[str]:
    """Full ID numbers (the check character must hold) and mobile numbers in ``text``."""
    from yanglao.people.idnumbers import check_character

    found = [n for n in ID_RE.findall(text) if check_character(n[:17]) == n[17].upper()]
    return found + PHONE_RE.findall(text)


def response_text(response) -> str | None:
    """What a person would read in the response: HTML/JSON/CSV text, or the cells of an
    .xlsx; None for what cannot be read this way (a picture)."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind.startswith(XLSX):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(body), read_only=True)
        cells = []
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells.extend("" if v is None else str(v) for v in row)
        return "\n".join(cells)
    if "json" in kind:
        try:
            return json.dumps(json.loads(body), ensure_ascii=False)
        except ValueError:
            return body.decode("utf-8", "replace")
    if kind.startswith(("text/", "application/xml", "application/javascript")) or not kind:
        return body.decode("utf-8", "replace")
    if kind.startswith("application/pdf"):
        return body.decode("latin-1")
    return None


SEARCH_NAMES = ("q",)
REGION_NAMES = (
    "region",
    "region_code",
    "county",
    "county_code",
    "township",
    "town",
    "village",
    "village_code",
    "community",
)
VILLAGE_NAMES = ("village", "village_code", "community")
FORM_NAME = re.compile(r"""name=["']([a-z_]+)["']""")
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


def form_names(html: str) -> set[str]:
    """The field names of the page's GET forms (its search box and filters)."""
    names: set[str] = set()
    for attrs, body in FORM.findall(html):
        if re.search(r"""method=["']?post""", attrs, re.I):
            continue
        names |= set(FORM_NAME.findall(body))
    return names


# ---------------------------------------------------------------- the walk


@dataclass
class Problem:
    walker: str
    what: str
    url: str
    detail: str

    def __str__(self) -> str:
        return f"{self.walker}: {self.what}: {self.url} {self.detail}"


@dataclass
class Walker:
    """A logged-in client, where it belongs and what it must never see."""

    label: str
    user: Any
    client: Any
    forbidden: list[Place]  # places outside its scope
    sees_full_values: bool
    problems: list[Problem] = field(default_factory=list)
    requests: int = 0

    def markers(self) -> list[tuple[str, str]]:
        return [(p.key, m) for p in self.forbidden for m in p.markers()]


def request(
    walker: Walker,
    method: str,
    url: str,
    params: dict | None = None,
    *,
    echo: tuple[str, ...] = (),
    json_body: Any = None,
    check_writes: bool = False,
    allow_full: bool = False,
) -> tuple[int, str | None]:
    """Make one request and check what came back. Returns (status, text)."""
    from yanglao.core.models import AuditEvent, Outcome

    params = params or {}
    writes_before = (
        AuditEvent.objects.exclude(outcome=Outcome.DENIED).count() if check_writes else 0
    )
    if method == "GET":
        response = walker.client.get(url, params)
    elif json_body is not None:
        response = walker.client.generic(
            method, url, json.dumps(json_body), content_type="application/json"
        )
    else:
        response = walker.client.post(url, params)
    walker.requests += 1
    shown = url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    status = response.status_code
    if status >= 500:
        walker.problems.append(Problem(walker.label, "server error", shown, str(status)))
        return status, None
    if check_writes:
        written = AuditEvent.objects.exclude(outcome=Outcome.DENIED).count() - writes_before
        if written:
            events = list(
                AuditEvent.objects.exclude(outcome=Outcome.DENIED)
                .order_by("-pk")
                .values_list("action", flat=True)[:written]
            )
            walker.problems.append(
                Problem(walker.label, "wrote another place's data", f"{method} {shown}", events)
            )
    text = response_text(response)
    if text is None:
        return status, None
    sent = {*echo, *(str(v) for v in params.values())}
    # What the walker typed comes back (a search box, "no file for 1411…"); so may its mask.
    sent |= {mask_id_number(v) for v in sent if ID_RE.fullmatch(v)}
    sent |= {mask_phone(v) for v in sent if PHONE_RE.fullmatch(v)}
    for value in sorted(sent, key=len, reverse=True):
        if value:
            text = text.replace(value, "")
    leaked = sorted({key for key, marker in walker.markers() if marker in text})
    if leaked:
        sample = next(m for k, m in walker.markers() if m in text)
        at = text.find(sample)
        walker.problems.append(
            Problem(
                walker.label,
                f"leak of {','.join(leaked)}",
                f"{method} {shown} [{status}]",
                repr(text[max(0, at - 60) : at + 60]),
            )
        )
    full = full_values(text) if not (walker.sees_full_values or allow_full) else []
    if full:
        walker.problems.append(
            Problem(walker.label, "full ID/phone shown", f"{method} {shown}", full[:3])
        )
    return status, text


def variants(
    html: str, searches: list[str], codes: list[str], villages: list[str]
) -> Iterator[dict[str, str]]:
    """Query strings to try on a page that answered ``html``: its search box filled with
    each value in ``searches``, each region filter it has set to each of ``codes`` (or
    ``villages``), and the export of the list, of a search and of each filter (when the
    page offers an export)."""
    names = form_names(html)
    exports = "export=xlsx" in html
    if exports:
        yield {"export": "xlsx"}
    for name in SEARCH_NAMES:
        if name in names:
            for n, value in enumerate(searches):
                yield {name: value}
                if exports and n == 0:
                    yield {name: value, "export": "xlsx"}
    for name in REGION_NAMES:
        if name in names:
            for code in villages if name in VILLAGE_NAMES else codes:
                yield {name: code}
                if exports:
                    yield {name: code, "export": "xlsx"}
