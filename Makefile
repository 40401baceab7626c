# Two promises: `make run` serves the demo on SQLite, `make test` runs every test on SQLite and
# on a throwaway PostgreSQL. Both set up .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
STAMP  := $(VENV)/.installed

.PHONY: install run test test-sqlite test-postgres lint schema policy-table bench clean

# `$(call timed,STEP,COMMAND)`: run COMMAND, then print `==> STEP (12.3 s)`; fails as it fails.
CLOCK  = $(PYTHON) -c 'import time; print(time.time())'
TOOK   = $(PYTHON) -c 'import sys, time; print(f"==> {sys.argv[1]} ({time.time() - float(sys.argv[2]):.1f} s)")'
timed  = t0=$$($(CLOCK)) && $(2) && $(TOOK) '$(1)' "$$t0"

$(STAMP): pyproject.toml
	@echo "==> installing into $(VENV): pip, then shopiq with its dev tools"
	@$(call timed,virtualenv ready,test -x $(BIN)/python || $(PYTHON) -m venv $(VENV))
	@$(call timed,pip upgraded,$(BIN)/python -m pip install --quiet --upgrade pip)
	@$(call timed,shopiq and dev tools installed,$(BIN)/python -m pip install --quiet -e '.[dev]')
	@touch $(STAMP)

install: $(STAMP)

run: install
	@$(call timed,database migrated,$(BIN)/shopiq db upgrade)
	@$(call timed,demo seeded,$(BIN)/shopiq demo)
	@echo "==> serving http://$(HOST):$(PORT)/graphql (Ctrl-C stops)"
	@$(BIN)/shopiq serve --host $(HOST) --port $(PORT)

test: install
	bash tests/both_backends.sh $(BIN)/python $(PYTEST_ARGS)

test-sqlite: install
	@echo "==> test suite on SQLite"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	@echo "==> test suite on PostgreSQL"
	bash tests/with_postgres.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/shopiq schema --check
	$(BIN)/python -m policies.permission_table --check

schema: install
	$(BIN)/shopiq schema --write

policy-table: install
	$(BIN)/python -m policies.permission_table --write

bench: install
	$(BIN)/python -m bench
	$(BIN)/python -m bench --earnings

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
