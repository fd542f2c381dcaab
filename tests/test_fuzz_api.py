"""Bad input over the whole API: Schemathesis generates requests from the OpenAPI.

``test_the_api_survives_fuzzing`` sends 100 generated requests per operation (valid
and invalid data, Hypothesis), as a county officer of 中阳县 with a bearer token,
to the Django app in-process (no server), and checks every answer: no 5xx, the status
is one the operation declares, the content type and the body conform to the declared
schema (the one error body for every 4xx). Not checked: that every schema-violating
request is refused (pydantic's lax mode takes ``0`` for a date or a boolean). It is
marked ``slow``: it runs in the SQLite pass of CI (``make test``), not in the
PostgreSQL pass. ``YANGLAO_FUZZ_PATHS=<regex>`` fuzzes only the paths it matches, with
the schema's examples and Schemathesis' boundary cases as well.

``test_every_operation_refuses_an_anonymous_caller`` asks every operation once without
credentials (and with a forged token): 401 with the error body, except the operations
listed in ``PUBLIC``, which must be exactly those the OpenAPI marks as needing no auth.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
import schemathesis
from django.test.client import ClientHandler
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from yanglao.api import api

# Operations anyone may call, each with why (a signature, a token in the path, a public
# notice). Everything else must answer 401 to a caller without credentials.
PUBLIC = {
    ("POST", "/api/v1/devices/readings"): "signed by the device (X-Signature)",
    ("POST", "/api/v1/services/survey/{token}"): "the signed survey link is the credential",
    ("GET", "/api/v1/community/donations/disclosure/{village_code}"): "public notice (公示)",
    ("GET", "/api/v1/reports/policies/{region_code}"): "the public policy compilation (政策汇编)",
    ("GET", "/api/v1/privacy/notice"): "the privacy notice (告知书) is for everyone to read",
}
EXAMPLES = 100


class InProcessApp:
    """A WSGI app over Django's test handler: no server, and the test's database
    connection (and its transaction) stays open between requests."""

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=True)

    def __call__(self, environ, start_response):
        response = self.handler(environ)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = list(response.items())
        headers += [("Set-Cookie", c.output(header="").strip()) for c in response.cookies.values()]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [body]


schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = InProcessApp()
# Generated cases only in CI: the schema's examples and Schemathesis' coverage cases
# (boundary values) double the time; they are added when fuzzing a few paths by hand.
PHASES = [Phase.generate]
if os.environ.get("YANGLAO_FUZZ_PATHS"):  # a regex: fuzz only the paths it matches
    schema = schema.include(path_regex=os.environ["YANGLAO_FUZZ_PATHS"])
    PHASES = [Phase.explicit, Phase.generate]


@pytest.fixture
def officer_token(make_user, token_for):
    return token_for(make_user("county_admin", "141129", username="fuzz_officer"))


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=PHASES,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_survives_fuzzing(case, officer_token, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = case.call(headers={"Authorization": f"Bearer {officer_token}"})
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


def _operations():
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, spec in methods.items():
            yield method.upper(), path, spec


def _example_url(path: str, spec: dict) -> str:
    params = spec.get("parameters", [])
    kinds = {p["name"]: p.get("schema", {}) for p in params if p["in"] == "path"}

    def value(match: re.Match) -> str:
        kind = kinds.get(match.group(1), {})
        if kind.get("type") == "integer":
            return "1"
        if kind.get("format") == "uuid":
            return str(uuid.uuid4())
        return "141129"

    return re.sub(r"\{(\w+)\}", value, path)


def test_the_public_operations_are_the_ones_the_schema_leaves_open():
    open_ones = {(m, p) for m, p, spec in _operations() if not spec.get("security")}
    assert open_ones == set(PUBLIC), (
        "an operation without authentication must be listed (with why) in PUBLIC: "
        f"{sorted(open_ones ^ set(PUBLIC))}"
    )


@pytest.mark.django_db
def test_every_operation_refuses_an_anonymous_caller(client):
    refused = []
    for method, path, spec in _operations():
        if (method, path) in PUBLIC:
            continue
        url = _example_url(path, spec)
        for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer yl_forged"}):
            response = client.generic(method, url, b"{}", "application/json", **headers)
            is_json = response["Content-Type"].startswith("application/json")
            body = response.json() if is_json else {}
            if response.status_code != 401 or body.get("error", {}).get("code") != (
                "not_authenticated"
            ):
                refused.append(f"{method} {url} {headers or ''}: {response.status_code}")
    assert not refused, "these answer a caller without valid credentials:\n" + "\n".join(refused)


def test_every_operation_declares_the_error_body():
    """401, 403, 404 and 422 can come from any operation (authentication, role, scope,
    validation): each must declare them, with the one error body (core/apischema.ERRORS)."""
    schema_ = api.get_openapi_schema()
    missing = []
    for method, path, spec in _operations():
        needed = ("404", "422") if (method, path) in PUBLIC else ("401", "403", "404", "422")
        keys = [str(k) for k in spec.get("responses", {})]
        if len(keys) != len(set(keys)):  # openapi_extra keyed "200" beside Ninja's 200
            missing.append(f"{method} {path}: a status declared twice (int and str)")
        responses = {str(k): v for k, v in spec.get("responses", {}).items()}
        for status in needed:
            body = responses.get(status, {})
            ref = body.get("content", {}).get("application/json", {}).get("schema", {})
            if ref.get("$ref") != "#/components/schemas/ErrorBody":
                missing.append(f"{method} {path}: {status}")
    assert "ErrorBody" in schema_["components"]["schemas"]
    assert not missing, "add **ERRORS to the response of:\n" + "\n".join(missing)


def test_no_two_schemas_share_a_name():
    """Ninja files every schema under its class name: two routers' ``MeOut`` would
    silently become one (the last wins), and the docs and the checks above would lie."""
    import json

    from ninja.openapi import schema as ninja_schema

    seen: dict[str, set[str]] = {}
    original = ninja_schema.OpenAPISchema.add_schema_definitions

    def record(self, definitions):
        for name, definition in definitions.items():
            seen.setdefault(name, set()).add(json.dumps(definition, sort_keys=True))
        return original(self, definitions)

    ninja_schema.OpenAPISchema.add_schema_definitions = record
    try:
        api.get_openapi_schema()
    finally:
        ninja_schema.OpenAPISchema.add_schema_definitions = original
    shared = sorted(name for name, versions in seen.items() if len(versions) > 1)
    assert not shared, f"rename one of each pair of these schema classes: {shared}"
