# Two entry points for a fresh Debian machine with Python 3.11+:
#   make site  - set up, build the demo site into site/
#   make test  - set up, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test bench serve golden clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/wenzheng build --strict
	@echo "The site is in site/. Preview it with: $(BIN)/wenzheng serve  (http://127.0.0.1:8000/)"

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

serve: $(STAMP)
	$(BIN)/wenzheng serve

golden: $(STAMP)
	$(BIN)/python -m tests.golden regenerate

clean:
	rm -rf site .generated build
