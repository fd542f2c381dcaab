# Yanglao: the two commands are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
YL := $(VENV)/bin/yanglao
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test bench lint format venv sysdeps serve clean audit stack

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11 ($(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian's Chromium and CJK fonts for the browser tests and screenshots (root's apt).
sysdeps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n fonts-noto-cjk >/dev/null) \
	      || echo "未能安装 chromium / fonts-noto-cjk：浏览器测试将跳过"; \
	  else echo "没有 root 的 apt：浏览器测试将跳过"; fi; \
	fi

demo: $(STAMP)
	$(YL) migrate --noinput
	$(YL) load_demo
	$(YL) collectstatic --noinput -v 0
	@$(YL) demo_banner --host $(HOST) --port $(PORT)
	$(YL) run_demo --host $(HOST) --port $(PORT)

test: $(STAMP) sysdeps
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

# Supply chain: bandit (no high-severity finding) and pip-audit (no known vulnerability).
audit: $(STAMP)
	$(PY) .ci/audit.py

# The production-shaped stack on this machine (root): nginx, gunicorn, Huey, PostgreSQL,
# Redis; a smoke test and a 50-user load test through nginx (deploy/local-stack.sh).
stack: $(STAMP)
	bash deploy/local-stack.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var/test-* .pytest_cache
