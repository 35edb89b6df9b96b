# Two commands on a fresh machine with Python >= 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test install install-test lint bench bench-load check-engine clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# A random secret for this checkout's development server, kept in instance/ (not in git).
instance/secret_key:
	mkdir -p instance
	$(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@
	chmod 600 $@

run: install instance/secret_key
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask --app grader db upgrade
	SECRET_KEY=$$(cat instance/secret_key) $(BIN)/flask --app grader seed-demo-if-empty
	@# The job worker (huey's consumer on instance/jobs.sqlite) runs beside the web server and
	@# stops with it: Ctrl-C, or the server exiting, interrupts the worker (its running jobs
	@# are marked failed; their work is not committed).
	export SECRET_KEY=$$(cat instance/secret_key); \
	$(BIN)/flask --app grader jobs worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app grader run --host 127.0.0.1 --port $(PORT)

test: install-test
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/bench_problems.py

# Needs wrk (Debian's package, installed here if missing) and PostgreSQL on 127.0.0.1 (its
# own database bench_lean).
bench-load: install
	command -v wrk >/dev/null || (apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk))
	$(BIN)/python bench/bench_load.py

check-engine: install
	$(BIN)/python -m problems check --variants 1000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
