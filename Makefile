# Everything goes through uv: it creates .venv and installs from the committed uv.lock.
# `make run` and `make test` are the two commands a newcomer needs.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo .venv-tools/bin/uv)
PY := .venv/bin/python
export PYTHONPATH := $(CURDIR):$(CURDIR)/services
# Bytecode is kept (an environment may set PYTHONDONTWRITEBYTECODE=1; empty means unset): without
# it every Python process — each test worker, each service process the integration tests start,
# each CLI call — compiles FastAPI, SQLAlchemy, pydantic and the services from source again, which
# cost seconds per process. `make venv` compiles the installed packages once (--compile-bytecode).
export PYTHONDONTWRITEBYTECODE :=

.DEFAULT_GOAL := help
.PHONY: help venv frontend e2e-deps bank-deps esia-clients run test lint fmt migrate seed bench clean docs

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv .venv-tools && .venv-tools/bin/pip install -q uv

venv: $(UV) frontend ## create .venv and install the locked dependencies
	@$(UV) sync --frozen --quiet --compile-bytecode

# The in-browser signer of the signature-login page (docs/pki.md, "Signing in the browser"): PKI.js
# from the committed npm lock file, bundled by esbuild into services/idp/static_build/ (git-ignored),
# served at /static/idp/pfx-signer.js. npm ci only when the lock file is newer than node_modules, the
# bundle only when a source or the lock file is newer than it. Without npm the page works without it
# (upload a signature file), and tests/e2e/test_pfx_signer.py skips.
FRONTEND := services/idp/frontend
SIGNER := services/idp/static_build/pfx-signer.js
frontend: ## build the in-browser signer (npm ci + esbuild; needs Node.js)
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "make: npm not found: the in-browser signer is not built (install Node.js)"; \
	else \
	  if [ ! $(FRONTEND)/node_modules/.package-lock.json -nt $(FRONTEND)/package-lock.json ]; then \
	    npm ci --prefix $(FRONTEND) --no-audit --no-fund --loglevel=error; \
	  fi; \
	  if [ ! -f $(SIGNER) ] || [ -n "$$(find $(FRONTEND)/src $(FRONTEND)/package.json $(FRONTEND)/package-lock.json -newer $(SIGNER))" ]; then \
	    npm run --prefix $(FRONTEND) --silent build; \
	  fi; \
	fi

# axe-core for the browser accessibility tests, from the committed npm lock file. Without npm this
# says so and goes on: tests/e2e/test_pages_accessibility.py then skips (no Node) or fails (Node
# but no package).
AXE := tests/e2e/axe
e2e-deps: ## install axe-core for the accessibility tests (npm ci; needs Node.js)
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "make: npm not found: the accessibility tests will be skipped (install Node.js)"; \
	elif [ ! $(AXE)/node_modules/.package-lock.json -nt $(AXE)/package-lock.json ]; then \
	  npm ci --prefix $(AXE) --no-audit --no-fund --loglevel=error; \
	fi

# The demo bank of «Войти через банк» (docs/bank-id.md): panva's oidc-provider from the committed npm
# lock file. The bank-login tests start it (tests/idp/brokering/) and `make run` does too. Without
# npm this says so and goes on: those tests then skip, and `make run` offers no bank.
BANK := tests/bank_provider
bank-deps: ## install the demo bank (oidc-provider; npm ci; needs Node.js)
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "make: npm not found: no demo bank, the bank-login tests will be skipped (install Node.js)"; \
	elif [ ! $(BANK)/node_modules/.package-lock.json -nt $(BANK)/package-lock.json ]; then \
	  npm ci --prefix $(BANK) --no-audit --no-fund --loglevel=error; \
	fi

ESIA_ENV := .venv-esia
esia-clients: $(UV) ## the real ESIA client library (esia-connector, PyJWT 1.x) in its own .venv-esia
	@if [ ! $(ESIA_ENV)/.installed -nt tests/esia_clients/requirements.txt ]; then \
	  $(UV) venv -q --python python3 $(ESIA_ENV) && \
	  $(UV) pip install -q --compile-bytecode --python $(ESIA_ENV)/bin/python --require-hashes -r tests/esia_clients/requirements.txt && \
	  touch $(ESIA_ENV)/.installed; \
	fi

run: venv bank-deps ## migrate, seed and start idp :8000, egisz_api :8001, notifier :8002 (Ctrl-C stops)
	@$(PY) deploy/run_dev.py

# pytest-xdist: one worker per core; a module with a module-scoped fixture stays on one worker
# (tests/conftest.py marks its tests with an xdist_group). PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto

test: venv e2e-deps bank-deps esia-clients ## the whole suite (SQLite; set TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
	@$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: venv ## ruff check, ruff format --check, mypy, import-linter contracts
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/mypy shared services
	@.venv/bin/lint-imports

fmt: venv ## format and autofix
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .

migrate: venv ## upgrade all three databases to head
	@$(PY) deploy/run_dev.py --only-migrate

seed: venv ## create the demo data and write var/demo.json (dev mode)
	@$(PY) deploy/run_dev.py --only-seed

bench: venv ## run every benchmark under bench/ and print the figures
	@for f in bench/bench_*.py; do [ -e "$$f" ] || continue; echo "== $$f"; $(PY) "$$f" || exit 1; done

clean: ## remove var/ (databases, demo.json) and caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache $(AXE)/node_modules $(BANK)/node_modules $(FRONTEND)/node_modules services/idp/static_build

docs: venv ## regenerate the configuration table in README.md from the settings classes
	@$(PY) deploy/settings_table.py --write README.md
