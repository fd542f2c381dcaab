#!/usr/bin/env bash
# The production-shaped stack on THIS machine, then a smoke test and a load test
# through nginx (`make stack`). As root: Debian's nginx, PostgreSQL and Redis, the
# project's venv; the processes are started directly (this machine has no systemd):
#
#   PostgreSQL (127.0.0.1:5432)  database yanglao_stack (created if missing)
#   Redis      (127.0.0.1:6379)  database 5 (the queue of this stack only)
#   gunicorn   deploy/gunicorn.conf.py, 2 × cores + 1 workers, YANGLAO_ENV=production
#   Huey       yanglao run_huey (the worker)
#   nginx      deploy/nginx/yanglao.conf with local ports, paths and a self-signed
#              certificate; HTTPS on a free port, HTTP (redirect) on another
#
# Settings are production ones (DEBUG off, secure cookies, HSTS, SSL redirect, TOTP for
# administrators); the secrets are generated once into $STACK_DIR/env (mode 0600). The
# demo data is loaded by `load_demo` run as YANGLAO_ENV=development with the same keys
# and database (load_demo refuses production). gunicorn, Huey and nginx are stopped at
# the end; PostgreSQL and Redis are left as they were found (started if they were not
# running, since other work on this machine may use them).
#
#   LOAD_USERS=50 LOAD_SECONDS=60 deploy/local-stack.sh     (defaults)
#   LOAD_SECONDS=0 deploy/local-stack.sh                    (smoke test only)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
STACK_DIR=${STACK_DIR:-$ROOT/var/stack}
DB_NAME=${STACK_DB:-yanglao_stack}
LOAD_USERS=${LOAD_USERS:-50}
LOAD_SECONDS=${LOAD_SECONDS:-60}
YL="$VENV/bin/yanglao"

[ "$(id -u)" = 0 ] || { echo "local-stack.sh runs as root (apt-get, nginx)"; exit 1; }
[ -x "$YL" ] || { echo "no venv at $VENV: run 'make venv' first"; exit 1; }
mkdir -p "$STACK_DIR"
chmod 0700 "$STACK_DIR"

log() { printf '\n== %s ==\n' "$*"; }

# ------------------------------------------------------------ Debian packages
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  # No service may start during the install (no systemd here; we start what we need).
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ------------------------------------------------------------ PostgreSQL, Redis
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  log "starting PostgreSQL"
  cluster=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/stack.log
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
if [ ! -s "$STACK_DIR/secrets" ]; then
  # New keys cannot read fields encrypted with the old ones: start from an empty database.
  log "new secrets: (re)creating database $DB_NAME"
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)"
fi
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'" | grep -q 1; then
  log "creating database $DB_NAME"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE \"$DB_NAME\""
fi
redis-cli -h 127.0.0.1 -p 6379 -n 5 FLUSHDB >/dev/null  # this stack's queue only

# ------------------------------------------------------------ ports, secrets, settings
free_port() {
  "$VENV/bin/python" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
APP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port)
BASE="https://127.0.0.1:$HTTPS_PORT"

if [ ! -s "$STACK_DIR/secrets" ]; then
  key() { "$VENV/bin/python" -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())'; }
  umask 077
  {
    echo "YANGLAO_SECRET_KEY=$("$VENV/bin/python" -c 'import secrets;print(secrets.token_urlsafe(60))')"
    echo "YANGLAO_FIELD_KEYS=k1:$(key)"
    echo "YANGLAO_INDEX_KEY=$(key)"
    echo "YANGLAO_BACKUP_KEY=$(key)"
  } > "$STACK_DIR/secrets"
  umask 022
fi
set -a
# shellcheck disable=SC1091
. "$STACK_DIR/secrets"
YANGLAO_ENV=production
YANGLAO_ALLOWED_HOSTS=127.0.0.1,localhost
YANGLAO_CSRF_TRUSTED_ORIGINS=$BASE
YANGLAO_PUBLIC_BASE_URL=$BASE
DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB_NAME
REDIS_URL=redis://127.0.0.1:6379/5
YANGLAO_VAR_DIR=$STACK_DIR/var
YANGLAO_STATIC_ROOT=$STACK_DIR/static
YANGLAO_LOG_LEVEL=WARNING
DJANGO_SETTINGS_MODULE=yanglao.settings
set +a
mkdir -p "$YANGLAO_VAR_DIR"

log "yanglao check --deploy (production settings)"
"$YL" check --deploy --fail-level WARNING
log "migrate, demo data, static files"
"$YL" migrate --noinput -v 0
YANGLAO_ENV=development "$YL" load_demo
"$YL" collectstatic --noinput -v 0
"$VENV/bin/python" - "$STACK_DIR/tokens.json" <<'EOF'
"""A one-day bearer token for each load-test account (printed once, kept 0600)."""
import json, os, sys
import django
django.setup()
from yanglao.accounts import services
from yanglao.accounts.models import User
tokens = {}
for name in ("zy_jinluo", "zy_village", "zy_party", "zy_facility"):
    _token, raw = services.token_issue(actor=None, user=User.objects.get(username=name), days=1)
    tokens[name] = raw
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as handle:
    json.dump(tokens, handle)
EOF

# ------------------------------------------------------------ TLS, nginx configuration
if [ ! -s "$STACK_DIR/tls/cert.pem" ]; then
  mkdir -p "$STACK_DIR/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$STACK_DIR/tls/key.pem" -out "$STACK_DIR/tls/cert.pem" 2>/dev/null
  chmod 0600 "$STACK_DIR/tls/key.pem"
fi
mkdir -p "$STACK_DIR/nginx/tmp"
# The real site configuration with this machine's ports, paths and certificate.
sed -e "s|server unix:/run/yanglao/gunicorn.sock|server 127.0.0.1:$APP_PORT|" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$HTTPS_PORT ssl http2;|" \
    -e "s|listen 80;|listen 127.0.0.1:$HTTP_PORT;|" \
    -e "/listen \[::\]:/d" \
    -e "s|server_name yanglao.example.cn;|server_name 127.0.0.1 localhost;|" \
    -e "s|return 301 https://\$host\$request_uri;|return 301 https://\$host:$HTTPS_PORT\$request_uri;|" \
    -e "s|proxy_set_header Host \$host;|proxy_set_header Host \$http_host;|" \
    -e "s|/etc/ssl/yanglao/fullchain.pem|$STACK_DIR/tls/cert.pem|" \
    -e "s|/etc/ssl/yanglao/privkey.pem|$STACK_DIR/tls/key.pem|" \
    -e "s|/var/lib/yanglao/static/|$YANGLAO_STATIC_ROOT/|" \
    deploy/nginx/yanglao.conf > "$STACK_DIR/nginx/site.conf"
for expected in "127.0.0.1:$APP_PORT" "127.0.0.1:$HTTPS_PORT ssl" "$STACK_DIR/tls/cert.pem" \
                "$YANGLAO_STATIC_ROOT/" "https://\$host:$HTTPS_PORT"; do
  grep -qF "$expected" "$STACK_DIR/nginx/site.conf" \
    || { echo "deploy/nginx/yanglao.conf changed: '$expected' no longer substituted"; exit 1; }
done
cat > "$STACK_DIR/nginx/nginx.conf" <<EOF
# Written by deploy/local-stack.sh: the main configuration around deploy/nginx/yanglao.conf.
user root;
worker_processes auto;
pid $STACK_DIR/nginx/nginx.pid;
error_log $STACK_DIR/nginx/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log $STACK_DIR/nginx/access.log;
    client_body_temp_path $STACK_DIR/nginx/tmp/body;
    proxy_temp_path $STACK_DIR/nginx/tmp/proxy;
    fastcgi_temp_path $STACK_DIR/nginx/tmp/fastcgi;
    uwsgi_temp_path $STACK_DIR/nginx/tmp/uwsgi;
    scgi_temp_path $STACK_DIR/nginx/tmp/scgi;
    include $STACK_DIR/nginx/site.conf;
}
EOF
"$NGINX" -t -q -c "$STACK_DIR/nginx/nginx.conf" -p "$STACK_DIR/nginx"

# ------------------------------------------------------------ start, and stop at the end
PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    # gunicorn lets running requests finish (graceful_timeout 30 s)
    for _ in $(seq 1 175); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT

log "starting gunicorn (127.0.0.1:$APP_PORT), the Huey worker, nginx (:$HTTPS_PORT https, :$HTTP_PORT http)"
GUNICORN_BIND=127.0.0.1:$APP_PORT GUNICORN_ACCESSLOG=$STACK_DIR/gunicorn-access.log \
  "$VENV/bin/gunicorn" yanglao.wsgi --config deploy/gunicorn.conf.py \
  >"$STACK_DIR/gunicorn.log" 2>&1 &
PIDS+=($!)
"$YL" run_huey --workers 2 --worker-type thread >"$STACK_DIR/huey.log" 2>&1 &
PIDS+=($!)
"$NGINX" -c "$STACK_DIR/nginx/nginx.conf" -p "$STACK_DIR/nginx" -g "daemon off;" \
  >"$STACK_DIR/nginx/stdout.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 120); do
  curl -fsk --max-time 2 "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS --cacert "$STACK_DIR/tls/cert.pem" "$BASE/healthz"; echo

log "smoke and load test"
status=0
if [ "$LOAD_SECONDS" = "0" ]; then
  "$VENV/bin/python" deploy/loadtest.py --base "$BASE" --http "http://127.0.0.1:$HTTP_PORT" \
    --cacert "$STACK_DIR/tls/cert.pem" --tokens "$STACK_DIR/tokens.json" --smoke-only || status=$?
else
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo);" \
       "gunicorn workers: $(( 2 * $(nproc) + 1 )) × 4 threads"
  "$VENV/bin/python" deploy/loadtest.py --base "$BASE" --http "http://127.0.0.1:$HTTP_PORT" \
    --cacert "$STACK_DIR/tls/cert.pem" --tokens "$STACK_DIR/tokens.json" \
    --users "$LOAD_USERS" --seconds "$LOAD_SECONDS" || status=$?
fi
log "gunicorn stopped: nginx answers its own 503 page"
kill -TERM "${PIDS[0]}" 2>/dev/null || true
for _ in $(seq 1 175); do kill -0 "${PIDS[0]}" 2>/dev/null || break; sleep 0.2; done
code=$(curl -s -o "$STACK_DIR/down.html" -w '%{http_code}' --cacert "$STACK_DIR/tls/cert.pem" "$BASE/workbench/")
if [ "$code" = "503" ] && grep -q "服务暂不可用，请稍后再试" "$STACK_DIR/down.html"; then
  echo "  ok  $code with the Chinese page (yanglao/static/errors/503.html)"
else
  echo "  FAILED: nginx answered $code without the Chinese 503 page"; status=1
fi
if grep -q "Traceback" "$STACK_DIR/gunicorn.log"; then
  echo "gunicorn logged a traceback:"; grep -A20 "Traceback" "$STACK_DIR/gunicorn.log" | head -60
  status=1
fi
exit "$status"
