#!/usr/bin/env bash
# `make run`: starts the desktop app on a demo home (.demo/ in the repo, git-ignored), seeded
# through the real `keyshelf` CLI with keys of different ages in each environment, inside a
# private keyring session (scripts/with-keyring.sh) — never the user's own keychain: keychain
# accounts are global, so demo keys there could overwrite real ones. The demo is reseeded on
# every run (its keychain dies with the private session).
#
# The provider simulator (crates/keyshelf-provider-sim) runs on loopback beside the app and is
# registered as the provider `demo-sim` (professional plan, 10 keys) with a few keys and some
# usage, one call of it refused, so the Providers and Usage screens have something to show.
#
# With no DISPLAY, the session starts Xvfb; this script then writes a screenshot of the window
# to .demo/screenshot.png every few seconds so you can look at it.
#
#   scripts/run-demo.sh            build products must exist (make run builds them)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [[ -z "${KEYSHELF_IN_TEST_SESSION:-}" ]]; then
  [[ -n "${DISPLAY:-}" ]] || export KEYSHELF_DEMO_HEADLESS=1
  exec scripts/with-keyring.sh "$0" "$@"
fi

target=${CARGO_TARGET_DIR:-$root/target}
cli=$target/debug/keyshelf
app=$target/debug/keyshelf-desktop
sim=$target/debug/keyshelf-provider-sim
for b in "$cli" "$app" "$sim"; do
  [[ -x $b ]] || { echo "run-demo: $b is missing; run \`make run\` (it builds first)" >&2; exit 1; }
done

export KEYSHELF_HOME=$root/.demo/home
rm -rf "$KEYSHELF_HOME"
mkdir -p "$KEYSHELF_HOME"

days_ago() { date -u -d "$1 days ago" +%F; }
# Obviously fake demo values, random so no two keys share one.
fake_secret() { printf 'demo_%s' "$(head -c 33 /dev/urandom | base64 | tr -d '/+=\n')"; }

seed() { # NAME ENV AGE_DAYS [extra CLI args...]
  local name=$1 env=$2 age=$3; shift 3
  fake_secret | "$cli" import "$name" --env "$env" --rotated-at "$(days_ago "$age")" "$@" >/dev/null
}

echo "run-demo: seeding the demo home $KEYSHELF_HOME" >&2
month=$(date -u +%Y-%m)
# dev: 30-day interval
seed "dev-web-frontend-$month" dev 3 --tag web
seed "dev-billing-stripe-$month" dev 26 --provider stripe-test --tag billing
seed "dev-search-indexer-$month" dev 41 --notes "Local Meilisearch indexer"
# staging: 60-day interval
seed "staging-web-frontend-$month" staging 12 --tag web
seed "staging-billing-webhooks-$month" staging 55 --provider stripe-test --tag billing
seed "staging-mail-sender-$month" staging 75 --provider postmark
# prod: 90-day interval
seed "prod-web-frontend-$month" prod 20 --tag web
seed "prod-billing-stripe-$month" prod 86 --provider stripe --tag billing --notes "Rotate with the payments team"
seed "prod-mail-sender-$month" prod 140 --provider postmark
seed "prod-maps-geocoding-$month" prod 1 --provider mapbox
"$cli" generate "prod-internal-signing-$month" --env prod --prefix sk_live_ >/dev/null

# The provider simulator: its URL is the first line it prints; it stops with this script.
sim_out=$(mktemp)
"$sim" --port 0 --plan professional --seed-keys 1 >"$sim_out" 2>/dev/null &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true; rm -f "$sim_out"' EXIT
# The trap does not run when this script is killed outright (e.g. its private session ends):
# a watchdog stops the simulator within 2 s of this script going away, however it went.
( while kill -0 $$ 2>/dev/null; do sleep 2; done; kill $sim_pid 2>/dev/null ) &
sim_url=
for _ in $(seq 1 100); do
  sim_url=$(head -n1 "$sim_out" 2>/dev/null || true)
  [[ -n $sim_url ]] && break
  sleep 0.1
done
if [[ -z $sim_url ]]; then
  echo "run-demo: the provider simulator did not start; the Providers screen will be empty" >&2
else
  echo "run-demo: provider simulator on $sim_url (provider demo-sim)" >&2
  # The simulator's default management token (not a real credential), on stdin as always.
  printf %s sim-management-token-not-real | "$cli" provider add demo-sim --base-url "$sim_url" \
    --verify-path /api-routes-data --key-limit 10 --env prod --token-stdin >/dev/null
  "$cli" sync --provider demo-sim >/dev/null
  "$cli" create "prod-api-server-main-$month" --provider demo-sim --env prod --user api_user_prod >/dev/null
  "$cli" create "staging-integration-test-$month" --provider demo-sim --env staging --user api_user_staging >/dev/null
  for _ in 1 2 3; do "$cli" verify "demo-sim/prod-api-server-main-$month" >/dev/null; done
  "$cli" verify "demo-sim/staging-integration-test-$month" >/dev/null
  # A deactivated key still in use: the refused call shows up flagged on the Usage screen.
  "$cli" deactivate "demo-sim/staging-integration-test-$month" >/dev/null
  "$cli" verify "demo-sim/staging-integration-test-$month" >/dev/null 2>&1 || true
fi

"$cli" list >&2

if [[ -n "${KEYSHELF_DEMO_HEADLESS:-}" ]]; then
  shot=$root/.demo/screenshot.png
  echo "run-demo: no DISPLAY, the app runs on Xvfb $DISPLAY; a screenshot is written to $shot every 5 s (Ctrl+C stops)" >&2
  ( while sleep 5; do import -window root "$shot.tmp.png" 2>/dev/null && mv "$shot.tmp.png" "$shot"; done ) &
  shooter=$!
  trap 'kill $shooter 2>/dev/null || true; kill ${sim_pid:-} 2>/dev/null || true; rm -f "${sim_out:-}"' EXIT
fi

echo "run-demo: starting the desktop app" >&2
"$app"
