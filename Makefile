# Lubdub — see README.md. `make run` serves on http://localhost:$(PORT); `make test` runs everything.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 3000
# The bind address: loopback by default; HOST=0.0.0.0 (or ::) serves the network.
HOST ?= 127.0.0.1

export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
# Reflex otherwise measures several npm mirrors at start; use the one npm is configured with.
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null)
export PORT

.PHONY: run install install-dev migrate test lint bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	# The `lubdub` command, from this checkout (its dependencies are pinned above).
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) -m dashboard migrate

run: migrate
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/reflex run --env prod --single-port \
		--backend-host $(HOST) --frontend-port $(PORT) --backend-port $(PORT)

test: install-dev lint
	./scripts/test.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy dashboard lubdub

bench: install-dev
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m bench

clean:
	rm -rf .web .states data
