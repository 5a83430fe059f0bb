# Keyshelf: the two commands are `make run` and `make test`. See README.md.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: setup build ui run test test-package package test-core test-ui test-e2e bench bench-smoke bench-soak fmt lint clean

setup:
	@scripts/setup.sh

## ui/dist, rebuilt only when a source changed: the app embeds it, so a rebuild that rewrites
## the same files would make cargo recompile the app on every `make run`.
ui: setup ui/dist/index.html

UI_SOURCES := $(shell find ui/src ui/index.html ui/package.json ui/package-lock.json ui/vite.config.ts \
	ui/svelte.config.js ui/tsconfig.json -type f 2>/dev/null)
ui/dist/index.html: $(UI_SOURCES)
	@cd ui && npm run --silent build

## The CLI, the app and the simulator, built as `make test` builds them (scripts/build.sh).
build: setup ui
	@scripts/build.sh

## Starts the desktop app on a demo home with the provider simulator (private keyring session).
run: build
	@scripts/run-demo.sh

## Every test: core and CLI against a real Secret Service, the UI's unit tests, end to end.
test: setup ui
	@scripts/test.sh

## The .deb and .rpm (desktop app + `keyshelf` CLI) from the test build, checked by lintian.
package: setup ui
	@scripts/package.sh

## The .deb installed into a throwaway root: its CLI and app run (make test runs this too).
test-package: setup ui
	@scripts/test-package.sh

## Benchmarks beside their peers; writes .bench/results.md (see BENCHMARKS.md).
bench: setup ui
	@scripts/bench.sh

bench-smoke: setup ui
	@BENCH_SMOKE=1 scripts/bench.sh

## Desktop memory over an hour of idle use, on the release app; writes .bench/soak.md. Not part
## of `make test` or `make bench` (it takes an hour; KEYSHELF_SOAK_SECS shortens it).
bench-soak: setup ui
	@scripts/bench/soak.sh

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules .demo .bench
