# Every target bootstraps what it needs: a clean clone needs only python3 (3.11+), node and npm.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
export PYTHONPATH := $(CURDIR)/functions:$(CURDIR)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

CLI := $(VENV)/bin/brandlink

.PHONY: venv jq chromium run test test-fast synth deploy diff bench lint assets clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

# The operator command `brandlink` (ops/cli.py): an editable install of this repository, so it runs
# from any directory without PYTHONPATH and always runs the code of this checkout.
$(CLI): pyproject.toml $(STAMP)
	$(PY) -m pip install -qq --disable-pip-version-check --no-deps -e .
	touch $@

# The README's curl tour captures SIDs with jq: install it when missing (apt-get as root, or Homebrew).
jq:
	@command -v jq >/dev/null 2>&1 || { \
	  echo "jq is missing (the README's tour uses it); installing it ..."; \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq jq >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }; \
	  elif command -v brew >/dev/null 2>&1; then brew install jq; fi; \
	  command -v jq >/dev/null 2>&1 || echo "warning: could not install jq: install it yourself" \
	    "(https://jqlang.org/download/) to follow the README's tour; make test needs it." >&2; }

# Browser tests (short links opened in a real browser, the insights page) drive Debian's chromium
# through playwright: install it when missing (apt-get as root). Playwright's own browser download
# does not work offline, so the tests launch the system binary.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "chromium is missing (the browser tests use it); installing it ..."; \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; \
	  fi; \
	  command -v chromium >/dev/null 2>&1 || echo "warning: could not install chromium: install it yourself" \
	    "(Debian/Ubuntu: apt-get install chromium); the browser tests need it." >&2; }

venv: $(STAMP) $(CLI) jq

## make run: the whole system on this machine (moto server + gateway + pumps)
run: venv
	$(PY) -m local

## make test: unit, integration (moto), infra (template + cdk-nag), e2e (local stack)
test: venv chromium
	$(PY) -m pytest -n 2 --dist loadgroup -q

test-fast: venv
	$(PY) -m pytest -q -m "not infra and not e2e"

## make assets: Lambda code + runtime deps for arm64, no Docker (used by synth and deploy)
assets: venv
	$(PY) -m infra.assets

synth: assets
	$(PY) app.py

node_modules/.bin/cdk: package.json
	npm install --no-audit --no-fund
	touch $@

deploy: assets node_modules/.bin/cdk
	npx cdk deploy --require-approval never $(CDK_ARGS)

diff: assets node_modules/.bin/cdk
	npx cdk diff $(CDK_ARGS)

bench: venv
	$(PY) -m bench

## make lint: ruff (style, imports) and mypy (types, strict) on the Lambda code, the stack and the local runner
lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy functions/brandlink infra local

clean:
	rm -rf $(VENV) build cdk.out node_modules .brandlink
