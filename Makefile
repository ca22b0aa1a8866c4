# The README's commands. Each sets up .venv from pyproject.toml (and the pinned
# constraints) on first use, and again whenever either file changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup serve site test check bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/digest serve

site: $(STAMP)
	$(BIN)/digest build

check: $(STAMP)
	$(BIN)/digest check

# axe-core (the accessibility tests' engine) from the npm registry, pinned by its lock.
AXE := tests/axe/node_modules/axe-core/axe.min.js

$(AXE): tests/axe/package.json tests/axe/package-lock.json
	cd tests/axe && npm ci --no-audit --no-fund --silent
	touch $(AXE)

test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf site .venv .pytest_cache tests/axe/node_modules
