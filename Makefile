# Front door for developers. `make serve` and `make test` work on a fresh clone.
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1

.PHONY: install serve test lint typecheck unit

install:
	@CML_VENV=$(VENV) ./scripts/install.sh

# The server on its embedded default: SQLite in ./cml-data, local MiniLM embeddings, port 8000.
# Development keys unless you set your own: CML_API_KEY=dev-key, CML_ADMIN_API_KEY=dev-admin-key.
serve: install
	CML_API_KEY=$${CML_API_KEY:-dev-key} CML_ADMIN_API_KEY=$${CML_ADMIN_API_KEY:-dev-admin-key} \
	$(BIN)/cml serve --data-dir $${CML_DATA_DIR:-./cml-data}

lint: install
	$(BIN)/ruff check src tests benchmarks scripts examples
	$(BIN)/ruff format --check src tests benchmarks scripts examples

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q

# Everything CI checks: lint, types, the whole test suite.
test: lint typecheck unit
