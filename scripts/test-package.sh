#!/usr/bin/env bash
# `make test-package`: the built .deb (`make package`, from the test build: nothing recompiles)
# unpacked into a throwaway root with `dpkg -x`; its files checked (both binaries, desktop entry,
# icons, valid AppStream metainfo); the installed `keyshelf --version` and `keyshelf generate`
# run against the real Secret Service of a private test session (scripts/with-keyring.sh); the
# installed app started under Xvfb through tauri-driver until its window shows the key list with
# the generated key in it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${KEYSHELF_IN_TEST_SESSION:-}" ]]; then
  started=$SECONDS
  deb=$(scripts/package.sh | grep '\.deb$')
  echo "== package built and checked in $((SECONDS - started))s" >&2
  exec scripts/with-keyring.sh "$0" "$deb"
fi

deb=$1
fail() { echo "test-package: FAIL: $*" >&2; exit 1; }
ok() { echo "test-package: ok: $*" >&2; }

root=$(mktemp -d -t keyshelf-pkgroot.XXXXXX)
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root"

# --- the files a desktop and a shell look for -----------------------------------------------
for f in usr/bin/keyshelf usr/bin/keyshelf-desktop; do
  [[ -x $root/$f ]] || fail "$f is missing or not executable"
done
desktop=$(ls "$root"/usr/share/applications/*.desktop) || fail "no desktop entry"
grep -qx 'Exec=keyshelf-desktop' "$desktop" || fail "the desktop entry does not start keyshelf-desktop"
icon=$(sed -n 's/^Icon=//p' "$desktop")
for size in 16 22 24 32 48 64 128 256 512; do
  png=$root/usr/share/icons/hicolor/${size}x${size}/apps/$icon.png
  [[ -f $png ]] || fail "no ${size}x${size} icon ($png)"
  [[ $(identify -format '%wx%h' "$png") == "${size}x${size}" ]] || fail "$png is not ${size}x${size}"
done
metainfo=$root/usr/share/metainfo/dev.keyshelf.desktop.metainfo.xml
[[ -f $metainfo ]] || fail "no AppStream metainfo"
appstreamcli validate --no-net --pedantic "$metainfo" >&2 || fail "the metainfo is not valid"
grep -q "<launchable type=\"desktop-id\">$(basename "$desktop")</launchable>" "$metainfo" ||
  fail "the metainfo's launchable is not $(basename "$desktop")"
ok "files: both binaries, $(basename "$desktop"), icons 16..512, valid metainfo"

# --- the installed CLI against the session's Secret Service ----------------------------------
export KEYSHELF_HOME=$root/home
cli=$root/usr/bin/keyshelf
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
version=$("$cli" --version)
[[ $version == "keyshelf 0.1.0 ($commit)" ]] || fail "keyshelf --version says '$version', not 'keyshelf 0.1.0 ($commit)'"
"$cli" generate pkg-check-key --env dev >/dev/null
stored=$(secret-tool lookup service keyshelf username local/pkg-check-key)
[[ ${#stored} -ge 32 ]] || fail "the generated key is not in the Secret Service"
[[ $("$cli" get pkg-check-key) == "$stored" ]] || fail "keyshelf get does not read back the stored key"
ok "installed keyshelf: '$version', generate stored a key in the Secret Service"

# --- the installed app shows the key list ---------------------------------------------------
python3 scripts/package-window-check.py "$root/usr/bin/keyshelf-desktop" local/pkg-check-key
ok "the installed app's window shows the key list with local/pkg-check-key"
