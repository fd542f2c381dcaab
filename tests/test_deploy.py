"""The deployment files (``deploy/``) stay in step with the application (issue 10,
item 8): the nginx upload limit with the import's, the timeouts with gunicorn's, the
example settings with what production requires (``check --deploy`` passes with them),
the systemd units with real commands, and the nginx site parses (when nginx is here).
The running stack itself is exercised by ``make stack`` (deploy/local-stack.sh)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NGINX_SITE = (DEPLOY / "nginx" / "yanglao.conf").read_text()


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


def test_nginx_takes_the_largest_upload_the_application_takes():
    from yanglao.elders import views_import
    from yanglao.elders.importer import MAX_FILE_BYTES

    limit = _size(re.search(r"client_max_body_size (\w+);", NGINX_SITE).group(1))
    largest = max(MAX_FILE_BYTES, views_import.MAX_UPLOAD_BYTES)
    # Room for the multipart envelope, not much more (nginx refuses early what Django
    # would refuse late).
    assert largest < limit <= largest + 16 * 1024**2


def test_nginx_waits_longer_than_gunicorn_and_serves_static_files_itself():
    namespace: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), namespace)
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", NGINX_SITE).group(1))
    assert read_timeout > namespace["timeout"]
    assert namespace["worker_class"] == "gthread" and namespace["workers"] >= 3
    assert "X-Forwarded-Proto $scheme" in NGINX_SITE  # SECURE_PROXY_SSL_HEADER
    assert "location /static/" in NGINX_SITE and "alias /var/lib/yanglao/static/;" in NGINX_SITE
    for header in ("Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options"):
        assert header in NGINX_SITE
    assert "return 301 https://" in NGINX_SITE  # plain HTTP only redirects
    # gunicorn down: nginx answers a Chinese 503 page from the static files.
    page = re.search(r"error_page 502 504 =503 (\S+);", NGINX_SITE).group(1)
    block = rf"location = {page} {{[^}}]*alias /var/lib/yanglao/static/(\S+);"
    served = re.search(block, NGINX_SITE)
    assert "服务暂不可用，请稍后再试" in (ROOT / "yanglao/static" / served.group(1)).read_text()
    assert 'Cache-Control "no-store"' in NGINX_SITE.split(f"location = {page}")[1].split("}")[0]


def _example_env() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "yanglao.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _sep, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_the_example_settings_hold_no_secret_and_pass_check_deploy(tmp_path):
    example = _example_env()
    secrets = {k: v for k, v in example.items() if k.endswith(("_KEY", "_KEYS"))}
    assert set(secrets) >= {
        "YANGLAO_SECRET_KEY",
        "YANGLAO_FIELD_KEYS",
        "YANGLAO_INDEX_KEY",
        "YANGLAO_BACKUP_KEY",
    }
    assert all("CHANGE-ME" in v for v in secrets.values()), "no real secret in the example"
    assert example["YANGLAO_ENV"] == "production"

    def key() -> str:
        return base64.urlsafe_b64encode(os.urandom(32)).decode()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("YANGLAO_", "DJANGO_"))}
    env.update(example)
    env.update(
        YANGLAO_SECRET_KEY=base64.urlsafe_b64encode(os.urandom(48)).decode(),
        YANGLAO_FIELD_KEYS=f"k1:{key()}",
        YANGLAO_INDEX_KEY=key(),
        YANGLAO_BACKUP_KEY=key(),
        YANGLAO_VAR_DIR=str(tmp_path),
        YANGLAO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="yanglao.settings",
    )
    # The example's PostgreSQL and Redis are not needed for the checks.
    del env["DATABASE_URL"], env["REDIS_URL"]
    done = subprocess.run(
        [sys.executable, "-m", "yanglao.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "System check identified no issues" in output and "WARNING" not in output

    # The placeholders themselves are refused: nobody starts with the example as it is.
    env["YANGLAO_SECRET_KEY"] = example["YANGLAO_SECRET_KEY"]
    refused = subprocess.run(
        [sys.executable, "-m", "yanglao.cli", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert refused.returncode != 0 and "YANGLAO_SECRET_KEY" in refused.stderr


def test_the_systemd_units_run_the_real_commands():
    web = (DEPLOY / "systemd" / "yanglao-web.service").read_text()
    worker = (DEPLOY / "systemd" / "yanglao-worker.service").read_text()
    assert "gunicorn yanglao.wsgi --config /opt/yanglao/deploy/gunicorn.conf.py" in web
    assert "yanglao run_huey" in worker
    assert "KillSignal=SIGINT" in worker  # Huey finishes running tasks on SIGINT
    for unit in (web, worker):
        assert "EnvironmentFile=/etc/yanglao/yanglao.env" in unit
        assert "User=yanglao" in unit and "NoNewPrivileges=true" in unit
        assert "Restart=" in unit
    # The socket gunicorn binds by default is the one nginx proxies to.
    namespace: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), namespace)
    assert namespace["bind"] in NGINX_SITE
    assert "RuntimeDirectory=yanglao" in web and "/run/yanglao/" in namespace["bind"]


def test_the_stack_script_parses_and_rewrites_strings_the_site_still_has():
    script = (DEPLOY / "local-stack.sh").read_text()
    assert subprocess.run(["bash", "-n", str(DEPLOY / "local-stack.sh")]).returncode == 0
    for original in re.findall(r'-e "s\|([^|]+)\|', script):
        text = original.replace("\\$", "$").replace("\\[", "[").replace("\\]", "]")
        assert text in NGINX_SITE, f"local-stack.sh rewrites {text!r}, no longer in the site"
    assert "trap stop_all EXIT" in script


@pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) or not shutil.which("openssl"),
    reason="nginx or openssl not installed (make stack installs nginx)",
)
def test_the_nginx_site_is_valid_nginx(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-keyout", str(tmp_path / "key.pem"),
            "-out", str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    site = (
        NGINX_SITE.replace("/etc/ssl/yanglao/fullchain.pem", str(tmp_path / "cert.pem"))
        .replace("/etc/ssl/yanglao/privkey.pem", str(tmp_path / "key.pem"))
        .replace("server unix:/run/yanglao/gunicorn.sock", "server 127.0.0.1:9")
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; access_log off;\n"
        f"client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
        f"include {tmp_path}/site.conf; }}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-q", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_production_redirects_plain_http_except_the_health_check(tmp_path):
    """A load balancer may probe gunicorn directly over HTTP: /healthz answers, every
    other page moves to HTTPS (SECURE_SSL_REDIRECT, SECURE_REDIRECT_EXEMPT)."""

    def key() -> str:
        return base64.urlsafe_b64encode(os.urandom(32)).decode()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("YANGLAO_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        YANGLAO_ENV="production",
        YANGLAO_SECRET_KEY=base64.urlsafe_b64encode(os.urandom(48)).decode(),
        YANGLAO_FIELD_KEYS=f"k1:{key()}",
        YANGLAO_INDEX_KEY=key(),
        YANGLAO_ALLOWED_HOSTS="testserver",
        YANGLAO_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="yanglao.settings",
    )
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "c = Client()\n"
        "h, w = c.get('/healthz'), c.get('/workbench/')\n"
        "print(json.dumps([h.status_code, h.json(), w.status_code, w['Location']]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    health, body, page, location = json.loads(done.stdout.strip().splitlines()[-1])
    assert health == 200 and body["database"] == "ok"
    assert page == 301 and location.startswith("https://")
