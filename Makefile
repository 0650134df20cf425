# The two commands a newcomer runs: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := chromium fonts-noto-cjk gettext
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint bench install system-deps messages serve clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Debian packages the browser tests, PDFs and translations need; installed only when missing.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

messages: install system-deps
	cd src/fupin && FUPIN_WORK_DIR=$(CURDIR) ../../$(BIN)/fupin compilemessages -v0 --ignore "static/*"

demo: install system-deps messages
	$(BIN)/fupin migrate -v0
	$(BIN)/fupin loaddemo
	$(BIN)/fupin serve --host $(HOST) --port $(PORT)

serve: install messages
	$(BIN)/fupin migrate -v0
	$(BIN)/fupin serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test: install system-deps messages lint
	$(BIN)/pytest

bench: install system-deps messages
	DJANGO_SETTINGS_MODULE=fupin.settings $(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles fupin.sqlite3*
