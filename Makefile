# The two commands of the README.  Everything is installed by these targets, nothing by hand.
#   make demo   install, then run the main job on the embedded default: start the demo portals
#               on localhost, crawl them, build the archive (nianbao.db) and serve it with Datasette
#   make test   install (system packages included), then run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLES ?= ../shared/examples

.PHONY: demo parse-examples test install install-system lint bench clean

$(BIN)/nianbao: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/nianbao

install: $(BIN)/nianbao

install-system:
	bash scripts/install-system.sh

DB ?= nianbao.db
PORT ?= 8001

demo: install
	$(BIN)/nianbao demo --db $(DB) --port $(PORT)

parse-examples: install
	$(BIN)/nianbao parse $(EXAMPLES)

lint: install
	$(BIN)/ruff check .

test: install-system install lint
	$(BIN)/pytest -n 2 -q

bench: install
	$(BIN)/python bench/parse.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
