# Every target bootstraps what it needs: a clean clone needs only python3 (3.11+), node and npm.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
export PYTHONPATH := $(CURDIR)/functions:$(CURDIR)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: venv run test test-fast synth deploy diff bench lint assets clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

## make run: the whole system on this machine (moto server + gateway + pumps)
run: venv
	$(PY) -m local

## make test: unit, integration (moto), infra (template + cdk-nag), e2e (local stack)
test: venv
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

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) build cdk.out node_modules .brandlink
