# The two commands: `make run` and `make test`. Each installs what it needs and is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := run

CARGO ?= cargo
POSTGRES_SERVER ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test site server tools browser lint fmt clean-data

## Build the app and serve it at http://127.0.0.1:3000 on a SQLite file under data/, with demo data.
run: tools site server
	@echo "==> migrating the database and loading the demo data (idempotent)"
	@./target/debug/cleared seed --demo
	@echo "==> starting Cleared (Ctrl-C stops it)"
	@CLEARED_SITE_ROOT=$${CLEARED_SITE_ROOT:-target/site} exec ./target/debug/cleared serve

## Run every test: lints, unit tests, HTTP tests on SQLite and PostgreSQL, browser tests.
## Tests run in parallel; each test server has its own database.
test: tools browser site
	@set -euo pipefail; \
	if [ -z "$${CLEARED_TEST_POSTGRES_URL:-}" ]; then \
	  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then \
	    export CLEARED_TEST_POSTGRES_URL="$(POSTGRES_SERVER)"; \
	  elif [ "$${CLEARED_TEST_REQUIRE_POSTGRES:-}" = "1" ]; then \
	    echo "error: PostgreSQL is required (CLEARED_TEST_REQUIRE_POSTGRES=1) but no server answers on 127.0.0.1:5432"; exit 1; \
	  fi; \
	fi; \
	$(MAKE) --no-print-directory lint; \
	echo "==> running the tests (PostgreSQL: $${CLEARED_TEST_POSTGRES_URL:-not found, its variants are skipped})"; \
	log=$$(mktemp); \
	$(CARGO) test --workspace --exclude frontend --all-targets 2>&1 | tee "$$log"; \
	status=$${PIPESTATUS[0]}; \
	echo "==> question banks: the blind-learner table (strategies that need no reading)"; \
	$(CARGO) run -q -p server --bin cleared -- check-content || status=1; \
	if [ -n "$${CLEARED_TEST_POSTGRES_URL:-}" ]; then \
	  echo "==> all tests ran on SQLite and on PostgreSQL"; \
	else \
	  echo "==> WARNING: PostgreSQL was NOT tested (no server found); only SQLite ran"; \
	fi; \
	awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($$(i+1) ~ /^passed/) p += $$i; if ($$(i+1) ~ /^failed/) f += $$i; if ($$(i+1) ~ /^ignored/) s += $$i } } \
	     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$$log"; \
	rm -f "$$log"; \
	exit $$status

## Formatting and clippy for the server build and the WebAssembly build.
lint:
	@echo "==> cargo fmt --check"
	@$(CARGO) fmt --all --check
	@echo "==> clippy (server side)"
	@$(CARGO) clippy --workspace --exclude frontend --all-targets -- -D warnings
	@echo "==> clippy (browser side, wasm32)"
	@$(CARGO) clippy -p frontend -p app --features app/hydrate --target wasm32-unknown-unknown -- -D warnings

fmt:
	@$(CARGO) fmt --all

## The browser bundle (wasm, JS glue, CSS) in target/site.
site: tools
	@$(CARGO) xtask build-site

server:
	@echo "==> compiling the server (the first build takes several minutes)"
	@$(CARGO) build -p server --bin cleared

## The Rust target for WebAssembly.
tools:
	@if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$$'; then \
	  echo "==> installing the Rust target wasm32-unknown-unknown"; \
	  rustup target add wasm32-unknown-unknown; \
	fi

## Debian's Chromium and ChromeDriver for the browser tests.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  echo "==> installing Chromium and ChromeDriver from Debian's packages"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver; \
	fi

## Remove the local SQLite database (demo data is loaded again by `make run`).
clean-data:
	rm -rf data
