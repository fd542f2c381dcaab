"""The demo grants: spending in and out of the allowed uses, one missed county match."""

from __future__ import annotations

import pytest

from yanglao.funding import chain, selectors


@pytest.mark.django_db
def test_the_demo_ledger_has_its_flags_and_a_sound_chain():
    from yanglao.accounts.models import User
    from yanglao.demo.facilities import load_facilities
    from yanglao.demo.funding import load_demo
    from yanglao.demo.users import load_users

    load_users()
    load_facilities()
    assert load_demo() > 0
    assert load_demo() == 0  # idempotent
    officer = User.objects.get(username="cz_luzhou")
    states = selectors.grant_states(officer)
    assert any(s.match_missed for s in states)
    assert any(s.outside_uses for s in states)
    assert any(len(s.spending) > len(s.outside_uses) for s in states)  # allowed uses too
    assert chain.verify_chain() == []
    zhongyang = selectors.grant_states(User.objects.get(username="zy_county"))
    assert {s.kind for s in zhongyang} == {"construction_award", "operating_subsidy"}
