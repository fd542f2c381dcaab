"""Smoke test and load test of a running Yanglao stack, through nginx.

    python deploy/loadtest.py --base https://127.0.0.1:8443 --http http://127.0.0.1:8080 \
        --cacert var/stack/tls/cert.pem --tokens var/stack/tokens.json \
        --users 50 --seconds 60

``deploy/local-stack.sh`` runs it against the stack it brought up. The smoke test
checks the login page, a login, the workbench, an API call with a bearer token, a
static file served by nginx (not gunicorn), the HTTP→HTTPS redirect, the security
headers and ``/healthz``. The load test then runs ``--users`` virtual users for
``--seconds``: each logs in with a demo account (a session, as a browser does) and
loops over the main pages and API reads without pause, keep-alive, one request at a
time. Every answer other than the expected status counts as an error. It prints the
count, errors, p50/p95/p99 latency and requests per second, and exits 1 on any error.

Only loopback addresses: the target must be on this machine.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import re
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

PASSWORD = "Yanglao-Demo-2026"  # yanglao/demo/users.py DEMO_PASSWORD (demo data only)
# Demo accounts without the administrator's second factor (production requires TOTP for
# the administrator roles), with their own region: township, village, Party, facility.
ACCOUNTS = {
    "zy_jinluo": "141129101",
    "zy_village": "141129101201",
    "zy_party": "141129",
    "zy_facility": "141129100",
}
# (weight, kind, path): the pages officers open most, and API reads.
MIX = [
    (20, "page", "/workbench/"),
    (12, "page", "/elders/"),
    (6, "page", "/elders/?q=%E7%8E%8B"),  # 王
    (6, "page", "/regions/{region}/"),
    (6, "page", "/accounts/login/"),  # anonymous-looking hit, redirects when logged in
    (14, "api", "/api/v1/elders?page=1"),
    (8, "api", "/api/v1/elders?q=%E6%9D%8E"),  # 李
    (8, "api", "/api/v1/regions/{region}/children"),
    (6, "api", "/api/v1/alerts"),
    (4, "static", None),
]


def _loopback_only(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"refusing to send load to {host!r}: only this machine (loopback)")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the login page")
    return match.group(1)


def login(client: httpx.Client, base: str, username: str) -> None:
    page = client.get(f"{base}/accounts/login/")
    page.raise_for_status()
    response = client.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": _csrf(page.text),
        },
        headers={"Referer": f"{base}/accounts/login/"},
    )
    if response.status_code != 302 or "/accounts/login" in response.headers.get("location", ""):
        raise RuntimeError(f"login of {username} failed: {response.status_code}")


def static_url(html: str) -> str:
    match = re.search(r'href="(/static/css/yanglao[^"]*\.css)"', html)
    if not match:
        raise RuntimeError("no stylesheet link on the page")
    return match.group(1)


class SmokeFailed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SmokeFailed(what)
    print(f"  ok  {what}")


def smoke(base: str, http_base: str | None, verify, tokens: dict[str, str]) -> str:
    """The smoke test; returns the URL path of a static file for the load test."""
    print("== smoke test (through nginx) ==")
    with httpx.Client(verify=verify, timeout=30) as client:
        page = client.get(f"{base}/accounts/login/")
        check(page.status_code == 200 and "登录" in page.text, "login page 200, Chinese")
        check("strict-transport-security" in page.headers, "HSTS header on pages")
        check(page.headers.get("x-frame-options") == "DENY", "X-Frame-Options DENY")
        check("content-security-policy" in page.headers, "Content-Security-Policy header")
        cookie_flags = page.headers.get("set-cookie", "")
        check("secure" in cookie_flags.lower(), "cookies marked Secure")
        css = static_url(page.text)
        asset = client.get(f"{base}{css}")
        check(
            asset.status_code == 200
            and asset.headers.get("server", "").startswith("nginx")
            and "immutable" in asset.headers.get("cache-control", ""),
            f"static file {css} served by nginx (hashed name, immutable)",
        )
        check(asset.headers.get("x-content-type-options") == "nosniff", "nosniff on static")
        first = next(iter(ACCOUNTS))
        login(client, base, first)
        check(True, f"login as {first} (302 to the workbench)")
        bench = client.get(f"{base}/workbench/")
        check(bench.status_code == 200 and "工作台" in bench.text, "workbench 200")
        elders = client.get(f"{base}/elders/")
        check(elders.status_code == 200, "elder list 200")
        health = client.get(f"{base}/healthz")
        check(
            health.status_code == 200
            and health.json() == {"status": "ok", "database": "ok", "queue": "ok"},
            f"/healthz {health.text.strip()}",
        )
    token = tokens[next(iter(ACCOUNTS))]
    with httpx.Client(verify=verify, timeout=30) as api:
        answer = api.get(
            f"{base}/api/v1/elders?page=1", headers={"Authorization": f"Bearer {token}"}
        )
        check(
            answer.status_code == 200 and answer.json().get("count", 0) > 0,
            f"API with a bearer token: {answer.json().get('count')} elders in scope",
        )
        refused = api.get(f"{base}/api/v1/elders", headers={"Authorization": "Bearer yl_x"})
        check(refused.status_code == 401, "API with a bad token: 401")
    if http_base:
        with httpx.Client(timeout=10) as plain:
            moved = plain.get(f"{http_base}/workbench/")
            check(
                moved.status_code == 301 and moved.headers["location"].startswith("https://"),
                "HTTP redirects to HTTPS (301)",
            )
    return css


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[name].append(seconds)
            if error:
                self.errors[f"{name}: {error}"] += 1


# Logins before the timed window, a few at a time: a password check costs the server
# about half a second of CPU on purpose (PBKDF2), and fifty people do not all sign in
# in the same second.
LOGINS_AT_ONCE = threading.Semaphore(4)


def user_loop(
    n: int, base: str, verify, token: str, account: str, css: str, ready, go, stop, stats
):
    rng = random.Random(n)
    weights = [w for w, _k, _p in MIX]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(verify=verify, timeout=60, limits=limits) as client:
        try:
            with LOGINS_AT_ONCE:
                login(client, base, account)
        except Exception as exc:
            stats.add("login", 0.0, str(exc)[:120])
            ready.release()
            return
        ready.release()
        go.wait()
        bearer = {"Authorization": f"Bearer {token}"}
        while not stop.is_set():
            _w, kind, path = rng.choices(MIX, weights=weights)[0]
            path = (path or css).replace("{region}", ACCOUNTS[account])
            headers = bearer if kind == "api" else {}
            # A logged-in user on the login page is sent on to the workbench.
            expected = 302 if path == "/accounts/login/" else 200
            started = time.perf_counter()
            error = None
            try:
                response = client.get(f"{base}{path}", headers=headers)
                if response.status_code != expected:
                    error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            name = path.split("?")[0] if kind != "static" else "/static/(css)"
            name = name.replace(ACCOUNTS[account], "{region}")
            stats.add(f"{kind} {name}", time.perf_counter() - started, error)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def load(base: str, verify, tokens: dict[str, str], css: str, users: int, seconds: int) -> bool:
    print(f"== load test: {users} users, {seconds} s, through nginx ==")
    stats = Stats()
    ready = threading.Semaphore(0)
    go, stop = threading.Event(), threading.Event()
    threads = []
    for n in range(users):
        account = list(ACCOUNTS)[n % len(ACCOUNTS)]
        thread = threading.Thread(
            target=user_loop,
            args=(n, base, verify, tokens[account], account, css, ready, go, stop, stats),
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    logging_in = time.perf_counter()
    for _ in range(users):
        ready.acquire()
    print(f"  {users} users logged in in {time.perf_counter() - logging_in:.1f} s")
    started = time.perf_counter()
    go.set()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.perf_counter() - started
    everything = [s for values in stats.latencies.values() for s in values]
    total, errors = len(everything), sum(stats.errors.values())
    print(f"{'endpoint':<36}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name in sorted(stats.latencies):
        values = stats.latencies[name]
        print(
            f"{name:<36}{len(values):>9}{percentile(values, 50) * 1000:>9.0f}"
            f"{percentile(values, 95) * 1000:>9.0f}{percentile(values, 99) * 1000:>9.0f}"
        )
    print(
        f"TOTAL requests={total} errors={errors} "
        f"p50={percentile(everything, 50) * 1000:.0f}ms "
        f"p95={percentile(everything, 95) * 1000:.0f}ms "
        f"p99={percentile(everything, 99) * 1000:.0f}ms "
        f"mean={statistics.fmean(everything) * 1000 if everything else 0:.0f}ms "
        f"rate={total / elapsed:.1f} req/s over {elapsed:.1f} s"
    )
    print(
        "NOTE: the load generator ran on the same machine as nginx, gunicorn, the worker,"
        " PostgreSQL and Redis, sharing its cores: these figures are a lower bound."
    )
    for error, count in stats.errors.most_common(20):
        print(f"  ERROR x{count}: {error}")
    return errors == 0 and total > 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="https://127.0.0.1:PORT (nginx)")
    parser.add_argument("--http", default=None, help="http://127.0.0.1:PORT (nginx, plain)")
    parser.add_argument("--cacert", default=None, help="the stack's self-signed certificate")
    parser.add_argument("--tokens", required=True, help="JSON {username: bearer token}")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--smoke-only", action="store_true")
    args = parser.parse_args(argv)
    for url in filter(None, (args.base, args.http)):
        _loopback_only(url)
    if not 1 <= args.seconds <= 600 or not 1 <= args.users <= 200:
        parser.error("--seconds 1..600, --users 1..200")
    verify = args.cacert or True
    with open(args.tokens, encoding="utf-8") as handle:
        tokens = json.load(handle)
    try:
        css = smoke(args.base.rstrip("/"), args.http, verify, tokens)
    except (SmokeFailed, httpx.HTTPError, RuntimeError, KeyError, ValueError) as exc:
        print(f"SMOKE TEST FAILED: {exc}")
        return 1
    if args.smoke_only:
        return 0
    return 0 if load(args.base.rstrip("/"), verify, tokens, css, args.users, args.seconds) else 1


if __name__ == "__main__":
    sys.exit(main())
