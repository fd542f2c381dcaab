"""API tokens (hashed, expiring, revocable) and the account commands."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from yanglao.accounts import services
from yanglao.accounts.models import ApiToken, User


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_issue_token_prints_the_token_and_nothing_else(make_user, client):
    user = make_user("county_admin", "141129", username="zy")
    printed = run("issue_token", "zy")
    raw = printed.strip()
    assert printed == raw + "\n" and raw.startswith("yl_") and " " not in raw
    token = ApiToken.objects.get(user=user)
    assert token.key_hash != raw and raw not in token.key_hash
    assert (token.expires_at - timezone.now()).days in (89, 90)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["username"] == "zy"


def test_issue_token_days(make_user):
    make_user("visitor", "141129101201", username="v1")
    run("issue_token", "v1", "--days", "7")
    token = ApiToken.objects.get(user__username="v1")
    assert (token.expires_at - timezone.now()).days in (6, 7)


def test_an_expired_token_is_refused(make_user, client):
    user = make_user("county_admin", "141129")
    token, raw = services.token_issue(actor=None, user=user, days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_a_revoked_token_is_refused(make_user, client):
    make_user("county_admin", "141129", username="zy2")
    raw = run("issue_token", "zy2").strip()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert "revoked 1" in run("revoke_token", raw)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    with pytest.raises(CommandError):
        run("revoke_token", "yl_unknown")


def test_revoke_all_tokens_of_a_user(make_user):
    user = make_user("county_admin", "141129", username="zy3")
    for _ in range(3):
        services.token_issue(actor=None, user=user)
    assert "revoked 3" in run("revoke_token", "--user", "zy3")
    assert not any(t.is_active for t in ApiToken.objects.filter(user=user))


def test_a_guard_revokes_a_token_from_the_page(make_user, client):
    admin = make_user("county_admin", "141129")
    user = make_user("visitor", "141129101201")
    token, _raw = services.token_issue(actor=None, user=user)
    client.force_login(admin)
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_create_user_never_prompts_and_generates_a_password(db):
    printed = run("create_user", "newbie", "--region", "141129", "--role", "county_admin")
    assert "password: " in printed
    password = printed.split("password: ")[1].strip()
    user = User.objects.get(username="newbie")
    assert user.check_password(password) and user.role == "county_admin"


def test_create_user_updates_the_user_when_run_again(db):
    run(
        "create_user",
        "again",
        "--region",
        "141129",
        "--role",
        "county_admin",
        "--password",
        "First-Pass-1",
    )
    printed = run("create_user", "again", "--region", "141129101", "--role", "township_officer")
    assert "updated" in printed and "password unchanged" in printed
    user = User.objects.get(username="again")
    assert user.region_id == "141129101" and user.role == "township_officer"
    assert user.check_password("First-Pass-1")
    run(
        "create_user",
        "again",
        "--region",
        "141129101",
        "--role",
        "township_officer",
        "--password",
        "Second-Pass-2",
    )
    user.refresh_from_db()
    assert user.check_password("Second-Pass-2")
    assert User.objects.filter(username="again").count() == 1


def test_create_user_explains_a_bad_region(db):
    with pytest.raises(CommandError, match="区划代码 999 不存在"):
        run("create_user", "bad", "--region", "999", "--role", "visitor")
