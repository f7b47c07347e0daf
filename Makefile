# One entry point for humans and CI. `make test` builds the virtualenv itself,
# so a fresh clone needs nothing but python3 (>= 3.11).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install serve test check lint fmt bench clean

# constraints.txt pins every version the suite was last run with (a lock for pip);
# pyproject.toml keeps the ranges a user of the package may install.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Run router + gateway in one process on 127.0.0.1:8080 (simulated deployments, no keys).
serve: $(STAMP)
	$(BIN)/airouter serve

## Install everything and run the whole test suite.
test: $(STAMP)
	$(BIN)/python -m pytest

## Format check, lint and strict types.
lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

## Everything CI runs: lint, then the whole test suite.
check: lint test

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
