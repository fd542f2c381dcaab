"""Encrypted, checksummed backups of the whole database (``yanglao backup`` / ``restore``).

What is backed up (the plaintext):

- SQLite: a SQLite database file. Made with the sqlite3 backup API (a consistent copy
  while others write); when the caller already holds a transaction on the connection
  (the API would wait for it forever) the schema and rows are copied inside that
  transaction instead, which is just as consistent.
- PostgreSQL: every table of the current schema as ``COPY … TO STDOUT`` text (exact for
  every column type) inside one REPEATABLE READ READ ONLY transaction, plus the values
  of the sequences. No ``pg_dump`` binary is needed, so client and server versions
  cannot disagree.

The file (format 1)::

    b"YANGLAO-BACKUP\\n"
    one line of JSON, the header: format, engine, created_at, key_id, nonce, chunk_size,
        plain_size, plain_sha256, cipher_sha256, tables {name: rows}
    the ciphertext: frames of a 4-byte big-endian length and one AES-GCM sealed chunk

Each chunk is sealed with the key, the nonce prefix and the chunk number, and
authenticated with a digest of the header (all of it but the ciphertext checksum) plus
the chunk number and a last-chunk flag: chunks cannot be reordered, dropped or
truncated, and the header cannot be edited, without the restore noticing.

A restore checks, before it changes anything: the magic and format, the key id, the
ciphertext checksum, every chunk's tag, the plaintext checksum, the engine, and that
the database has the same tables and columns as the backup (run ``migrate`` to the
same version first). Then it replaces every table's rows in one transaction: a failure
part-way rolls back and leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction

MAGIC = b"YANGLAO-BACKUP\n"
FORMAT = 1
CHUNK_SIZE = 4 * 1024 * 1024
TAG_SIZE = 16
MAX_HEADER = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (Chinese, for operators)."""


# ------------------------------------------------------------------------------ the key


def backup_key() -> tuple[str, bytes]:
    """(key id, key). ``YANGLAO_BACKUP_KEY`` (settings.BACKUP_KEY); required in production.
    Elsewhere a key is derived from the secret key, so a development backup restores on
    the same machine without any set-up."""
    key = getattr(settings, "BACKUP_KEY", None)
    if key is None:
        if settings.PRODUCTION:
            raise BackupError(
                "未设置 YANGLAO_BACKUP_KEY：生产环境必须提供备份密钥（32 字节，url-safe base64），"
                "并与数据库分开保管。"
            )
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"yanglao-backup", info=b"backup key v1"
        ).derive(settings.SECRET_KEY.encode("utf-8"))
    key_id = hashlib.sha256(b"yanglao-backup-key-id\x00" + key).hexdigest()[:16]
    return key_id, key


# --------------------------------------------------------------------- the file format


def _canonical(header: dict) -> bytes:
    sealed = {k: v for k, v in header.items() if k != "cipher_sha256"}
    return json.dumps(sealed, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _aad(header_digest: bytes, index: int, last: bool) -> bytes:
    return header_digest + struct.pack(">QB", index, 1 if last else 0)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def seal(plain: Path, out: Path, *, engine: str, tables: dict[str, int]) -> dict:
    """Encrypt the plaintext file into ``out`` (written next to it, then renamed)."""
    key_id, key = backup_key()
    plain_sha, plain_size = _sha256_file(plain)
    prefix = os.urandom(8)
    header = {
        "format": FORMAT,
        "engine": engine,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "key_id": key_id,
        "nonce": prefix.hex(),
        "chunk_size": CHUNK_SIZE,
        "plain_size": plain_size,
        "plain_sha256": plain_sha,
        "tables": tables,
    }
    digest = hashlib.sha256(_canonical(header)).digest()
    aes = AESGCM(key)
    out.parent.mkdir(parents=True, exist_ok=True)
    cipher_tmp = out.with_name(out.name + ".cipher.tmp")
    final_tmp = out.with_name(out.name + ".tmp")
    cipher_sha = hashlib.sha256()
    try:
        with plain.open("rb") as src, cipher_tmp.open("wb") as dst:
            count = max(1, -(-plain_size // CHUNK_SIZE))
            for index in range(count):
                chunk = src.read(CHUNK_SIZE)
                sealed = aes.encrypt(
                    _nonce(prefix, index), chunk, _aad(digest, index, index == count - 1)
                )
                frame = struct.pack(">I", len(sealed)) + sealed
                cipher_sha.update(frame)
                dst.write(frame)
        header["cipher_sha256"] = cipher_sha.hexdigest()
        fd = os.open(final_tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as dst, cipher_tmp.open("rb") as src:
            dst.write(MAGIC)
            dst.write(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")
            while block := src.read(1024 * 1024):
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(final_tmp, out)
    finally:
        for leftover in (cipher_tmp, final_tmp):
            leftover.unlink(missing_ok=True)
    return header


def read_header(handle: BinaryIO) -> dict:
    if handle.read(len(MAGIC)) != MAGIC:
        raise BackupError("不是养老平台的备份文件（文件头不对）。")
    line = handle.readline(MAX_HEADER)
    try:
        header = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError("备份文件已损坏：文件头无法读取。") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(
            f"备份文件格式版本 {header.get('format') if isinstance(header, dict) else '?'} "
            f"不受支持（本程序读取第 {FORMAT} 版）。"
        )
    for key in ("engine", "key_id", "nonce", "chunk_size", "plain_sha256", "cipher_sha256"):
        if key not in header:
            raise BackupError(f"备份文件已损坏：文件头缺少 {key}。")
    return header


def _frames(handle: BinaryIO, limit: int) -> Iterator[bytes]:
    while True:
        size_bytes = handle.read(4)
        if not size_bytes:
            return
        if len(size_bytes) < 4:
            raise BackupError("备份文件已损坏：密文被截断。")
        (size,) = struct.unpack(">I", size_bytes)
        if size > limit:
            raise BackupError("备份文件已损坏：密文分块长度不对。")
        frame = handle.read(size)
        if len(frame) < size:
            raise BackupError("备份文件已损坏：密文被截断。")
        yield size_bytes + frame


def open_backup(path: Path, plain_out: Path) -> dict:
    """Check a backup and decrypt it into ``plain_out``; return its header. Raises
    BackupError (the database is not touched here)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BackupError(f"无法打开备份文件 {path}：{exc.strerror}") from None
    with handle:
        header = read_header(handle)
        key_id, key = backup_key()
        if header["key_id"] != key_id:
            raise BackupError(
                f"备份密钥不符：文件用密钥 {header['key_id']} 加密，当前配置的密钥是 {key_id}"
                "（检查 YANGLAO_BACKUP_KEY）。"
            )
        limit = int(header["chunk_size"]) + TAG_SIZE
        start = handle.tell()
        cipher_sha = hashlib.sha256()
        for frame in _frames(handle, limit):
            cipher_sha.update(frame)
        if cipher_sha.hexdigest() != header["cipher_sha256"]:
            raise BackupError("备份文件已损坏：密文校验和（SHA-256）不符，未做任何恢复。")
        handle.seek(start)
        digest = hashlib.sha256(_canonical(header)).digest()
        prefix = bytes.fromhex(header["nonce"])
        aes = AESGCM(key)
        plain_sha = hashlib.sha256()
        with plain_out.open("wb") as dst:
            for index, (frame, last) in enumerate(_with_last(_frames(handle, limit))):
                try:
                    chunk = aes.decrypt(_nonce(prefix, index), frame[4:], _aad(digest, index, last))
                except InvalidTag:
                    raise BackupError(
                        "备份文件无法解密：内容或文件头被改动过，或密钥不对；未做任何恢复。"
                    ) from None
                plain_sha.update(chunk)
                dst.write(chunk)
        if plain_sha.hexdigest() != header["plain_sha256"]:
            raise BackupError("备份内容校验和（SHA-256）不符，未做任何恢复。")
    return header


def _with_last(frames: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    previous = next(frames, None)
    if previous is None:
        raise BackupError("备份文件已损坏：没有密文。")
    for frame in frames:
        yield previous, False
        previous = frame
    yield previous, True


# ----------------------------------------------------------------------------- SQLite


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _raw_columns(columns: list[str]) -> str:
    """Columns as expressions (``+"col"``, a no-op on any value): a connection opened with
    declared-type converters (Django's) then hands back the stored values untouched."""
    return ", ".join("+" + _quote(c) for c in columns)


def _sqlite_tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        name: [col[1] for col in conn.execute(f"PRAGMA table_info({_quote(name)})")]
        for name in names
    }


def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """Schema and rows of ``source`` into the empty ``target``, read in the transaction the
    source connection already holds."""
    objects = source.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    target.execute("BEGIN")
    for kind, name, sql in objects:
        if kind == "table" and not name.startswith("sqlite_"):
            target.execute(sql)
    for name, columns in _sqlite_tables(source).items():
        marks = ", ".join("?" * len(columns))
        cols = ", ".join(_quote(c) for c in columns)
        target.executemany(
            f"INSERT INTO {_quote(name)} ({cols}) VALUES ({marks})",  # noqa: S608
            source.execute(f"SELECT {_raw_columns(columns)} FROM {_quote(name)}"),  # noqa: S608
        )
    if source.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        target.executemany(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
            source.execute("SELECT name, seq FROM sqlite_sequence"),
        )
    for kind, _name, sql in objects:
        if kind in ("index", "trigger", "view"):
            target.execute(sql)
    target.commit()


def _row_counts_sqlite(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        name: conn.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]  # noqa: S608
        for name in _sqlite_tables(conn)
    }


def sqlite_dump(connection, dest: Path) -> dict[str, int]:
    connection.ensure_connection()
    raw: sqlite3.Connection = connection.connection
    target = sqlite3.connect(dest)
    try:
        if raw.in_transaction or connection.in_atomic_block:
            _sqlite_copy(raw, target)
        else:
            raw.backup(target)
        return _row_counts_sqlite(target)
    finally:
        target.close()


def sqlite_image_tables(image: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(f"file:{image}?mode=ro", uri=True)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("备份中的 SQLite 数据库未通过完整性检查。")
        return _sqlite_tables(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份内容不是可读的 SQLite 数据库：{exc}") from None
    finally:
        conn.close()


def sqlite_replace(raw: sqlite3.Connection, image: Path) -> dict[str, int]:
    """Replace every table's rows of ``raw`` with those of the image. Call it inside a
    transaction on ``raw``: a failure rolls everything back."""
    wanted = sqlite_image_tables(image)
    _check_same_schema(wanted, _sqlite_tables(raw))
    source = sqlite3.connect(f"file:{image}?mode=ro", uri=True)
    try:
        raw.execute("PRAGMA defer_foreign_keys = ON")
        for name in wanted:
            raw.execute(f"DELETE FROM {_quote(name)}")  # noqa: S608
        counts = {}
        for name, columns in wanted.items():
            marks = ", ".join("?" * len(columns))
            cols = ", ".join(_quote(c) for c in columns)
            cursor = raw.executemany(
                f"INSERT INTO {_quote(name)} ({cols}) VALUES ({marks})",  # noqa: S608
                source.execute(f"SELECT {cols} FROM {_quote(name)}"),  # noqa: S608
            )
            counts[name] = max(cursor.rowcount, 0)
        has_seq = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
        if raw.execute(has_seq).fetchone():
            raw.execute("DELETE FROM sqlite_sequence")
            if source.execute(has_seq).fetchone():
                raw.executemany(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                    source.execute("SELECT name, seq FROM sqlite_sequence"),
                )
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise BackupError(
                f"恢复后的数据有 {len(broken)} 处外键不成立（例如表 {broken[0][0]}），已全部撤回。"
            )
        return counts
    finally:
        source.close()


def sqlite_restore(connection, image: Path) -> dict[str, int]:
    connection.ensure_connection()
    with transaction.atomic(using=connection.alias):
        return sqlite_replace(connection.connection, image)


def _check_same_schema(wanted: dict[str, list[str]], present: dict[str, list[str]]) -> None:
    missing = sorted(set(wanted) - set(present))
    extra = sorted(set(present) - set(wanted))
    changed = sorted(t for t in set(wanted) & set(present) if wanted[t] != present[t])
    if missing or extra or changed:
        parts = []
        if missing:
            parts.append(f"数据库缺少表 {', '.join(missing[:5])}")
        if extra:
            parts.append(f"数据库多出表 {', '.join(extra[:5])}")
        if changed:
            parts.append(f"这些表的字段不同 {', '.join(changed[:5])}")
        raise BackupError(
            "数据库结构与备份不一致（"
            + "；".join(parts)
            + "）：先用同一版本的程序执行 migrate，再恢复。未做任何恢复。"
        )


# ------------------------------------------------------------------------- PostgreSQL

_FRAME = struct.Struct(">cI")


def _write_frame(handle: BinaryIO, kind: bytes, data: bytes) -> None:
    handle.write(_FRAME.pack(kind, len(data)))
    handle.write(data)


def _read_frames(handle: BinaryIO) -> Iterator[tuple[bytes, bytes]]:
    while True:
        head = handle.read(_FRAME.size)
        if not head:
            return
        if len(head) < _FRAME.size:
            raise BackupError("备份内容被截断。")
        kind, size = _FRAME.unpack(head)
        data = handle.read(size)
        if len(data) < size:
            raise BackupError("备份内容被截断。")
        yield kind, data


def _pg_tables(cursor) -> dict[str, list[str]]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname"
    )
    names = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_generated = 'NEVER' "
        "ORDER BY table_name, ordinal_position"
    )
    columns: dict[str, list[str]] = {name: [] for name in names}
    for table, column in cursor.fetchall():
        if table in columns:
            columns[table].append(column)
    return columns


def _pg_sequences(cursor) -> list[list]:
    cursor.execute(
        "SELECT sequencename, last_value, start_value FROM pg_sequences "
        "WHERE schemaname = current_schema() ORDER BY sequencename"
    )
    return [[name, last, start] for name, last, start in cursor.fetchall()]


def _pg_dump_into(connection, dest: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with connection.cursor() as cursor, dest.open("wb") as out:
        tables = _pg_tables(cursor)
        manifest = {"tables": tables, "sequences": _pg_sequences(cursor)}
        _write_frame(out, b"M", json.dumps(manifest).encode())
        raw = cursor.cursor
        for name, columns in tables.items():
            _write_frame(out, b"T", name.encode())
            rows = 0
            cols = ", ".join(_quote(c) for c in columns)
            with raw.copy(f"COPY {_quote(name)} ({cols}) TO STDOUT") as copy:
                for block in copy:
                    block = bytes(block)
                    rows += block.count(b"\n")
                    _write_frame(out, b"D", block)
            _write_frame(out, b"E", b"")
            counts[name] = rows
    return counts


def pg_dump(connection, dest: Path) -> dict[str, int]:
    if connection.in_atomic_block:
        return _pg_dump_into(connection, dest)
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _pg_dump_into(connection, dest)


def _pg_manifest(plain: Path) -> dict:
    with plain.open("rb") as handle:
        for kind, data in _read_frames(handle):
            if kind != b"M":
                break
            return json.loads(data)
    raise BackupError("备份内容缺少表清单。")


def pg_restore(connection, plain: Path) -> dict[str, int]:
    manifest = _pg_manifest(plain)
    wanted: dict[str, list[str]] = manifest["tables"]
    counts: dict[str, int] = {}
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Pending foreign-key checks of this transaction first: a table with pending
        # trigger events cannot be altered or truncated.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _check_same_schema(wanted, _pg_tables(cursor))
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT t.tgisinternal ORDER BY 1"
        )
        triggered = [row[0] for row in cursor.fetchall()]
        # The append-only triggers refuse TRUNCATE and DELETE; the restore replaces the
        # rows as the owner, inside this transaction, and turns them back on before commit.
        for name in triggered:
            cursor.execute(f"ALTER TABLE {_quote(name)} DISABLE TRIGGER USER")
        if wanted:
            cursor.execute("TRUNCATE " + ", ".join(_quote(n) for n in wanted))
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        raw = cursor.cursor
        with plain.open("rb") as handle:
            frames = _read_frames(handle)
            for kind, data in frames:
                if kind == b"M":
                    continue
                if kind != b"T":
                    raise BackupError("备份内容顺序不对。")
                name = data.decode()
                if name not in wanted:
                    raise BackupError(f"备份内容里有清单之外的表 {name}。")
                cols = ", ".join(_quote(c) for c in wanted[name])
                rows = 0
                with raw.copy(f"COPY {_quote(name)} ({cols}) FROM STDIN") as copy:
                    for kind, data in frames:
                        if kind == b"E":
                            break
                        rows += data.count(b"\n")
                        copy.write(data)
                counts[name] = rows
        try:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        except Exception as exc:
            raise BackupError(f"恢复后的数据外键不成立，已全部撤回：{exc}") from None
        for name in triggered:
            cursor.execute(f"ALTER TABLE {_quote(name)} ENABLE TRIGGER USER")
        for name, last, start in manifest["sequences"]:
            cursor.execute(
                "SELECT setval(%s, %s, %s)",
                [_quote(name), last if last is not None else start, last is not None],
            )
    return counts


# ------------------------------------------------------------------------ the commands


@dataclass
class Result:
    path: Path
    header: dict
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def engine_of(connection) -> str:
    if connection.vendor in ("sqlite", "postgresql"):
        return connection.vendor
    raise BackupError(f"不支持的数据库类型 {connection.vendor}（只支持 SQLite 和 PostgreSQL）。")


def make_backup(connection, out: Path) -> Result:
    engine = engine_of(connection)
    backup_key()  # refuse before any work when there is no key in production
    with tempfile.TemporaryDirectory(prefix="yanglao-backup-") as tmp:
        plain = Path(tmp) / "plain"
        dump = sqlite_dump if engine == "sqlite" else pg_dump
        counts = dump(connection, plain)
        header = seal(plain, out, engine=engine, tables=counts)
    return Result(path=out, header=header, counts=counts)


def check_backup(path: Path) -> dict:
    """Verify a backup completely (checksums, tags) without touching the database."""
    with tempfile.TemporaryDirectory(prefix="yanglao-restore-") as tmp:
        header = open_backup(path, Path(tmp) / "plain")
        if header["engine"] == "sqlite":
            sqlite_image_tables(Path(tmp) / "plain")
        else:
            _pg_manifest(Path(tmp) / "plain")
    return header


def restore_backup(connection, path: Path) -> Result:
    engine = engine_of(connection)
    with tempfile.TemporaryDirectory(prefix="yanglao-restore-") as tmp:
        plain = Path(tmp) / "plain"
        header = open_backup(path, plain)
        if header["engine"] != engine:
            raise BackupError(
                f"这是 {header['engine']} 数据库的备份，当前数据库是 {engine}：不能直接恢复。"
            )
        apply = sqlite_restore if engine == "sqlite" else pg_restore
        counts = apply(connection, plain)
    return Result(path=path, header=header, counts=counts)
