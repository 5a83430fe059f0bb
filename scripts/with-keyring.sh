#!/usr/bin/env bash
# Runs a command inside a private test session: a throwaway HOME, a private D-Bus session bus, an
# unlocked gnome-keyring Secret Service on it, and (unless WITH_KEYRING_NO_X=1) an Xvfb display.
# Never touches the developer's own keychain: the keyring lives in the throwaway HOME and dies
# with the bus.
#
#   scripts/with-keyring.sh cargo test
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

if [[ -z "${KEYSHELF_IN_TEST_SESSION:-}" ]]; then
  scratch=$(mktemp -d -t keyshelf-session.XXXXXX)
  trap 'rm -rf "$scratch"' EXIT
  export KEYSHELF_TEST_REAL_HOME="$HOME"
  # Tools installed per user (rustup, pyenv, npm) must still be found under the new HOME.
  export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
  export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/run" XDG_DATA_HOME="$scratch/home/.local/share"
  export XDG_CONFIG_HOME="$scratch/home/.config" XDG_CACHE_HOME="$scratch/home/.cache"
  mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
  mkdir -m 700 -p "$XDG_RUNTIME_DIR"
  export KEYSHELF_IN_TEST_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi

# Inside the private bus from here on.
eval "$(printf 'keyshelf-test' | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
export GNOME_KEYRING_CONTROL

if [[ -z "${WITH_KEYRING_NO_X:-}" && -z "${DISPLAY:-}" ]]; then
  # Pick a free display number so parallel runs do not collide.
  for n in $(seq 90 140); do
    [[ -e /tmp/.X11-unix/X$n || -e /tmp/.X$n-lock ]] || { display=":$n"; break; }
  done
  Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  trap 'kill $xvfb_pid 2>/dev/null || true' EXIT
  export DISPLAY="$display"
  for _ in $(seq 1 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
fi

# Don't exec: the EXIT trap must stop Xvfb.
"$@"
