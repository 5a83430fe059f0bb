#!/usr/bin/env python3
"""Idle memory of the desktop app's whole process tree beside an empty Tauri window.

Run by scripts/bench/desktop.sh inside scripts/with-keyring.sh (private bus, keyring, Xvfb):

    memory.py APP PEER HOME RUNS OUT.json

Each run starts one binary (APP with KEYSHELF_HOME=HOME, or PEER, the empty window built the same
way), waits 10 s, then sums the memory of the process and every descendant (the WebKit web and
network processes) from /proc/<pid>/smaps_rollup: PSS (shared pages split between the processes
that map them, so a library mapped by the three processes counts once) and RSS (counted in each).
Runs of the two binaries alternate. Writes OUT.json: medians and every run, in MB (a file, not
stdout: services the session bus starts on demand inherit stdout and print to it).
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import time

IDLE_SECS = 10


def children_of():
    """Maps each pid to the pids whose parent it is."""
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue  # gone since the listing
        # The fields after the command name (which may hold spaces): state, then ppid.
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(pid):
    kids, out, todo = children_of(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def rollup(pid):
    """(pss, rss) in kB of one process, or None when it is gone."""
    fields = {}
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            parts = line.split()
            if len(parts) >= 2 and parts[0] in ("Pss:", "Rss:"):
                fields[parts[0]] = int(parts[1])
    except OSError:
        return None
    return fields.get("Pss:", 0), fields.get("Rss:", 0)


def name(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return "?"


def measure(binary, env):
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(IDLE_SECS)
        if proc.poll() is not None:
            sys.exit(f"memory.py: {binary} exited with {proc.returncode} before the measurement")
        pss = rss = 0
        parts = {}
        for pid in tree(proc.pid):
            r = rollup(pid)
            if r:
                pss, rss = pss + r[0], rss + r[1]
                parts[name(pid)] = parts.get(name(pid), 0) + r[0]
        return pss / 1024, rss / 1024, {k: round(v / 1024, 1) for k, v in parts.items()}
    finally:
        stop(proc)


def stop(proc):
    """Stops the app and whatever it started that outlives it (only our own descendants)."""
    pids = tree(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    deadline = time.time() + 5
    for pid in pids[1:]:
        while os.path.exists(f"/proc/{pid}") and time.time() < deadline:
            time.sleep(0.05)
        if os.path.exists(f"/proc/{pid}"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def main():
    app, peer, home, runs, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    env_app = dict(os.environ, KEYSHELF_HOME=home)
    results = {"app": [], "peer": []}
    for _ in range(runs):
        for who, binary, env in (("app", app, env_app), ("peer", peer, dict(os.environ))):
            pss, rss, parts = measure(binary, env)
            results[who].append({"pss": round(pss, 1), "rss": round(rss, 1), "pss_by_process": parts})
            time.sleep(1)  # let the X server and the bus settle between apps
    summary = {
        who: {
            "pss_median": round(statistics.median(r["pss"] for r in rs), 1),
            "rss_median": round(statistics.median(r["rss"] for r in rs), 1),
            "runs": rs,
        }
        for who, rs in results.items()
    }
    with open(out, "w") as f:
        json.dump(summary, f)


if __name__ == "__main__":
    main()
