# BillByte for Odoo: one entry point. See README.md.
SHELL := /bin/bash
SETUP := source scripts/setup.sh
ROWS ?= 1000000

.PHONY: run test lint bench-import setup
setup:
	@$(SETUP) && echo "Odoo: $$ODOO_SRC  venv: $$VENV_PY  PostgreSQL: $$PGHOST:$$PGPORT"

run:
	@$(SETUP) && "$$VENV_PY" scripts/billbyte.py run

test:
	@$(SETUP) && "$$VENV_PY" scripts/billbyte.py test

lint:
	@$(SETUP) && PATH="$$(dirname "$$VENV_PY"):$$PATH" pre-commit run --all-files --show-diff-on-failure

bench-import:
	@$(SETUP) && "$$VENV_PY" scripts/bench_import.py --rows $(ROWS) $(if $(PROFILE),--profile)
