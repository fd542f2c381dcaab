"""Login security (等保 level 3): lockout, timeouts, new sessions, disabling, TOTP."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from yanglao.accounts import services
from yanglao.accounts.middleware import LOGIN_AT, SEEN_AT
from yanglao.core.models import AuditEvent

LOGIN = "/accounts/login/"


def login(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_a_right_password_logs_in_and_is_audited(client, county):
    response = login(client, "alice")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:workbench")
    assert AuditEvent.objects.filter(actor=county, action="login").exists()


def test_a_wrong_password_is_refused_in_chinese_and_audited(client, county):
    response = login(client, "alice", "wrong")
    assert response.status_code == 200
    assert "账号或密码不正确" in response.content.decode()
    event = AuditEvent.objects.get(action="login.failed")
    assert event.actor_username == "alice" and event.outcome == "failed"
    assert event.region_code == "141129"


def test_five_failures_lock_the_account_for_thirty_minutes(client, county):
    for _ in range(5):
        login(client, "alice", "wrong")
    response = login(client, "alice")  # the right password no longer helps
    assert response.status_code == 403
    assert "锁定 30 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login.locked", actor_username="alice").exists()
    # Thirty minutes later the lock has passed.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert login(client, "alice").status_code == 302


def test_four_failures_do_not_lock(client, county):
    for _ in range(4):
        login(client, "alice", "wrong")
    assert login(client, "alice").status_code == 302


def test_a_guard_can_unlock_early(client, county, make_user):
    for _ in range(5):
        login(client, "alice", "wrong")
    guard = make_user("security_admin", "14")
    services.user_unlock(actor=guard, user=county)
    assert login(client, "alice").status_code == 302


def test_login_starts_a_new_session(client, county):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    login(client, "alice")
    assert client.session.session_key != before


def _age_session(client, **seconds):
    session = client.session
    for key, age in seconds.items():
        session[key] = time.time() - age
    session.save()


def test_fifteen_idle_minutes_end_the_session(client, county):
    login(client, "alice")
    assert client.get("/workbench/").status_code == 200
    _age_session(client, **{SEEN_AT: 14 * 60})
    assert client.get("/workbench/").status_code == 200  # 14 minutes: still in
    _age_session(client, **{SEEN_AT: 15 * 60 + 5})
    response = client.get("/workbench/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get("/workbench/").status_code == 302
    assert AuditEvent.objects.filter(action="session.expired", detail__reason="idle").exists()


def test_eight_hours_end_the_session_however_busy(client, county):
    login(client, "alice")
    _age_session(client, **{LOGIN_AT: 8 * 3600 + 5, SEEN_AT: 10})
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="session.expired", detail__reason="absolute").exists()


def test_an_idle_session_gets_a_401_body_from_the_api(client, county):
    login(client, "alice")
    _age_session(client, **{SEEN_AT: 16 * 60})
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_disabling_a_user_ends_all_their_sessions_and_tokens(
    client, county, make_user, api, token_for
):
    from django.test import Client

    second = Client()
    login(client, "alice")
    login(second, "alice")
    raw = token_for(county)
    admin = make_user("city_admin", "1411")
    services.user_set_active(actor=admin, user=county, active=False)
    for c in (client, second):
        assert c.get("/workbench/").status_code == 302
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert login(client, "alice").status_code == 200  # refused


@override_settings(YANGLAO_REQUIRE_2FA=True)
def test_administrators_must_verify_a_totp_when_required(client, county, make_user):
    login(client, "alice")
    response = client.get("/workbench/")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:otp_verify")
    assert client.get("/api/v1/me").json()["error"]["code"] == "otp_required"
    # Verification without a device sends the user to enrolment.
    assert client.get(reverse("accounts:otp_verify"))["Location"] == reverse("accounts:otp_setup")
    # A field worker is not an administrator.
    make_user("visitor", "141129101201", username="walker")
    other = type(client)()
    login(other, "walker")
    assert other.get("/workbench/").status_code == 200


@override_settings(YANGLAO_REQUIRE_2FA=True)
def test_a_totp_enrolment_and_verification_let_the_administrator_in(client, county):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    login(client, "alice")
    assert client.get(reverse("accounts:otp_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=county)
    assert client.post(reverse("accounts:otp_setup"), {"token": "000000"}).status_code == 200
    # django-otp throttles after a failure; let the back-off pass.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    token = f"{totp(device.bin_key):06d}"
    assert client.post(reverse("accounts:otp_setup"), {"token": token}).status_code == 302
    assert client.get("/workbench/").status_code == 200


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short1A!", True),
        ("Sh0rt!", False),
        ("alllowercase1", False),
        ("password123", False),
        ("Qwmz7Lpx", True),
        ("zhangsan!9", True),
        ("12345678", False),
    ],
)
def test_password_rules(make_user, password, ok):
    from yanglao.core.errors import ValidationFailed

    if ok:
        services.user_create(
            actor=None,
            username=f"p{abs(hash(password))}",
            region_code="141129",
            role="visitor",
            password=password,
        )
    else:
        with pytest.raises(ValidationFailed) as info:
            services.user_create(
                actor=None,
                username=f"p{abs(hash(password))}",
                region_code="141129",
                role="visitor",
                password=password,
            )
        assert "password" in info.value.fields


def test_a_locked_account_shows_on_the_list_and_the_file(client, county, make_user):
    for _ in range(5):
        login(client, "alice", "wrong")
    admin = make_user("city_admin", "1411")
    other = type(client)()
    other.force_login(admin)
    listing = other.get("/accounts/users/", {"active": "locked"}).content.decode()
    assert "alice" in listing
    page = other.get(f"/accounts/users/{county.pk}/").content.decode()
    assert "已锁定" in page and "解除锁定" in page


def test_a_short_password_is_explained_in_chinese(make_user):
    from yanglao.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as info:
        services.user_create(
            actor=None, username="shorty", region_code="141129", role="visitor", password="Ab1!"
        )
    assert "密码太短，至少需要 8 个字符" in info.value.fields["password"]
