# The two set-up commands of the README:
#   make demo   — install everything, seed the demo centre on SQLite, run the server
#   make test   — install everything, run the whole test suite (SQLite and, when reachable, PostgreSQL)
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Debian packages the product and its tests use (see README § Dependencies).
APT_PACKAGES := chromium xvfb xauth xclip espeak-ng libzbar0 libmtdev1 fonts-dejavu-core poppler-utils sox postgresql-client
PYTEST_ARGS ?=

.PHONY: install system-deps demo lint test test-fast clean

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: system-deps $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

demo: install
	$(BIN)/motcua-server demo

# Lint, format and import contracts first: CI fails on any of them, as on a failing test.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --config pyproject.toml

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Quick loop while developing: skips the end-to-end tests marked slow.
test-fast: lint
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) data tests/artifacts .pytest_cache
