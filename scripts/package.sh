#!/usr/bin/env bash
# `make package`: the .deb and the .rpm of the desktop app and the `keyshelf` CLI, made by the
# Tauri bundler (`tauri bundle`, the npm package @tauri-apps/cli pinned in ui/package.json) from
# the debug build `make test` already made: nothing is compiled twice. Then lintian checks the
# .deb (errors fail, warnings are printed).
#
#   scripts/package.sh        prints the two package paths (target/package/*.deb, *.rpm) on stdout
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

# The same command as `make build` and scripts/test.sh: after either, only "Finished".
scripts/build.sh

# The bundler packs `<target>/debug/keyshelf-desktop` and patches it in place: it gets a
# staging target directory of its own holding stripped copies (lintian: a package ships no debug
# symbols; the build keeps them for the tests' backtraces), and the build stays untouched.
stage=$target/package
rm -rf "$stage"
mkdir -p "$stage/debug"
for bin in keyshelf-desktop keyshelf; do
  strip --strip-unneeded --remove-section=.comment --remove-section=.note \
    -o "$stage/debug/$bin" "$target/debug/$bin"
done
app=$stage/debug/keyshelf-desktop
cli=$stage/debug/keyshelf
gzip -9n <packaging/changelog >"$stage/changelog.gz"

# What the binaries really link, as Debian names it (dpkg-shlibdeps reads their ELF needs and the
# installed libraries' shlibs files). libayatana-appindicator is loaded at run time (the tray), so
# no ELF need names it.
shlib_depends() {
  local scratch; scratch=$(mktemp -d)
  mkdir "$scratch/debian"
  printf 'Source: keyshelf\n\nPackage: keyshelf\nArchitecture: any\n' >"$scratch/debian/control"
  (cd "$scratch" && dpkg-shlibdeps -O "$app" "$cli" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
  rm -rf "$scratch"
}
depends_json=$( { shlib_depends | tr ',' '\n'; echo libayatana-appindicator3-1; } |
  sed 's/^ *//; /^$/d' | python3 -c 'import json, sys; print(json.dumps([l.strip() for l in sys.stdin]))')

# The paths that depend on the target directory go in here; the rest is in tauri.conf.json.
config=$(python3 - "$cli" "$depends_json" <<'PY'
import json, sys
cli, depends = sys.argv[1], json.loads(sys.argv[2])
print(json.dumps({"bundle": {"linux": {
    "deb": {"depends": depends, "files": {
        "/usr/bin/keyshelf": cli,
        "/usr/share/doc/keyshelf/changelog.gz": cli.rsplit("/", 2)[0] + "/changelog.gz",
    }},
    "rpm": {"files": {"/usr/bin/keyshelf": cli}},
}}}))
PY
)
# `--config` is a JSON merge patch over tauri.conf.json: these `files` join the ones there.
echo "package: tauri bundle --debug --bundles deb,rpm" >&2
CARGO_TARGET_DIR=$stage ui/node_modules/.bin/tauri bundle --debug --bundles deb,rpm --ci --config "$config" >&2

# Where README.md says they are: <target>/package/.
cp "$stage"/debug/bundle/deb/*.deb "$stage"/debug/bundle/rpm/*.rpm "$stage/"
deb=$(ls "$stage"/*.deb)
rpm=$(ls "$stage"/*.rpm)

echo "package: lintian $(basename "$deb")" >&2
lintian --fail-on error --tag-display-limit 0 "$deb" >&2 || {
  echo "package: lintian found errors in $deb" >&2
  exit 1
}
echo "$deb"
echo "$rpm"
