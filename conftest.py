"""Test fixtures shared by every app.

The test database holds the real national region tree (44,700 regions), the demo
villages of the seed places and the shipped policy packs, loaded once per session.
Users come in threes (Healthchecks' alice/bob/charlie): one inside a region, one in a
sibling region, one above.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.conf import settings

    from yanglao.demo.regions import load_villages
    from yanglao.policy.loader import load_packs
    from yanglao.regions.importer import import_national

    with django_db_blocker.unblock():
        import_national(settings.REGION_DATA_DIR)
        load_villages()
        load_packs()


PASSWORD = "Test-Passw0rd!x"


@pytest.fixture
def make_user(db):
    from yanglao.accounts import services

    counter = {"n": 0}

    def make(
        role: str = "county_admin", region: str = "141129", username: str | None = None, **extra
    ):
        counter["n"] += 1
        name = username or f"{role}_{region}_{counter['n']}"
        user, _password = services.user_create(
            actor=None, username=name, region_code=region, role=role, password=PASSWORD, **extra
        )
        return user

    return make


@dataclass
class ScopeUsers:
    inside: object
    sibling: object
    above: object


@pytest.fixture
def scope_users(make_user):
    """For a region (中阳县 by default): a user inside, one in a sibling county, one above."""

    def make(
        role: str = "county_admin",
        region: str = "141129",
        sibling: str = "141125",
        above: str = "14",
        above_role: str = "city_admin",
    ) -> ScopeUsers:
        return ScopeUsers(
            inside=make_user(role, region),
            sibling=make_user(role, sibling),
            above=make_user(above_role, above),
        )

    return make


@pytest.fixture
def county(make_user):
    """alice: county officer of 中阳县."""
    return make_user("county_admin", "141129", username="alice")


@pytest.fixture
def token_for(db):
    from yanglao.accounts import services

    def issue(user, days: int = 90) -> str:
        _token, raw = services.token_issue(actor=None, user=user, days=days)
        return raw

    return issue


@pytest.fixture
def api(client, token_for):
    """A client that calls the API as a user with a bearer token."""

    class Api:
        def __init__(self):
            self.headers = {}

        def as_user(self, user):
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(user)}"}
            return self

        def get(self, path, **kw):
            return client.get(path, **self.headers, **kw)

        def post(self, path, data=None, **kw):
            return client.post(
                path, data=data, content_type="application/json", **self.headers, **kw
            )

        def put(self, path, data=None, **kw):
            return client.put(
                path, data=data, content_type="application/json", **self.headers, **kw
            )

        def patch(self, path, data=None, **kw):
            return client.patch(
                path, data=data, content_type="application/json", **self.headers, **kw
            )

    return Api()
