# `make run` serves the sample help centre (every version product.yml lists, with the switcher) and the case
# portal on http://127.0.0.1:8000 (SQLite in instance/);
# `make test` runs the whole suite.
# Both set up .venv first, so they work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench bench-search bench-portal bench-manuals bench-sanitise bench-robustness bench-portal-search clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q generator  # its bytecode, as a pip install leaves a package (an editable one has none)
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kb check
	$(BIN)/kb build --all-versions  # the current version at build/site, older ones (product.yml) under /v/
	KB_AGENT_PASSWORD=demo-password $(BIN)/kb agents add demo --level 3 --admin --if-missing \
	  --display-name "Demo agent" --email demo@example.com
	$(BIN)/kb portal --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check generator tests bench
	$(BIN)/python -m pytest -n 2 --durations=10 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/build.py

bench-search: $(STAMP)
	$(BIN)/python bench/search.py

bench-portal: $(STAMP)
	$(BIN)/python bench/portal.py

bench-manuals: $(STAMP)
	$(BIN)/python bench/manuals.py

bench-sanitise: $(STAMP)
	$(BIN)/python bench/sanitise.py

bench-robustness: $(STAMP)
	$(BIN)/python bench/robustness.py

bench-portal-search: $(STAMP)
	$(BIN)/python bench/portal_search.py

clean:
	rm -rf build .pytest_cache  # instance/ holds the cases and is kept
