#!/usr/bin/env node
// Fails when ui/package-lock.json would not install with `npm ci` on a clean checkout of any
// platform: the lock's root entry must repeat package.json's dependency ranges (npm ci refuses a
// lock that drifted from package.json), and every dependency of every locked package, optional
// platform binaries included (rollup, esbuild, the Tauri CLI for macOS, Windows, arm64 Linux...),
// must itself be in the lock ("Missing: @rollup/rollup-darwin-arm64 ... from lock file").
// Offline and dependency-free: run by `make test` (scripts/test.sh).
//
//   node scripts/check-npm-lock.mjs [UI_DIR]     (default: ui/ beside this script)
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const uiDir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "ui");
const manifest = JSON.parse(readFileSync(join(uiDir, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(uiDir, "package-lock.json"), "utf8"));
const problems = [];

const FIELDS = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"];

function checkRootMatchesManifest() {
  const root = lock.packages?.[""];
  if (!root) {
    problems.push("the lock has no `packages[\"\"]` entry (lockfileVersion 2 or 3 expected)");
    return;
  }
  for (const field of FIELDS) {
    const want = manifest[field] ?? {};
    const have = root[field] ?? {};
    for (const name of new Set([...Object.keys(want), ...Object.keys(have)])) {
      if (want[name] !== have[name]) {
        problems.push(`${field}.${name}: package.json says ${want[name] ?? "nothing"}, the lock says ${have[name] ?? "nothing"}`);
      }
    }
  }
}

// Node's module resolution: node_modules/<name> beside the package, then in each folder above.
function resolves(fromPath, name) {
  let base = fromPath;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return true;
    if (!base) return false;
    const at = base.lastIndexOf("/node_modules/");
    base = at < 0 ? "" : base.slice(0, at);
  }
}

function checkEveryDependencyIsLocked() {
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (entry.link) continue;
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    const wanted = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !optionalPeers[n]?.optional),
    ];
    for (const name of wanted) {
      if (!resolves(path, name)) problems.push(`missing from the lock: ${name} (needed by ${path || "package.json"})`);
    }
  }
}

checkRootMatchesManifest();
checkEveryDependencyIsLocked();
if (problems.length) {
  console.error(`check-npm-lock: ${join(uiDir, "package-lock.json")} does not match package.json or is incomplete:`);
  for (const p of problems) console.error(`  ${p}`);
  console.error("Regenerate it with `cd ui && npm install --package-lock-only` and commit it.");
  process.exit(1);
}
console.error(`check-npm-lock: ok (${Object.keys(lock.packages).length - 1} packages, every platform)`);
