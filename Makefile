# The two set-up commands of the README:
#   make demo   — install everything, seed the demo centre on SQLite, run the server
#   make test   — install everything, run the whole test suite (SQLite and, when reachable, PostgreSQL),
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# libfaketime's missing sem_clockwait() (tests/faketime/sem_clockwait_shim.c), preloaded with it by the tests
FAKETIME_SHIM := $(VENV)/lib/sem_clockwait_shim.so
# Debian packages the product and its tests use (see README § Dependencies).
APT_PACKAGES := chromium xvfb xauth xclip espeak-ng libzbar0 libmtdev1 fonts-dejavu-core poppler-utils sox postgresql-client faketime gcc libc6-dev haproxy
PYTEST_ARGS ?=

.PHONY: install system-deps demo lint test test-fast test-faketime faketime-run clean

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

install: system-deps $(BIN)/python $(FAKETIME_SHIM)
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

# The fast suite once more with the whole process clock moved by libfaketime to a Sunday at
# 23:59:30 centre time (16:59:30 UTC), so it crosses midnight into Monday while it runs: no test
# may depend on the machine's date (tests/clock.py gives every test its own clock). libfaketime
# shifts the monotonic clock by the same offset (with FAKETIME_DONT_FAKE_MONOTONIC=1 Python's
# sleep fails); its missing sem_clockwait() wrapper, which turned every timed lock wait into a
# hang, is supplied by tests/faketime/sem_clockwait_shim.c. Any failure, and a run that collects
# nothing (exit 5), fails. Part of CI (.ci/run).
FAKETIME_AT ?= 2026-03-08 16:59:30
FAKETIME_PYTEST_ARGS ?= -n 2
test-faketime: lint faketime-run

$(FAKETIME_SHIM): tests/faketime/sem_clockwait_shim.c $(BIN)/python
	gcc -shared -fPIC -O2 -o $@ $< -ldl

# libfaketime is preloaded directly, not through Debian's `faketime` wrapper: the wrapper refuses to
# start when a killed process (the crash tests kill servers) left its shared-memory names under the
# wrapper's pid («sem_open: File exists»), which failed CI once. The variables a calling test
# process may carry for its own children are cleared, so the pass starts on FAKETIME_AT.
LIBFAKETIME = $(firstword $(wildcard /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1))
faketime-run: $(FAKETIME_SHIM)
	@test -n "$(LIBFAKETIME)" || { echo "libfaketime is missing: make system-deps installs the Debian package faketime" >&2; exit 1; }
	env -u FAKETIME_SHARED -u FAKETIME_DONT_RESET -u FAKETIME_DONT_FAKE_MONOTONIC \
	  LD_PRELOAD="$(LIBFAKETIME) $(abspath $(FAKETIME_SHIM))" FAKETIME='@$(FAKETIME_AT)' TZ=UTC \
	  $(BIN)/python -m pytest -m "not slow" -p no:cacheprovider $(FAKETIME_PYTEST_ARGS)

# Quick loop while developing: skips the end-to-end tests marked slow.
test-fast: lint
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) data tests/artifacts .pytest_cache
