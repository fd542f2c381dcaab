"""User management: within one's own region only, and never granting above one's role."""

from __future__ import annotations

import pytest

from yanglao.accounts import selectors, services
from yanglao.accounts.models import User
from yanglao.accounts.roles import Role, grantable_roles
from yanglao.core.errors import Forbidden, NotFound, ValidationFailed
from yanglao.core.models import AuditEvent


def test_a_county_admin_creates_a_village_officer_in_their_county(make_user):
    admin = make_user("county_admin", "141129")
    user, password = services.user_create(
        actor=admin, username="cun01", region_code="141129101201", role=Role.VILLAGE_OFFICER
    )
    assert user.region_id == "141129101201" and len(password) >= 12
    event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert event.actor == admin and event.region_code == "141129101201"


def test_no_one_grants_a_role_above_their_own(make_user):
    township = make_user("township_officer", "141129101")
    with pytest.raises(Forbidden):
        services.user_create(
            actor=township, username="up1", region_code="141129101", role=Role.COUNTY_ADMIN
        )
    assert not User.objects.filter(username="up1").exists()


def test_no_one_creates_a_user_outside_their_region(make_user):
    admin = make_user("county_admin", "141129")
    with pytest.raises(ValidationFailed) as info:
        services.user_create(actor=admin, username="out1", region_code="141125", role=Role.VISITOR)
    assert "region" in info.value.fields


def test_roles_that_do_not_manage_users_cannot(make_user):
    for role, region in [
        ("village_officer", "141129101201"),
        ("visitor", "141129101201"),
        ("facility_operator", "141129100"),
        ("audit_admin", "14"),
    ]:
        actor = make_user(role, region)
        with pytest.raises(Forbidden):
            services.user_create(
                actor=actor, username=f"x_{role}", region_code=region, role=Role.VISITOR
            )


def test_the_security_roles_are_granted_only_from_the_command_line(make_user):
    sysadmin = make_user("system_admin", "14")
    assert Role.SECURITY_ADMIN not in grantable_roles(Role.SYSTEM_ADMIN)
    for role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.SYSTEM_ADMIN):
        with pytest.raises(Forbidden):
            services.user_create(actor=sysadmin, username=f"s_{role}", region_code="14", role=role)
    user, _ = services.user_create(
        actor=None, username="sec2", region_code="14", role=Role.SECURITY_ADMIN
    )
    assert user.role == Role.SECURITY_ADMIN


def test_an_admin_cannot_manage_a_user_of_a_higher_role_in_their_region(make_user):
    township = make_user("township_officer", "141129101")
    boss = make_user("county_admin", "141129101")  # a county admin placed lower, for the test
    with pytest.raises(Forbidden):
        services.user_set_active(actor=township, user=boss, active=False)
    with pytest.raises(Forbidden):
        services.user_reset_password(actor=township, user=boss)
    assert User.objects.get(pk=boss.pk).is_active


def test_an_admin_cannot_reach_a_user_in_a_sibling_region(make_user, scope_users):
    users = scope_users()
    with pytest.raises(NotFound):
        selectors.user_get(users.inside, users.sibling.pk)
    with pytest.raises(NotFound):
        services.user_set_active(actor=users.inside, user=users.sibling, active=False)
    # The one above sees both.
    assert selectors.user_get(users.above, users.sibling.pk) == users.sibling


def test_an_admin_cannot_disable_themselves(make_user):
    admin = make_user("county_admin", "141129")
    with pytest.raises(Forbidden):
        services.user_set_active(actor=admin, user=admin, active=False)


def test_a_reset_password_ends_sessions_and_is_shown_once(client, make_user):
    admin = make_user("county_admin", "141129")
    target = make_user("visitor", "141129101201")
    client.force_login(admin)
    response = client.post(f"/accounts/users/{target.pk}/reset_password/", follow=True)
    page = response.content.decode()
    assert "新密码" in page and 'data-testid="new-password"' in page
    again = client.get(f"/accounts/users/{target.pk}/").content.decode()
    assert 'data-testid="new-password"' not in again


def test_the_users_page_lists_only_the_region_and_searches(client, scope_users):
    users = scope_users()
    client.force_login(users.inside)
    page = client.get("/accounts/users/").content.decode()
    assert users.inside.username in page and users.sibling.username not in page
    found = client.get("/accounts/users/", {"q": users.inside.username[:6]}).content.decode()
    assert users.inside.username in found


def test_the_create_form_explains_errors_in_chinese(client, make_user):
    admin = make_user("county_admin", "141129")
    client.force_login(admin)
    response = client.post(
        "/accounts/users/new/", {"username": "", "region": "141125", "role": "visitor"}
    )
    page = response.content.decode()
    assert (response.status_code == 200 and "必填" in page) or "这个字段是必填项" in page
    response = client.post(
        "/accounts/users/new/", {"username": "ok1", "region": "141125", "role": "visitor"}
    )
    assert "只能在本人管辖的区划内分配账号" in response.content.decode()
    response = client.post(
        "/accounts/users/new/", {"username": "ok1", "region": "141129", "role": "city_admin"}
    )
    assert response.status_code == 200  # city_admin is not offered to a county admin
    assert not User.objects.filter(username="ok1").exists()


def test_the_create_form_creates_and_shows_the_password_once(client, make_user):
    admin = make_user("county_admin", "141129")
    client.force_login(admin)
    response = client.post(
        "/accounts/users/new/",
        {"username": "ok2", "region": "141129101", "role": "township_officer", "full_name": "王五"},
        follow=True,
    )
    assert 'data-testid="new-password"' in response.content.decode()
    assert User.objects.get(username="ok2").region_id == "141129101"


def test_users_export_masks_phones_and_is_logged(client, make_user):
    from io import BytesIO

    from openpyxl import load_workbook

    from yanglao.core.models import AccessLog

    admin = make_user("county_admin", "141129")
    make_user("visitor", "141129101201", phone="13812345678", full_name="=cmd|' /C calc'!A0")
    client.force_login(admin)
    response = client.get("/accounts/users/", {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "138****5678" in values and "13812345678" not in values
    assert "'=cmd|' /C calc'!A0" in values
    assert AccessLog.objects.filter(actor=admin, kind="export").exists()
