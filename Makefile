# Rampart's two commands:
#   make run    set up, build and start Rampart Console
#   make test   set up and run every check and test suite
# Everything else here is a step of those two.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never
CONSOLE_BIN := $(CARGO_TARGET_DIR)/debug/rampart-console
DESKTOP := scripts/with-desktop.sh

.PHONY: run test setup setup-test ui app hub lint lint-rust lint-ui test-rust test-ui test-browser test-webkit fuzz-build bindings fmt clean perf-console

# With no hub configured the console starts its embedded demo hub (RAMPART_DEMO=1) and prints
# how to sign in; a configured hub (or RAMPART_HUB_URL) takes precedence.
run: setup app
	@echo "Starting Rampart Console ($(CONSOLE_BIN))"
	RAMPART_DEMO=$${RAMPART_DEMO:-1} $(CONSOLE_BIN)

test: setup-test lint app test-rust test-ui test-browser test-webkit fuzz-build
	@echo "make test: all suites passed"

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

ui:
	npm --prefix ui run --silent build

# The console as users run it: the built UI embedded, dev identifiers (debug build).
app: ui
	cargo build -p rampart-console --features custom-protocol

lint: lint-rust lint-ui

lint-rust:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

lint-ui:
	npm --prefix ui run --silent check
	npm --prefix ui run --silent lint

# Every Rust test, including the e2e tests against the built app and the real Secret Service,
# inside a throwaway desktop session. The two variables make missing prerequisites a failure
# instead of a skip.
test-rust:
	RAMPART_E2E=1 RAMPART_REQUIRE_SECRET_SERVICE=1 $(DESKTOP) cargo test --workspace -- --test-threads=2

test-ui:
	npm --prefix ui run --silent test

# Browser tests: the console UI with the IPC mocked, and the hub's visitor chat against a real
# hub binary with a real agent.
test-browser: ui hub
	npm --prefix ui run --silent test:browser

# The one-tag embed in WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver), which needs a
# display.
test-webkit: hub
	$(DESKTOP) npm --prefix ui run --silent test:webkit

hub:
	cargo build -p rampart-hub

# The fuzz targets (cargo-fuzz projects outside the workspace) must keep compiling. Running them
# needs cargo-fuzz and RUSTC_BOOTSTRAP=1; each crate's README records its runs.
FUZZ_DIRS := fuzz crates/auth/fuzz crates/audit/fuzz
fuzz-build:
	for dir in $(FUZZ_DIRS); do cargo build --manifest-path $$dir/Cargo.toml --release --bins --quiet; done
	@echo "fuzz targets build"

# Performance figures for the console, printed as a table (not part of `make test`): cold start
# to the first screen, memory of the app's process tree idle and with 20 conversations of 1,000
# messages, hub-to-paint latency. docs/performance.md records the results and how to read them.
perf-console: app
	$(DESKTOP) cargo run --quiet -p rampart-e2e --bin console-perf

bindings:
	RAMPART_UPDATE_BINDINGS=1 cargo test -p rampart-console-core --test bindings --quiet
	RAMPART_UPDATE_BINDINGS=1 cargo test -p rampart-protocol --test protocol --quiet committed_typescript_bindings

fmt:
	cargo fmt --all
	npm --prefix ui run --silent format

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules .e2e-artifacts
