"""Masks, field encryption with a keyed index, exports, idempotency, the append-only audit."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.db import connection
from django.test import override_settings
from openpyxl import load_workbook

from yanglao.core import crypto
from yanglao.core.exports import Column, build_xlsx, neutralise
from yanglao.core.masking import mask_id_number, mask_name, mask_phone
from yanglao.core.models import AppendOnlyError, AuditEvent


def test_masks():
    assert mask_id_number("141129194501011234") == "141129********1234"
    assert mask_id_number("14112919450101123X") == "141129********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("03584123") == "******23"
    assert mask_name("张三丰") == "张**"
    assert mask_id_number("") == "" and mask_phone(None) == ""


def test_encryption_round_trips_and_is_randomised():
    a = crypto.encrypt("141129194501011234", context="id_number")
    b = crypto.encrypt("141129194501011234", context="id_number")
    assert a != b and "141129" not in a
    assert crypto.decrypt(a, context="id_number") == "141129194501011234"


def test_the_context_binds_a_ciphertext_to_its_field():
    token = crypto.encrypt("secret", context="id_number")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, context="phone")


def test_a_tampered_ciphertext_is_refused():
    token = crypto.encrypt("secret")
    key_id, payload = token.split(":")
    tampered = f"{key_id}:{payload[:-4]}AAAA"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered)


def test_the_index_is_keyed_and_namespaced():
    import hashlib

    value = "141129194501011234"
    index = crypto.blind_index(value, purpose="id_number")
    assert index == crypto.blind_index(value, purpose="id_number")
    assert index != crypto.blind_index(value, purpose="phone")
    assert index != hashlib.sha256(value.encode()).hexdigest()
    with override_settings(INDEX_KEY=b"k" * 32):
        assert crypto.blind_index(value, purpose="id_number") != index


def test_keys_rotate_old_ciphertexts_still_open():
    from django.conf import settings

    old = crypto.encrypt("x")
    keys = {"k2": b"n" * 32, **settings.FIELD_KEYS}
    with override_settings(FIELD_KEYS=keys, FIELD_KEY_CURRENT="k2"):
        new = crypto.encrypt("x")
        assert new.startswith("k2:")
        assert crypto.decrypt(old) == "x" and crypto.decrypt(new) == "x"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_are_neutralised(text):
    assert neutralise(text) == "'" + text


def test_safe_cells_are_kept():
    assert neutralise("张三") == "张三" and neutralise(-5) == -5 and neutralise(None) == ""


def test_an_export_writes_the_filters_and_no_formula():
    content, count = build_xlsx(
        title="名单",
        columns=[Column("姓名", lambda r: r)],
        rows=['=HYPERLINK("x")', "李四"],
        filters={"区划": "141129"},
    )
    assert count == 2
    sheet = load_workbook(BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "141129" in rows[0][0] and rows[1] == ("姓名",)
    assert rows[2][0] == '\'=HYPERLINK("x")'
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_audit_rows_cannot_be_changed_or_deleted(db):
    event = AuditEvent.objects.create(action="t", outcome="success")
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_of_audit_rows(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): the trigger exists only there")
    from django.db import DatabaseError, transaction

    AuditEvent.objects.create(action="t", outcome="success")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(action="t").update(action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(action="t").delete()


def test_a_retry_with_the_same_idempotency_key_writes_once(api, make_user):
    from yanglao.accounts.models import User

    officer = make_user("county_admin", "141129")
    api.as_user(officer)
    body = {"username": "retry1", "region": "141129101201", "role": "visitor"}
    first = api.post("/api/v1/users", body, HTTP_IDEMPOTENCY_KEY="abc-1")
    second = api.post("/api/v1/users", body, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and second["Idempotent-Replayed"] == "true"
    assert User.objects.filter(username="retry1").count() == 1
    other = api.post("/api/v1/users", {**body, "username": "retry2"}, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_a_failed_write_can_be_retried_with_its_key(api, make_user):
    officer = make_user("county_admin", "141129")
    api.as_user(officer)
    bad = api.post(
        "/api/v1/users",
        {"username": "r3", "region": "141125", "role": "visitor"},
        HTTP_IDEMPOTENCY_KEY="k2",
    )
    assert bad.status_code == 422
    again = api.post(
        "/api/v1/users",
        {"username": "r3", "region": "141125", "role": "visitor"},
        HTTP_IDEMPOTENCY_KEY="k2",
    )
    assert again.status_code == 422
