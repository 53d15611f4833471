# driverhome: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DRIVERHOME_DATA_DIR ?= $(CURDIR)/var

.PHONY: run fakes test install install-test browser lint format migrations bench loadtest clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## run: set up, migrate, load the Beilun demo and serve on http://127.0.0.1:$(PORT)
run: install
	$(BIN)/driverhome migrate --no-input
	$(BIN)/driverhome demo
	@echo ""
	@echo "driverhome is starting on http://127.0.0.1:$(PORT)  (staff console: /console/, driver site: /)"
	PORT=$(PORT) $(BIN)/driverhome serve --bind 127.0.0.1:$(PORT)

## fakes: local fakes of the SMS providers, WeChat and an OpenID provider for `make run`
# (PROVIDER=aliyun|tencent); then, in another terminal: DRIVERHOME_ENV_FILE=var/fakes.env make run
PROVIDER ?= aliyun
fakes: install
	$(BIN)/driverhome fakes --provider $(PROVIDER) --site http://127.0.0.1:$(PORT)

## browser: Debian's Chromium for the browser tests (never a browser downloaded by Playwright)
browser:
	@bash scripts/ensure-chromium.sh

## test: install what the tests need and run them all
# The browser journeys run in a process of their own (one Chromium for all of them)
# against a platform server on the engine of the run: its own SQLite data folder, or,
# when DATABASE_URL is set, its own PostgreSQL database on that server (the URL's
# database name + "_browser", created afresh for the run and dropped after it).
test: install-test browser
	DRIVERHOME_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -p no:cacheprovider -n 2 -m "not browser" $(PYTEST_ARGS)
	DRIVERHOME_DATA_DIR=$(CURDIR)/var/test-browser $(BIN)/pytest -p no:cacheprovider -p no:xdist -m browser $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DRIVERHOME_ENV=test $(BIN)/driverhome makemigrations --check --dry-run

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: install
	$(BIN)/driverhome makemigrations

messages: install
	$(BIN)/driverhome messages

## bench: the benchmark suite (SCALE=beilun|province)
bench: install
	bash bench/run.sh $(SCALE)

loadtest: install
	bash bench/loadtest.sh

clean:
	rm -rf $(VENV) var build *.egg-info
