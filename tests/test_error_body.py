"""Every error, CSRF and authentication failures included, has one body."""

from __future__ import annotations

import json

import pytest


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_401_without_credentials(client, db):
    error = assert_error(client.get("/api/v1/me"), 401, "not_authenticated")
    assert "登录" in error["message"]


def test_401_with_a_bad_token(client, db):
    assert_error(client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer yl_nope"), 401)


def test_403_when_the_role_may_not(api, make_user):
    villager = make_user("village_officer", "141129101201")
    error = assert_error(
        api.as_user(villager).post(
            "/api/v1/users", {"username": "x1", "region": "141129101201", "role": "visitor"}
        ),
        403,
        "forbidden",
    )
    assert "角色" in error["message"]


def test_404_outside_scope_and_for_unknown_things(api, county):
    api.as_user(county)
    assert_error(api.get("/api/v1/regions/141125"), 404, "not_found")
    assert_error(api.get("/api/v1/regions/999999"), 404, "not_found")
    assert_error(api.get("/api/v1/users/999999"), 404, "not_found")


def test_404_for_an_unknown_api_path(client, db):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_409_for_a_duplicate_username(api, county):
    api.as_user(county)
    body = {"username": "wang01", "region": "141129101201", "role": "visitor"}
    assert api.post("/api/v1/users", body).status_code == 201
    error = assert_error(api.post("/api/v1/users", body), 409, "username_taken")
    assert "username" in error["fields"]


def test_422_names_the_field_and_the_reason(api, county):
    api.as_user(county)
    error = assert_error(
        api.post("/api/v1/users", {"username": "a", "role": "nope"}), 422, "validation_failed"
    )
    assert "region" in error["fields"] and "role" in error["fields"]
    assert error["fields"]["region"] == ["必填"]


def test_422_for_a_page_size_over_200(api, county):
    error = assert_error(api.as_user(county).get("/api/v1/users", data={"page_size": 201}), 422)
    assert error["fields"]["page_size"] == ["不能大于 200"]


def test_422_for_a_body_that_is_not_json(client, county, token_for):
    response = client.post(
        "/api/v1/users",
        data="{nope",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for(county)}",
    )
    assert_error(response, 422)


def test_422_for_a_weak_password(api, county):
    error = assert_error(
        api.as_user(county).post(
            "/api/v1/users",
            {"username": "weak1", "region": "141129", "role": "visitor", "password": "password"},
        ),
        422,
    )
    assert "password" in error["fields"]


def test_403_csrf_for_a_session_write_without_the_token(county, db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(county)
    response = client.post(
        "/api/v1/users",
        data=json.dumps({"username": "c1", "region": "141129", "role": "visitor"}),
        content_type="application/json",
    )
    assert_error(response, 403, "csrf_failed")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/regions/141129/children?page=0", "/api/v1/policy/rules?region=141129&on=2021-13-01"],
)
def test_422_for_bad_query_values(api, county, path):
    assert_error(api.as_user(county).get(path), 422)


def test_a_refused_action_is_audited(api, make_user):
    from yanglao.core.models import AuditEvent

    villager = make_user("village_officer", "141129101201")
    api.as_user(villager).post(
        "/api/v1/users", {"username": "x2", "region": "141129101201", "role": "visitor"}
    )
    event = AuditEvent.objects.get(actor=villager, action="access.forbidden")
    assert event.outcome == "denied" and event.detail["path"] == "/api/v1/users"


def test_a_refused_page_is_audited(client, make_user):
    from yanglao.core.models import AuditEvent

    visitor = make_user("visitor", "141129101201")
    client.force_login(visitor)
    assert client.get("/accounts/users/").status_code == 403
    assert AuditEvent.objects.filter(actor=visitor, action="access.forbidden").exists()
