# Minsheng: the two commands are `make run` and `make test`; everything else here serves them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
# Development and tests: DEBUG on (the settings default to off, a safe production system). A live
# system runs manage.py and gunicorn without these (README, "Deploying").
DEBUG ?= 1
export DEBUG

.PHONY: run test setup migrate demo lint format messages clean

# The virtual environment, reinstalled only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	@touch $@

setup: $(VENV)/.installed

migrate: setup
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py demo

## Serve the app with its Celery worker and beat at http://127.0.0.1:$(PORT); one Ctrl-C stops all.
## The demo signs in with passwords alone (TWO_FACTOR_REQUIRED=0); the sign-in page says so.
run: demo
	@TWO_FACTOR_REQUIRED=$${TWO_FACTOR_REQUIRED:-0} bash bin/serve

## Lint, check migrations, run the whole test suite (browser tests included when Chromium is found).
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Extract translatable strings into locale/zh_Hans and recompile the catalogue (needs GNU gettext).
messages: setup
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore "$(VENV)" --ignore var

clean:
	rm -rf $(VENV) var db.sqlite3
