"""gunicorn settings for Yanglao (used by deploy/systemd/yanglao-web.service and
deploy/local-stack.sh). Every value can be overridden by a GUNICORN_* variable."""

import multiprocessing
import os

# Behind nginx on a unix socket (systemd's RuntimeDirectory) or a local port.
bind = os.environ.get("GUNICORN_BIND", "unix:/run/yanglao/gunicorn.sock")
# Workers per core: 2 × cores + 1 processes, each with a few threads (pages wait on the
# database, not on the CPU). Each thread may hold one PostgreSQL connection
# (CONN_MAX_AGE 60 s): workers × threads must stay under max_connections.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# An upload of up to 512 KB is imported inside its request (a few seconds at most);
# larger files go to the Huey worker. 120 s leaves room on a slow disk.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (a slow leak never grows for long).
max_requests = 2000
max_requests_jitter = 200
# Load the application once in the master: workers fork with it (less memory, and a
# broken configuration fails at start instead of in each worker).
preload_app = True
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
proc_name = "yanglao"
