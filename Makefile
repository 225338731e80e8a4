# The two commands of the README. Both create and reuse .venv (Python 3.11).
SHELL := bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# pip here warns about every mirror folder a package is absent from; keep real errors only.
QUIET_PIP := { grep -v "is ignored: it is neither a file nor a directory" || true; }
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

NPM_STAMP := node_modules/.installed

.PHONY: site test lint browser-deps example-deps clean fuzz

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip 2>&1 | $(QUIET_PIP)
	$(PY) -m pip install --quiet -e '.[dev]' 2>&1 | $(QUIET_PIP)
	@# bytecode now, as pip compiles a plain install: where PYTHONDONTWRITEBYTECODE is set
	@# an editable install would otherwise compile every module on every start (50 ms)
	$(PY) -m compileall -q reference_impl
	touch $(STAMP)

## site: build the documentation site into _build/html, warnings are errors
site: $(STAMP) $(NPM_STAMP)
	$(PY) -m sphinx -W --keep-going -q -b html . _build/html

## the site's npm packages (Pyodide for the wheel check), exactly as package-lock.json pins
## them; once node_modules exists this is skipped, and npm ci reuses npm's own cache (~/.npm)
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## browser-deps: Debian's headless Chromium and its driver, for the site's browser test
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

## example-deps: node, which runs the protocol guide's JavaScript example server in the tests
example-deps:
	@command -v node >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null; }

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

## test: the whole suite: lint, the site, then pytest (including the browser test)
test: $(STAMP) browser-deps example-deps lint site
	$(PY) -m pytest

## fuzz: the whole fuzz campaign (seeded, 12,000 cases in limited children), counts per class;
## exit 1 on any traceback, internal error, messy answer or run over the limits.
## FUZZ_ARGS passes options, e.g. FUZZ_ARGS="--seed 7 --elf 500"
fuzz: $(STAMP)
	$(PY) -m tests.fuzz $(FUZZ_ARGS)

clean:
	rm -rf _build
