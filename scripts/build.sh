#!/usr/bin/env bash
# The one build of what `make run`, the end-to-end tests and `make package` use: the CLI, the
# desktop app (ui/dist embedded; `make ui` first) and the provider simulator. scripts/test.sh
# runs it before `cargo test`, which then reuses these binaries, so `make run` or `make package`
# after `make test` prints only "Finished". Not `cargo build --workspace`: that also builds the
# end-to-end harness and the benchmark peer (tests/empty-window), which `make run` never uses.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo build --locked -p keyshelf-cli -p keyshelf-desktop -p keyshelf-provider-sim
