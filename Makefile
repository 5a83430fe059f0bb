# Keyshelf: the two commands are `make run` and `make test`. See README.md.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: setup build ui run test test-core test-ui test-e2e bench bench-smoke fmt lint clean

setup:
	@scripts/setup.sh

ui: setup
	@if [[ -f ui/package.json ]]; then cd ui && npm run --silent build; fi

build: setup ui
	$(CARGO) build --workspace --locked

## Starts the desktop app on a demo home with the provider simulator (private keyring session).
run: build
	@scripts/run-demo.sh

## Every test: core and CLI against a real Secret Service, the UI's unit tests, end to end.
test: setup ui
	@scripts/test.sh

## Benchmarks beside their peers; writes .bench/results.md (see BENCHMARKS.md).
bench: setup ui
	@scripts/bench.sh

bench-smoke: setup ui
	@BENCH_SMOKE=1 scripts/bench.sh

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules .demo .bench
