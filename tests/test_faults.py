"""With the database or Redis down the platform answers a clear 503, never a stack
trace, and recovers by itself (issue 10, item 7). See ``yanglao/core/unavailable.py``.

* in process: the database connection made to fail (every query raises the
  ``OperationalError`` a refused connection raises), the Huey queue pointed at a
  closed Redis port;
* on PostgreSQL, for real: a gunicorn process whose database connection goes through
  a TCP proxy the test stops and starts (an outage, then a database restart while
  the server is idle).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
MESSAGE = "服务暂不可用，请稍后再试"
LEAKS = ("Traceback", "OperationalError", "ConnectionError", "psycopg", 'File "')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def database_down(monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError(
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        )

    with monkeypatch.context() as patch:
        patch.setattr(connection, "_cursor", refused)
        yield


def _assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    text = response.content.decode()
    assert MESSAGE in text and "<html" in text
    for leak in LEAKS:
        assert leak not in text, leak


def _assert_unavailable_api(response):
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    body = response.json()
    assert body == {"error": {"code": "service_unavailable", "message": MESSAGE, "fields": {}}}


def test_with_the_database_down_pages_and_the_api_answer_503_and_then_recover(
    client, make_user, token_for, monkeypatch
):
    client.raise_request_exception = False  # as in production: the handler answers
    officer = make_user("county_admin", "141129")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token_for(officer)}"}
    client.force_login(officer)
    assert client.get(reverse("dashboard:workbench")).status_code == 200

    machine = Client(raise_request_exception=False)  # a caller without a session
    credentials = {"username": officer.username, "password": PASSWORD}

    with database_down(monkeypatch):
        # The session is read by a middleware before any view: the 500 handler's path.
        _assert_unavailable_page(client.get(reverse("dashboard:workbench")))
        _assert_unavailable_page(client.get(reverse("elders:list")))
        _assert_unavailable_api(client.get("/api/v1/regions"))
        # The bearer token is looked up in the view: the middleware's path.
        _assert_unavailable_api(machine.get("/api/v1/regions", **bearer))
        _assert_unavailable_api(machine.post("/api/v1/users", {}, **bearer))
        _assert_unavailable_page(machine.post(reverse("accounts:login"), credentials))
        health = machine.get("/healthz")
        assert health.status_code == 503 and health["Retry-After"].isdigit()
        assert health.json() == {"status": "unavailable", "database": "down", "queue": "ok"}

    # Back: the very next requests are served, nothing restarted.
    assert client.get(reverse("dashboard:workbench")).status_code == 200
    assert machine.get("/api/v1/regions", **bearer).status_code == 200
    assert machine.get("/healthz").json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_the_500_handler_answers_503_only_for_an_outage(rf):
    from yanglao.core import errors

    request = rf.get("/workbench/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        assert errors.handler500(request).status_code == 500
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = errors.handler500(request)
    _assert_unavailable_page(response)


@contextlib.contextmanager
def redis_down(monkeypatch):
    """The Huey queue on a Redis at a port where nothing listens."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import RedisStorage

    closed = RedisStorage(name="yanglao-down", url=f"redis://127.0.0.1:{_free_port()}/0")
    with monkeypatch.context() as patch:
        patch.setattr(HUEY, "_immediate", False)
        patch.setattr(HUEY, "storage", closed)
        yield


def test_with_redis_down_pages_work_an_upload_answers_503_and_its_job_runs_after(
    client, county, tmp_path, monkeypatch
):
    from django.db import transaction

    from yanglao.demo.elders import demo_villages, generate_rows, write_file
    from yanglao.elders import import_tasks, views_import
    from yanglao.elders.models import Elder, ImportJob, ImportStatus

    client.raise_request_exception = False
    client.force_login(county)
    monkeypatch.setattr(views_import, "INLINE_MAX_BYTES", 0)  # to the background worker
    # Outside a test the upload's request runs in autocommit: on_commit runs at once.
    monkeypatch.setattr(transaction, "on_commit", lambda fn, *a, **k: fn())
    path = tmp_path / "elders.csv"
    write_file(path, generate_rows(25, demo_villages("141129"), seed=3))
    before = Elder.objects.count()

    with redis_down(monkeypatch):
        assert client.get(reverse("dashboard:workbench")).status_code == 200
        assert client.get(reverse("elders:list")).status_code == 200
        health = client.get("/healthz")
        assert health.status_code == 200  # pages work: a load balancer keeps the server
        assert health.json() == {"status": "degraded", "database": "ok", "queue": "down"}
        with open(path, "rb") as handle:
            response = client.post(reverse("elders:import"), {"file": handle})
        _assert_unavailable_page(response)
        job = ImportJob.objects.get(created_by=county)
        assert job.status == ImportStatus.QUEUED  # the file is kept; its message was lost

    # Redis back: the recovery (every minute, and when a consumer starts) queues it again.
    assert client.get("/healthz").json()["queue"] == "ok"
    assert import_tasks.recover_jobs(queued_grace=dt.timedelta(0)) == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created == 25
    assert Elder.objects.count() == before + 25
    assert import_tasks.recover_jobs(queued_grace=dt.timedelta(0)) == []


def test_a_running_job_whose_worker_lives_is_not_taken_back(county, tmp_path):
    from yanglao.core.models import AuditEvent
    from yanglao.elders import import_tasks, importer
    from yanglao.elders.models import ImportJob, ImportStatus

    job = ImportJob.objects.create(
        region=county.region,
        filename="big.csv",
        sha256="0" * 64,
        upload_path=str(tmp_path / "missing.csv"),
        created_by=county,
        status=ImportStatus.COMMITTING,
    )
    queued: list[int] = []
    with importer.job_lock(job.pk) as held:  # as the live worker holds it
        assert held
        assert import_tasks.recover_jobs(enqueue=queued.append) == []
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTING and queued == []
    # The worker died (its lock went with it): taken back, audited, queued again.
    assert import_tasks.recover_jobs(enqueue=queued.append) == [job.pk] == queued
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED and job.processed == 0
    event = AuditEvent.objects.get(action="elder.import_requeue")
    assert event.detail["was"] == "committing" and event.actor_username == "system"


def test_a_job_killed_after_its_commit_is_only_marked_done(county, tmp_path):
    from django.utils import timezone

    from yanglao.elders import import_tasks
    from yanglao.elders.models import ImportJob, ImportStatus

    upload = tmp_path / "imports.csv"
    upload.write_text("姓名,身份证号\n")
    job = ImportJob.objects.create(
        region=county.region,
        filename="big.csv",
        sha256="0" * 64,
        upload_path=str(upload),
        created_by=county,
        status=ImportStatus.COMMITTING,
        created=40,
        finished_at=timezone.now(),  # written in the merge transaction, with the rows
    )
    queued: list[int] = []
    assert import_tasks.recover_jobs(enqueue=queued.append) == [] == queued
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created == 40


# ------------------------------------------------------------------ PostgreSQL, for real


class Proxy:
    """A TCP proxy to PostgreSQL that the test can take down (refusing connections and
    cutting the open ones) and bring back on the same port."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = _free_port()
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def start(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self):
        listener, self.listener = self.listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not,
            # and the port would go on accepting.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.mark.postgres
def test_a_server_rides_out_a_postgresql_outage_and_a_restart(db, tmp_path):
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    proxy = Proxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    proxy.start()
    port = _free_port()
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{db['USER']}@"
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
    env.update(
        DATABASE_URL=f"postgres://{auth}127.0.0.1:{proxy.port}/{db['NAME']}",
        DJANGO_SETTINGS_MODULE="yanglao.test_settings",
        YANGLAO_VAR_DIR=str(tmp_path),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "yanglao.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=(tmp_path / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    bearer = {"Authorization": "Bearer yl_not-a-real-token"}  # looked up in the database
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if _get(f"{base}/healthz")[0] == 200:
                    break
            assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.2)
        assert _get(f"{base}/api/v1/regions", bearer)[0] == 401

        proxy.stop()  # the database goes away
        status, headers, body = _get(f"{base}/healthz")
        assert status == 503 and json.loads(body)["database"] == "down"
        status, headers, body = _get(f"{base}/api/v1/regions", bearer)
        assert status == 503 and headers["Retry-After"].isdigit()
        assert json.loads(body)["error"]["code"] == "service_unavailable"
        assert not any(leak in body for leak in LEAKS)

        proxy.start()  # back: the next requests are served
        assert _get(f"{base}/healthz")[0] == 200
        assert _get(f"{base}/api/v1/regions", bearer)[0] == 401

        # A restart while the server is idle breaks its persistent connection; the
        # health check drops it and the first request after is served.
        proxy.stop()
        proxy.start()
        assert _get(f"{base}/api/v1/regions", bearer)[0] == 401
        assert _get(f"{base}/healthz")[0] == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        proxy.stop()
