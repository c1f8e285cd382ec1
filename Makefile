# The two commands of the README: `make run` and `make test`. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint migrate seed messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(INSTALLED)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo ""
	@echo "  消费帮扶综合服务平台 · Consumption Assistance Portal"
	@echo "  http://$(HOST):$(PORT)/"
	@echo ""
	@echo "  Demo accounts (password: $${DEMO_PASSWORD:-portal-demo}):"
	@echo "    city_office       市协作办 city coordination office"
	@echo "    district_office   区协作办 district coordination office"
	@echo "    unit_clerk        预算单位经办人 budget-unit clerk (unit A)"
	@echo "    unit_approver     预算单位审核人 budget-unit approver (unit A)"
	@echo "    unit_clerk_2      预算单位经办人 budget-unit clerk (unit B)"
	@echo "    supplier          供应商 supplier"
	@echo "    supplier_2        供应商 another supplier"
	@echo "    reviewer          认证评审专家 certification reviewer"
	@echo "    admin             Django admin (/admin/)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .

test: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# `make backup`: one archive of the database and MEDIA_ROOT in $(BACKUP_DIR) (default backups/).
# `make restore FILE=backups/portal-….tar.gz`: put it back (asks first; YES=1 skips the question).
BACKUP_DIR ?= backups

.PHONY: backup restore

backup: install
	$(BIN)/python manage.py backup --output $(BACKUP_DIR)

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/portal-YYYYmmdd-HHMMSS.tar.gz"; exit 2; }
	$(BIN)/python manage.py restore $(if $(YES),--yes) "$(FILE)"

# `make bench`: the portal at city scale (10^5 and 10^6 records) against its SQL floor; builds the
# PostgreSQL databases portal_bench_* on first use (BENCH_POSTGRES_URL, default
# postgres://postgres@127.0.0.1:5432), writes bench/results/ and README.md's table.
# `make bench-quick`: the same at a tiny size, results in a temporary folder (what CI checks).
.PHONY: bench bench-quick

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: install
	$(BIN)/python bench/run.py --quick $(BENCH_ARGS)

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=static --ignore=tests --ignore=bench --no-obsolete
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv
	$(BIN)/python manage.py make_traditional_catalogue

clean:
	rm -rf $(VENV) db.sqlite3 media .test-media staticfiles .pytest_cache .ruff_cache
