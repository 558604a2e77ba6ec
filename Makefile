# BillByte for Odoo: one entry point. See README.md.
SHELL := /bin/bash
SETUP := source scripts/setup.sh
ROWS ?= 1000000

DAYS ?= 30

.PHONY: run test test-odoo pytest lint bench-import bench-month bench-api bench-billing bench-prices bench-licenses setup
setup:
	@$(SETUP) && echo "Odoo: $$ODOO_SRC  venv: $$VENV_PY  PostgreSQL: $$PGHOST:$$PGPORT"

run:
	@$(SETUP) && "$$VENV_PY" scripts/billbyte.py run

test:
	@$(SETUP) && "$$VENV_PY" scripts/billbyte.py test

# Odoo's own tests of the modules ours depend on, with ours installed
# (WITHOUT_OURS=1: without them, to check tests/odoo_known_failures.txt).
test-odoo:
	@$(SETUP) && "$$VENV_PY" scripts/billbyte.py test-odoo $(ARGS)

# One test file or test in seconds, on an installed database:
#   make pytest T=addons/billbyte_usage/tests/test_usage_import.py K=restatement
pytest:
	@$(SETUP) && "$$VENV_PY" scripts/billbyte.py pytest -- $(or $(T),addons) $(if $(K),-k "$(K)") $(ARGS)

lint:
	@$(SETUP) && PATH="$$(dirname "$$VENV_PY"):$$PATH" pre-commit run --all-files --show-diff-on-failure

bench-import:
	@$(SETUP) && "$$VENV_PY" scripts/bench_import.py --rows $(ROWS) $(if $(PROFILE),--profile)

# A month of 30 daily month-to-date deliveries (1,000,000 rows at day 30), in order.
bench-month:
	@$(SETUP) && "$$VENV_PY" scripts/bench_month.py --rows $(ROWS) --days $(DAYS) $(if $(PROFILE),--profile)
# 10,000,000 usage rows (kept in bb_api_bench), then 20 API clients asking unbilled usage for 60 s.
bench-api:
	@$(SETUP) && $(if $(WORKERS),BILLBYTE_WORKERS=$(WORKERS)) "$$VENV_PY" scripts/bench_api_usage.py $(if $(filter-out file,$(origin ROWS)),--rows $(ROWS)) $(if $(CLIENTS),--clients $(CLIENTS)) $(if $(SECONDS),--seconds $(SECONDS)) $(if $(PROFILE),--profile) $(if $(RELOAD),--reload)

# A 200,000-line price sheet into an empty catalog, again unchanged, then 1 % changed.
bench-prices:
	@$(SETUP) && "$$VENV_PY" scripts/bench_prices.py $(if $(LINES),--lines $(LINES)) $(if $(PROFILE),--profile)

bench-billing:
	@$(SETUP) && "$$VENV_PY" scripts/bench_billing.py $(if $(CUSTOMERS),--customers $(CUSTOMERS)) $(if $(WORKERS),--workers $(WORKERS)) $(if $(PROFILE),--profile)

bench-licenses:
	@$(SETUP) && "$$VENV_PY" scripts/bench_licenses.py $(if $(CUSTOMERS),--customers $(CUSTOMERS)) $(if $(RATE),--rate $(RATE))
