PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

REPLICAS ?= $(shell nproc)
PORT ?= 8501
ADDRESS ?= 0.0.0.0

.PHONY: run class test bench system haproxy

# The app: creates .venv when missing, installs requirements.txt into it, starts Streamlit.
run: $(VENV)/.app
	$(BIN)/streamlit run app.py

# A class: REPLICAS app processes on 127.0.0.1 (default one per core) behind HAProxy on
# ADDRESS:PORT, in the foreground; Ctrl-C stops all of it (deploy/classroom.py).
class: $(VENV)/.app haproxy
	$(BIN)/python -m deploy.classroom --replicas $(REPLICAS) --port $(PORT) --address $(ADDRESS)

# The whole suite: lint, engine and app tests, real-browser tests, all with networking
# denied (scripts/offline): the app must work with no network.
test: $(VENV)/.dev system
	$(BIN)/ruff check .
	CHROMIUM=$(CHROMIUM) scripts/offline $(BIN)/python -m pytest

bench: $(VENV)/.app
	$(BIN)/python -m bench.train_speed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# requirements.txt lists download.pytorch.org for torch's CPU build. Where that host cannot be
# reached (machines that reach PyPI or a mirror only, like this project's CI), pip would retry it
# for every package, with pauses: 7-8 minutes instead of one. There it tries each source once more, at once.
PIP_INSTALL = $(BIN)/pip install $(shell $(PYTHON) -c "import socket; \
  socket.create_connection(('download.pytorch.org', 443), 3).close()" 2>/dev/null || echo --retries 1)

$(VENV)/.app: requirements.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@ $(VENV)/.app

# System packages the suite needs, installed with apt when missing and the user is root:
# Debian's Chromium for the real-browser tests (Playwright's own browser download does not
# work offline), iproute2, whose `ip` brings up loopback in scripts/offline, PostgreSQL, which
# the class board's tests start as a throwaway cluster (harness/postgres.py), and HAProxy for
# `make class` and its tests.
APT_INSTALL = if [ "$$(id -u)" = 0 ]; then apt-get install -y $(1) || { apt-get update && apt-get install -y $(1); }; \
  else echo "$(2)"; exit 1; fi

system: haproxy
	@test -x $(CHROMIUM) || { $(call APT_INSTALL,chromium,Browser tests need Chromium at $(CHROMIUM): \
	  sudo apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)); }
	@PATH="$$PATH:/usr/sbin:/sbin" command -v ip >/dev/null || \
	  { $(call APT_INSTALL,iproute2,The suite runs with networking denied and needs ip: sudo apt-get install -y iproute2); }
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || \
	  { $(call APT_INSTALL,postgresql,The class board is tested on PostgreSQL: sudo apt-get install -y postgresql); }

haproxy:
	@PATH="$$PATH:/usr/sbin:/sbin" command -v haproxy >/dev/null || \
	  { $(call APT_INSTALL,haproxy,make class needs HAProxy: sudo apt-get install -y haproxy); }
