"""yanglao backup / restore: a populated database round-trips exactly, table by table; a
damaged file, a wrong key or a different schema is refused and changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from yanglao.core.models import AuditEvent
from yanglao.ops import backup


def _populate() -> None:
    """Demo data through the apps' own services, across several apps (people, elders,
    accounts, facilities, the grants, donations and time-bank ledgers, the audit trail)."""
    from decimal import Decimal

    from yanglao.accounts.models import User
    from yanglao.demo.community_donations import load_donations
    from yanglao.demo.elders import load_elders
    from yanglao.demo.facilities import load_facilities
    from yanglao.demo.funding import load_demo as load_funding
    from yanglao.demo.sanming import load_demo as load_sanming
    from yanglao.demo.users import load_users
    from yanglao.elders.models import Elder
    from yanglao.regions.models import Region
    from yanglao.timebank import services as timebank
    from yanglao.visits import pairing

    load_users()
    load_elders()
    load_facilities()
    load_sanming()
    load_funding()
    load_donations()
    county = User.objects.get(username="zy_county")
    village = Region.objects.get(code="141129101201")
    visitor = pairing.visitor_register(
        actor=county, name="李春梅", phone="13800001111", kind="volunteer", region_code=village.code
    )
    for n in range(3):
        timebank.earn(
            person=visitor.person,
            hours=Decimal("1.5"),
            item_code="",
            region=village,
            reference=f"backup-test:{n}",
            actor=county,
        )
    assert Elder.objects.count() > 20


def _tables() -> list[tuple[str, str]]:
    """(table, primary-key column) of every model, the auto-created many-to-many too."""
    seen, tables = set(), []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed or model._meta.db_table in seen:
            continue
        seen.add(model._meta.db_table)
        tables.append((model._meta.db_table, model._meta.pk.column))
    return sorted(tables)


def _snapshot() -> dict[str, list[tuple]]:
    rows = {}
    with connection.cursor() as cursor:
        for table, pk in _tables():
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY "{pk}"')
            rows[table] = [tuple(row) for row in cursor.fetchall()]
    return rows


def _mess_up() -> None:
    """Lose and change data the way an accident would (rows of several apps)."""
    from yanglao.elders.models import Contact, Elder
    from yanglao.people.models import Person

    Contact.objects.all().delete()
    Person.objects.filter(pk__in=Elder.objects.values("pk")[:5]).update(name="改坏了")
    Elder.objects.update(note="改坏了")
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM auth_permission WHERE id IN "
            "(SELECT id FROM auth_permission ORDER BY id DESC LIMIT 10)"
        )
    AuditEvent.objects.create(action="test.noise", outcome="success")


def _round_trip(tmp_path: Path) -> None:
    _populate()
    before = _snapshot()
    assert sum(len(v) for v in before.values()) > 45000
    assert len([t for t, rows in before.items() if rows]) >= 20
    path = tmp_path / "yanglao.backup"
    call_command("backup", out=str(path))
    assert path.read_bytes().startswith(backup.MAGIC)
    from yanglao.elders.models import Elder

    sealed = path.read_bytes()
    assert b"SQLite format 3" not in sealed and b"COPY" not in sealed
    some_name = Elder.objects.select_related("person").first().person.name
    assert some_name.encode() not in sealed  # nothing readable in the file
    _mess_up()
    assert _snapshot() != before
    call_command("restore", str(path), yes=True)
    after = _snapshot()
    restored = [r for r in AuditEvent.objects.filter(action="ops.restore")]
    assert len(restored) == 1
    audit_table = AuditEvent._meta.db_table
    after[audit_table] = [row for row in after[audit_table] if row[0] != restored[0].pk]
    assert set(after) == set(before)
    for table in before:
        assert after[table] == before[table], table


@pytest.mark.django_db
def test_a_populated_sqlite_database_round_trips_table_by_table(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant (the PostgreSQL one is test_..._postgresql)")
    _round_trip(tmp_path)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_populated_postgresql_database_round_trips_table_by_table(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (CI's second pass)")
    _round_trip(tmp_path)
    with connection.cursor() as cursor:
        # the append-only triggers are back on after the restore
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%%_append_only' AND tgenabled = 'O'"
        )
        assert cursor.fetchone()[0] >= 2


def _small_backup(tmp_path: Path) -> Path:
    from yanglao.demo.users import load_users

    load_users()
    path = tmp_path / "small.backup"
    call_command("backup", out=str(path))
    return path


def _user_count() -> int:
    from yanglao.accounts.models import User

    return User.objects.count()


@pytest.mark.django_db
def test_a_damaged_backup_is_refused_and_nothing_changes(tmp_path):
    path = _small_backup(tmp_path)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0x01
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(bytes(data))
    users, events = _user_count(), AuditEvent.objects.count()
    with pytest.raises(CommandError, match="校验和"):
        call_command("restore", str(damaged), yes=True)
    with pytest.raises(CommandError, match="校验和"):
        call_command("restore", str(damaged))
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(CommandError, match=r"截断|校验和"):
        call_command("restore", str(truncated), yes=True)
    assert _user_count() == users and AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_changed_header_or_reordered_chunks_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "CHUNK_SIZE", 4096)
    path = _small_backup(tmp_path)
    raw = path.read_bytes()
    magic, rest = raw[: len(backup.MAGIC)], raw[len(backup.MAGIC) :]
    header_line, cipher = rest.split(b"\n", 1)
    # edit a field of the header (the checksum of the ciphertext still matches)
    forged = header_line.replace(b'"engine": "', b'"engine": "x', 1)
    (tmp_path / "forged.backup").write_bytes(magic + forged + b"\n" + cipher)
    with pytest.raises(CommandError):
        call_command("restore", str(tmp_path / "forged.backup"), yes=True)
    # swap the first two chunks and fix the ciphertext checksum: the tags catch it
    import hashlib
    import json
    import struct

    frames, at = [], 0
    while at < len(cipher):
        (size,) = struct.unpack(">I", cipher[at : at + 4])
        frames.append(cipher[at : at + 4 + size])
        at += 4 + size
    assert len(frames) > 2
    swapped = b"".join([frames[1], frames[0], *frames[2:]])
    header = json.loads(header_line)
    header["cipher_sha256"] = hashlib.sha256(swapped).hexdigest()
    (tmp_path / "swapped.backup").write_bytes(magic + json.dumps(header).encode() + b"\n" + swapped)
    with pytest.raises(CommandError, match="无法解密"):
        call_command("restore", str(tmp_path / "swapped.backup"), yes=True)


@pytest.mark.django_db
def test_a_backup_made_with_another_key_is_refused(tmp_path, settings):
    path = _small_backup(tmp_path)
    settings.BACKUP_KEY = b"\x01" * 32
    with pytest.raises(CommandError, match="密钥不符"):
        call_command("restore", str(path), yes=True)


@pytest.mark.django_db
def test_production_refuses_to_back_up_without_a_key(tmp_path, settings):
    settings.PRODUCTION = True
    settings.BACKUP_KEY = None
    with pytest.raises(CommandError, match="YANGLAO_BACKUP_KEY"):
        call_command("backup", out=str(tmp_path / "x.backup"))
    assert not (tmp_path / "x.backup").exists()
    settings.BACKUP_KEY = b"\x02" * 32
    call_command("backup", out=str(tmp_path / "x.backup"))
    assert (tmp_path / "x.backup").exists()


@pytest.mark.django_db
def test_an_existing_file_is_not_overwritten_without_force(tmp_path):
    target = tmp_path / "exists.backup"
    target.write_text("keep me")
    with pytest.raises(CommandError, match="--force"):
        call_command("backup", out=str(target))
    assert target.read_text() == "keep me"


def test_the_sqlite_backup_api_path_round_trips_a_database_file(tmp_path, settings):
    """Outside a transaction the copy is made with sqlite3's backup API (what the command
    does on a live SQLite database); a restore into a second file brings every row back."""
    source_path, target_path = tmp_path / "live.sqlite3", tmp_path / "other.sqlite3"
    schema = (
        "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, blob BLOB, n REAL);"
        "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id) "
        "DEFERRABLE INITIALLY DEFERRED, note TEXT);"
        "CREATE INDEX b_a ON b(a_id);"
    )
    for path in (source_path, target_path):
        db = sqlite3.connect(path)
        db.executescript(schema)
        db.close()
    live = sqlite3.connect(source_path)
    live.executemany(
        "INSERT INTO a (name, blob, n) VALUES (?, ?, ?)",
        [(f"张{i}", bytes([i % 256]) * 3, i / 7) for i in range(500)],
    )
    live.executemany("INSERT INTO b (a_id, note) VALUES (?, ?)", [(i, None) for i in range(1, 300)])
    live.commit()
    live.close()
    other = sqlite3.connect(target_path)
    other.execute("INSERT INTO a (name) VALUES ('只在目标库')")
    other.commit()
    other.close()

    class Wrapper:  # the part of a Django connection the module uses
        vendor = "sqlite"
        in_atomic_block = False

        def __init__(self, path):
            self.connection = sqlite3.connect(path, isolation_level=None)
            self.alias = "x"

        def ensure_connection(self):
            pass

    out = tmp_path / "api.backup"
    result = backup.make_backup(Wrapper(source_path), out)
    assert result.counts == {"a": 500, "b": 299}
    with backup.tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain"
        backup.open_backup(out, plain)
        target = sqlite3.connect(target_path, isolation_level=None)
        target.execute("BEGIN IMMEDIATE")
        assert backup.sqlite_replace(target, plain) == {"a": 500, "b": 299}
        target.execute("COMMIT")
    src = sqlite3.connect(source_path)
    for table in ("a", "b"):
        assert (
            src.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            == target.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
        )


@pytest.mark.django_db
def test_a_backup_of_another_schema_is_refused(tmp_path):
    path = _small_backup(tmp_path)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE ops_test_extra (id integer primary key)")
    users = _user_count()
    with pytest.raises(CommandError, match="结构与备份不一致"):
        call_command("restore", str(path), yes=True)
    assert _user_count() == users
