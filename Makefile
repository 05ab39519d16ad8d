# The two commands: `make run` and `make test`. Each installs what it needs and is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := run

CARGO ?= cargo
POSTGRES_SERVER ?= postgres://postgres@127.0.0.1:5432/postgres

# `make run RELEASE=1` serves the optimised build (`make release`) instead of the debug one.
RELEASE ?=
ifeq ($(RELEASE),1)
RUN_BUILD := release
RUN_BIN := ./target/release/cleared
RUN_SITE := target/site-release
else
RUN_BUILD := site server
RUN_BIN := ./target/debug/cleared
RUN_SITE := target/site
endif

# wasm-opt from npm's binaryen 132.0.0, pinned by xtask/node/package-lock.json. Debian's
# binaryen writes wasm that fails to hydrate: never use it.
WASM_OPT := xtask/node/node_modules/.bin/wasm-opt

.PHONY: run test site server release wasm-opt wasm-budget tools browser lint fmt clean-data

## Build the app and serve it at http://127.0.0.1:3000 on a SQLite file under data/, with demo data.
## `make run RELEASE=1` builds and serves the release build instead (see `make release`).
run: tools $(RUN_BUILD)
	@echo "==> migrating the database and loading the demo data (idempotent)"
	@$(RUN_BIN) seed --demo
	@echo "==> starting Cleared (Ctrl-C stops it)"
	@CLEARED_SITE_ROOT=$${CLEARED_SITE_ROOT:-$(RUN_SITE)} exec $(RUN_BIN) serve

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
	echo "==> checking the release wasm against its size budget"; \
	if ! $(MAKE) --no-print-directory wasm-budget; then status=1; fi; \
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

## The optimised build a deployment uses: ./target/release/cleared and the site in
## target/site-release (wasm-opt'd, content-hashed names, .gz and .br siblings).
## Serve it with `make run RELEASE=1`, or copy both and set CLEARED_SITE_ROOT.
release: tools wasm-opt
	@echo "==> compiling the optimised server (the first release build takes several minutes)"
	@$(CARGO) build --release -p server --bin cleared
	@$(CARGO) xtask build-site --release
	@echo "==> release build ready: CLEARED_SITE_ROOT=target/site-release ./target/release/cleared serve"

## Builds the release site and fails when its wasm, gzipped, is over the budget in xtask.
wasm-budget: tools wasm-opt
	@$(CARGO) xtask wasm-budget

## wasm-opt for release builds, installed under xtask/node (no global npm changes).
wasm-opt:
	@if [ ! -x $(WASM_OPT) ]; then \
	  if ! command -v npm >/dev/null 2>&1; then \
	    echo "==> installing Node.js and npm from Debian's packages"; \
	    SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	    $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q nodejs npm; \
	  fi; \
	  echo "==> installing wasm-opt (npm binaryen 132.0.0) into xtask/node/node_modules"; \
	  npm ci --prefix xtask/node --no-audit --no-fund; \
	fi

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
