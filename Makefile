# `make run` serves the sample help centre on http://127.0.0.1:8000; `make test` runs the whole suite.
# Both set up .venv first, so they work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kb check
	$(BIN)/kb serve --target site --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check generator tests bench
	$(BIN)/python -m pytest -n 2 --durations=10 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/build.py

clean:
	rm -rf build .pytest_cache
