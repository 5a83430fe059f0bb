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
  # gnome-keyring 42 aborts now and then when many clients open sessions at once (a race in its
  # client tracking: "gkd_secret_service_get_pkcs11_session: assertion 'client' failed"; about
  # once in 5,000 `keyshelf get`s from three parallel loops, measured here). Debian's activation
  # file would restart it *locked*, and every later test would fail on an unlock prompt. This
  # bus activates it unlocked instead, with the session's password, from the same keyring file:
  # a crash costs the calls in flight, which Keyshelf retries on a fresh connection.
  bus="$scratch/bus"
  mkdir -p "$bus/services"
  cat > "$bus/start-keyring" <<SCRIPT
#!/bin/sh
echo "with-keyring.sh: gnome-keyring-daemon (re)started by D-Bus activation" >&2
printf keyshelf-test | exec gnome-keyring-daemon --foreground --unlock --components=secrets
SCRIPT
  chmod +x "$bus/start-keyring"
  printf '[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n' "$bus/start-keyring" \
    > "$bus/services/org.freedesktop.secrets.service"
  # The first servicedir wins over the standard ones the included file adds.
  cat > "$bus/session.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <servicedir>$bus/services</servicedir>
  <include>/usr/share/dbus-1/session.conf</include>
</busconfig>
CONF
  exec dbus-run-session --config-file="$bus/session.conf" -- "$0" "$@"
fi

# Inside the private bus from here on. The first call activates the unlocked keyring.
busctl --user call org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.DBus.Peer Ping >/dev/null
export GNOME_KEYRING_CONTROL="$XDG_RUNTIME_DIR/keyring"

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
