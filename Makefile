# Every target sets itself up on a fresh machine that has only Python 3.11+.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Installs come from requirements-dev.lock (every version pinned with its hashes: the versions the
# custom executor, the worker's claim and the pool were tested with); `make lock` rewrites it.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements-dev.lock | cksum | cut -d' ' -f1)

.PHONY: run test lint bench format lock

$(STAMP): pyproject.toml requirements-dev.lock
	@# The local video renderer draws captions with a TrueType font; Debian/Ubuntu machines may lack one.
	@test -n "$$(find /usr/share/fonts /usr/local/share/fonts -iname '*.ttf' 2>/dev/null | head -n 1)" \
		|| (command -v apt-get >/dev/null && apt-get update -q >/dev/null && apt-get install -y -q fonts-dejavu-core >/dev/null) \
		|| echo "note: no TrueType font found; install fonts-dejavu-core for GENERATOR=local"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/fanreel dev

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Re-resolve after changing pyproject.toml's dependencies (newest versions within its bounds).
lock: $(STAMP)
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 \
		--no-header --quiet -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 \
		--no-header --quiet -o requirements-dev.lock

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	@# bench/feed.py drives its HTTP load with wrk (a Debian package).
	@command -v wrk >/dev/null || (command -v apt-get >/dev/null && (apt-get install -y -q wrk \
		|| (apt-get update -q && apt-get install -y -q wrk)) >/dev/null) \
		|| echo "note: wrk not found; bench/feed.py needs it (apt-get install wrk)"
	@# bench/feed.py serves the same feed with PostGraphile 4 (npm, versions locked in bench/postgraphile).
	@test -d bench/postgraphile/node_modules/postgraphile || npm ci --no-audit --no-fund --prefix bench/postgraphile \
		|| echo "note: npm ci failed; bench/feed.py needs Node.js and npm for PostGraphile"
	$(PY) bench/detection.py
	$(PY) bench/detection_quality.py
	$(PY) bench/queue.py
	$(PY) bench/feed.py
	$(PY) bench/views.py
	$(PY) bench/search.py
