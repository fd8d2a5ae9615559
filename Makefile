# Front door for developers. `make serve` and `make test` work on a fresh clone.
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1

.PHONY: install install-server serve test lint typecheck unit fuzz-api model docs

# Everything, with the test and lint tools (and torch for the sentence-transformers path).
install:
	@CML_VENV=$(VENV) ./scripts/install.sh

# Only what serving needs: the server and local ONNX embeddings (no torch, no dev tools).
install-server:
	@CML_VENV=$(VENV) CML_EXTRAS=server ./scripts/install.sh

# The server on its embedded default: SQLite in ./cml-data, local MiniLM embeddings, port 8000.
# Development keys unless you set your own: CML_API_KEY=dev-key, CML_ADMIN_API_KEY=dev-admin-key.
serve: install-server
	CML_API_KEY=$${CML_API_KEY:-dev-key} CML_ADMIN_API_KEY=$${CML_ADMIN_API_KEY:-dev-admin-key} \
	$(BIN)/cml serve --data-dir $${CML_DATA_DIR:-./cml-data}

lint: install
	$(BIN)/ruff check src tests benchmarks scripts examples
	$(BIN)/ruff format --check src tests benchmarks scripts examples

typecheck: install
	$(BIN)/mypy

# The suite on PYTEST_WORKERS processes (pytest-xdist; each test file stays on one worker, so
# its module fixtures are built once). CI's machine has two cores; PYTEST_WORKERS=0 runs it in
# this process.
PYTEST_WORKERS ?= 2
unit: install
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile

# Everything CI checks: lint, types, the whole test suite.
test: lint typecheck unit

# Fuzz the API from its OpenAPI document (schemathesis against a real `cml serve` on SQLite),
# bounded: FUZZ_API_EXAMPLES cases per operation and mode, FUZZ_API_TIMEOUT seconds at most.
fuzz-api: install
	CML_VENV=$(VENV) ./scripts/fuzz_api.sh

# Rebuild the shipped int8 model from the upstream weights (needs the dev install).
model: install
	$(BIN)/python scripts/build_model.py

# The documentation site into site/ (MkDocs Material, API reference from the docstrings), strict:
# a broken link or docstring fails it, as in CI.
docs: install
	@echo "make docs: installing the docs extra (mkdocs, mkdocs-material, mkdocstrings)" >&2
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[docs]"
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
