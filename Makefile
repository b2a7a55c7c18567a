PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test bench browser

# The app: creates .venv when missing, installs requirements.txt into it, starts Streamlit.
run: $(VENV)/.app
	$(BIN)/streamlit run app.py

# The whole suite: lint, engine and app tests, real-browser tests.
test: $(VENV)/.dev browser
	$(BIN)/ruff check .
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest

bench: $(VENV)/.app
	$(BIN)/python bench/train_speed.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.app: requirements.txt | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -r requirements-dev.txt
	touch $@ $(VENV)/.app

# Real-browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; \
	  else echo "Browser tests need Chromium at $(CHROMIUM): sudo apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)"; exit 1; fi; }
