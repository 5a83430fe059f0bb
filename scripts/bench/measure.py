#!/usr/bin/env python3
"""Keyshelf's benchmark driver: whole-process timings beside their peers, interleaved.

Run by scripts/bench.sh inside a private keyring session (scripts/with-keyring.sh). Each figure is
the median of N runs; the commands of one comparison run in turn (A, B, C, A, B, C, ...) so a noisy
neighbour hits all of them alike, and the result is reported as a ratio to the peer. Writes a
Markdown table to .bench/results.md and prints it.
"""
import json, os, shutil, statistics, subprocess, sys, time, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The smoke run (BENCH_SMOKE=1, inside `make test`) uses the debug build `cargo test` just made:
# it only checks that the benchmarks work, and a release build would add minutes to every test run.
REL = os.path.join(ROOT, "target", os.environ.get("BENCH_PROFILE_DIR", "release"))
KEYSHELF = os.path.join(REL, "keyshelf")
SEED = os.path.join(REL, "examples", "seed_store")
BARE_LOOKUP = os.path.join(REL, "examples", "bare_lookup")
SIM = os.path.join(REL, "keyshelf-provider-sim")
SIM_TOKEN = "sim-management-token-not-real"  # the simulator's default, a fixture, not a secret
SMOKE = bool(os.environ.get("BENCH_SMOKE"))
RUNS = 5 if SMOKE else int(os.environ.get("BENCH_RUNS", "31"))
OUT = os.path.join(ROOT, ".bench")

rows = []  # (section, figure, value, peer, ratio, target, verdict)


def run_once(cmd, env=None, stdin=None):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = (time.perf_counter() - t0) * 1000
    if p.returncode not in (0, 3):  # `due` exits 3 when a key is overdue, by design
        sys.exit(f"bench: {cmd} failed ({p.returncode}): {p.stderr.decode(errors='replace')}")
    return dt


def interleaved(cmds, runs=RUNS, env=None):
    """Median milliseconds for each named command, run in turn.

    The order rotates every round (A B C, B C A, C A B, ...), so no command always runs right
    after the same other one (say, after a Python keyring lookup whose exit leaves the keyring
    daemon busy): any such order effect is shared out instead of landing on one command."""
    times = {name: [] for name in cmds}
    names = list(cmds)
    for name in names:  # one warm-up each (page cache, D-Bus activation)
        run_once(cmds[name], env)
    for r in range(runs):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(run_once(cmds[name], env))
    return {name: statistics.median(t) for name, t in times.items()}


def home_env(home):
    env = dict(os.environ)
    env["KEYSHELF_HOME"] = home
    return env


def verdict(ok):
    return "met" if ok else "**missed**"


def bench_lookup():
    """`keyshelf get` beside secret-tool, a bare lookup through the keyring crate (the floor of
    a Rust process reading the same item) and Python keyring; then `exec` and `env` reading five
    keys beside one `get`: one Secret Service session serves all the reads of one command."""
    home = tempfile.mkdtemp(prefix="ks-bench-")
    env = home_env(home)
    name = "bench-lookup-key"
    subprocess.run([KEYSHELF, "generate", name, "--env", "dev"], env=env, check=True, stderr=subprocess.DEVNULL)
    for i in range(5):  # the five keys `exec` and `env` inject
        subprocess.run([KEYSHELF, "generate", f"bench-inject-{i}", "--env", "staging", "--var", f"BENCH_KEY_{i}"],
                       env=env, check=True, stderr=subprocess.DEVNULL)
    account = f"local/{name}"
    py = [sys.executable, "-c", "import sys,keyring; sys.stdout.write(keyring.get_password('keyshelf', sys.argv[1]))", account]
    m = interleaved({
        "keyshelf": [KEYSHELF, "get", name],
        "secret-tool": ["secret-tool", "lookup", "service", "keyshelf", "username", account],
        "bare": [BARE_LOOKUP, account],
        "python": py,
        "exec": [KEYSHELF, "exec", "--env", "staging", "--", "true"],
        "env": [KEYSHELF, "env", "--env", "staging"],
    }, env=env)
    get = m["keyshelf"]
    r_st, r_bare, r_py = get / m["secret-tool"], get / m["bare"], m["python"] / get
    rows.append(("lookup", "`keyshelf get`", f"{get:.1f} ms", f"secret-tool {m['secret-tool']:.1f} ms", f"{r_st:.2f}×", "≤ 0.5× secret-tool", verdict(r_st <= 0.5)))
    rows.append(("lookup", "`keyshelf get`", f"{get:.1f} ms", f"bare keyring-crate lookup {m['bare']:.1f} ms", f"{r_bare:.2f}×", "≤ 1.2×", verdict(r_bare <= 1.2)))
    rows.append(("lookup", "`keyshelf get`", f"{get:.1f} ms", f"Python keyring {m['python']:.1f} ms", f"{r_py:.1f}× faster", "≥ 10× faster", verdict(r_py >= 10)))
    for cmd in ("exec", "env"):
        r = m[cmd] / get
        figure = "`exec --env staging -- true`, 5 keys" if cmd == "exec" else "`env --env staging`, 5 keys"
        rows.append(("lookup", figure, f"{m[cmd]:.1f} ms", f"one `keyshelf get` {get:.1f} ms", f"{r:.2f}×", "≤ 1.5× one get", verdict(r <= 1.5)))


def seeded_home(n, ages="spread"):
    home = tempfile.mkdtemp(prefix=f"ks-bench-{n}-")
    subprocess.run([SEED, home, str(n), ages], check=True)
    return home


def due_count(env):
    """How many keys `due` lists in this home (the seed decides; the table says)."""
    p = subprocess.run([KEYSHELF, "due", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return len(json.loads(p.stdout))


def bench_listing():
    # (keys, ages): `spread` has ages 0-199 days (three keys in four overdue); `on-schedule` keeps
    # each key within its interval plus a tenth (about one in five due). See examples/seed_store.rs.
    stores = [(10_000, "spread")] if SMOKE else [(10_000, "spread"), (100_000, "spread"), (100_000, "on-schedule")]
    for n, ages in stores:
        home = seeded_home(n, ages)
        env = home_env(home)
        db = os.path.join(home, "keyshelf.db")
        m = interleaved({
            "list": [KEYSHELF, "list", "--json"],
            "due": [KEYSHELF, "due"],
            "due-json": [KEYSHELF, "due", "--json"],
            "sqlite3": ["sqlite3", "-json", db, "SELECT * FROM keys ORDER BY name, provider"],
        }, runs=max(5, RUNS // 3), env=env)
        peer = f"sqlite3 -json {m['sqlite3']:.0f} ms"
        store = f"{n:,} keys" if ages == "spread" else f"{n:,} keys on schedule"
        due = f"{due_count(env):,} due"
        lt = {10_000: 100}.get(n)
        dt = {100_000: 200}.get(n)
        if ages == "spread":
            rows.append(("listing", f"`list --json`, {store}", f"{m['list']:.0f} ms", peer, f"{m['list']/m['sqlite3']:.2f}×",
                         f"< {lt} ms" if lt else "-", verdict(m["list"] < lt) if lt else "-"))
        for name, cmd in (("due", "`due`"), ("due-json", "`due --json`")):
            rows.append(("listing", f"{cmd}, {store} ({due})", f"{m[name]:.0f} ms", peer, f"{m[name]/m['sqlite3']:.2f}×",
                         f"< {dt} ms" if dt else "-", verdict(m[name] < dt) if dt else "-"))


def start_sim(n, envelope="success", page_size=0):
    """The provider simulator on loopback with N keys; returns (process, URL)."""
    p = subprocess.Popen([SIM, "--port", "0", "--seed-keys", str(n), "--envelope", envelope, "--page-size", str(page_size)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = p.stdout.readline().strip()
    if not url.startswith("http://"):
        p.kill()
        sys.exit(f"bench: the provider simulator did not start (printed {url!r})")
    return p, url


# Where each envelope the client accepts puts the list, for the sqlite3 peer's json_each.
ENVELOPE_PATH = {"bare": "$", "data": "$.data", "success": "$.data", "items": "$.items", "api_keys": "$.api_keys"}
ENVELOPE_SHAPE = {"bare": "bare array", "data": "`{data}`", "success": "`{success, data}`", "items": "`{items}`",
                  "api_keys": "`{api_keys}`"}


def bench_sync():
    """`keyshelf sync` of N keys from the simulator into a fresh store, beside two peers that fetch
    the same list over loopback and write the same rows into a copy of the same store: first the
    simulator's default envelope at three sizes, then 10,000 keys in every envelope the client
    accepts and over 100 pages."""
    cases = [(1_000, "success", 0)] if SMOKE else (
        [(1_000, "success", 0), (10_000, "success", 0), (100_000, "success", 0)]
        + [(10_000, e, 0) for e in ("bare", "data", "items", "api_keys")] + [(10_000, "success", 100)])
    if SMOKE:
        cases.append((1_000, "bare", 100))
    # A preset: GitLab's API (bare arrays, PRIVATE-TOKEN, pages named by x-next-page), read
    # through its profile rather than the built-in client.
    n, size = (1_000, 100) if SMOKE else (10_000, 100)
    m = sync_case(n, "bare", size, preset="gitlab")
    label = f"`sync`, {n:,} keys, `gitlab` preset, {n // size} pages of {size}"
    peer = "one curl per page + sqlite3 json_each"
    rows.append(("sync", label, f"{m['keyshelf']:.0f} ms", f"{peer} {m['curl']:.0f} ms", f"{m['keyshelf']/m['curl']:.2f}×", "-", "-"))
    rows.append(("sync", label, f"{m['keyshelf']:.0f} ms", "-", "-", "< 1 s", verdict(m["keyshelf"] < 1000)))
    points = []
    for n, envelope, page_size in cases:
        m = sync_case(n, envelope, page_size)
        shape = ENVELOPE_SHAPE[envelope] + (f", {n // page_size} pages of {page_size}" if page_size else "")
        if envelope == "success" and not page_size:
            points.append((n, m["keyshelf"]))
        label = f"`sync`, {n:,} keys, {shape}"
        ratio = m["keyshelf"] / m["curl"]
        peer = "one curl per page + sqlite3 json_each" if page_size else "curl + sqlite3 json_each"
        rows.append(("sync", label, f"{m['keyshelf']:.0f} ms", f"{peer} {m['curl']:.0f} ms", f"{ratio:.2f}×", "≤ 1.0×", verdict(ratio <= 1.0)))
        rows.append(("sync", label, f"{m['keyshelf']:.0f} ms", f"Python urllib+sqlite3 {m['python']:.0f} ms",
                     (f"{m['python']/m['keyshelf']:.1f}× faster" if m["python"] >= m["keyshelf"] else f"{m['keyshelf']/m['python']:.2f}× slower"),
                     "faster", verdict(m["python"] >= m["keyshelf"])))
        if n == 10_000 and page_size:
            rows.append(("sync", f"`sync`, {n:,} keys over {n // page_size} pages", f"{m['keyshelf']:.0f} ms", "-", "-", "< 1 s", verdict(m["keyshelf"] < 1000)))
    if len(points) > 2:
        # Per-key cost from the largest step, and how far the growth is from linear.
        (n0, t0), (n1, t1) = points[-2], points[-1]
        per_key = (t1 - t0) / (n1 - n0) * 1000
        per_key_small = (points[1][1] - points[0][1]) / (points[1][0] - points[0][0]) * 1000
        rows.append(("sync", "per-key cost (slope)", f"{per_key_small:.1f} µs (1k→10k), {per_key:.1f} µs (10k→100k)", "-",
                     f"{per_key/per_key_small:.2f} (1.0 = linear)", "linear", verdict(per_key / per_key_small < 1.5)))


def sync_case(n, envelope, page_size, preset=None):
    """Median milliseconds of the syncs of one simulator set-up, interleaved (a preset: Keyshelf
    beside the curl peer only; the Python peer speaks the standard API)."""
    sim, url = start_sim(n, envelope, 0 if preset else page_size)
    try:
        template = tempfile.mkdtemp(prefix=f"ks-bench-sync-{n}-")
        env = home_env(template)
        add = [KEYSHELF, "provider", "add", "sim", "--base-url", url, "--token-stdin"]
        if preset == "gitlab":
            add = [KEYSHELF, "provider", "add", "sim", "--preset", "gitlab", "--base-url", url + "/api/v4",
                   "--set", f"page_size={page_size}", "--token-stdin"]
        subprocess.run(add, input=SIM_TOKEN.encode(), env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cols = "provider, name, provider_key_id, env, status, has_secret, remote_state, user, origin, created_at"
        select = (f"INSERT INTO keys ({cols}) SELECT 'sim', json_extract(value, '$.api_key_name'), "
                  "CAST(json_extract(value, '$.id') AS TEXT), 'prod', json_extract(value, '$.status'), 0, 'present', "
                  "json_extract(value, '$.user'), 'provider', json_extract(value, '$.created_at') ")
        upsert = " WHERE true ON CONFLICT (provider, name) DO UPDATE SET status = excluded.status, remote_state = 'present';"
        path = ENVELOPE_PATH[envelope]
        if preset == "gitlab":
            # GitLab's fields: name, id, active (a boolean), user_id.
            select = (f"INSERT INTO keys ({cols}) SELECT 'sim', json_extract(value, '$.name'), "
                      "CAST(json_extract(value, '$.id') AS TEXT), 'prod', "
                      "CASE json_extract(value, '$.active') WHEN 1 THEN 'active' ELSE 'inactive' END, 0, 'present', "
                      "CAST(json_extract(value, '$.user_id') AS TEXT), 'provider', json_extract(value, '$.created_at') ")
            pages = (n + page_size - 1) // page_size
            fetch = (f'curl -sf --create-dirs -o "pages/#1.json" -H "PRIVATE-TOKEN: $1" '
                     f'"$2/api/v4/personal_access_tokens?per_page={page_size}&page=[1-{pages}]"')
            sql = select + "FROM fsdir('pages') AS f, json_each(f.data, '$') WHERE f.name LIKE '%.json'" + upsert.replace(" WHERE true", "")
        elif page_size:
            # curl's URL globbing fetches every page over one connection; the CLI's fsdir() reads them all.
            pages = (n + page_size - 1) // page_size
            fetch = f'curl -sf --create-dirs -o "pages/#1.json" -H "Authorization: Bearer $1" "$2/api-keys?page=[1-{pages}]"'
            sql = select + f"FROM fsdir('pages') AS f, json_each(f.data, '{path}') WHERE f.name LIKE '%.json'" + upsert.replace(" WHERE true", "")
        else:
            fetch = 'curl -sf -o list.json -H "Authorization: Bearer $1" "$2/api-keys"'
            sql = select + f"FROM json_each(readfile('list.json'), '{path}')" + upsert

        def fresh():
            home = tempfile.mkdtemp(prefix="ks-bench-sync-run-")
            for f in os.listdir(template):
                src = os.path.join(template, f)
                if os.path.isfile(src):
                    shutil.copy(src, home)
            return home

        cmds = {
            "keyshelf": lambda h: ([KEYSHELF, "sync", "--provider", "sim"], home_env(h)),
            "python": lambda h: ([sys.executable, os.path.join(ROOT, "scripts", "bench", "sync_peer.py"), url, SIM_TOKEN,
                                  os.path.join(h, "keyshelf.db"), "sim", "prod"], None),
            "curl": lambda h: (["sh", "-c", f'cd "$3" && {fetch} && sqlite3 -bail -cmd "PRAGMA synchronous=NORMAL" keyshelf.db "$4"',
                                "sh", SIM_TOKEN, url, h, sql], None),
        }
        if preset:
            del cmds["python"]
        runs = max(3, RUNS // (3 if n <= 10_000 else 6))
        times = {k: [] for k in cmds}
        names = list(cmds)
        for i in range(runs + 1):  # the first round is a warm-up
            for name in names[i % len(names):] + names[:i % len(names)]:
                home = fresh()
                cmd, e = cmds[name](home)
                dt = run_once(cmd, e)
                if i == 0:
                    check_synced(home, n, name)
                else:
                    times[name].append(dt)
                shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(template, ignore_errors=True)
        return {k: statistics.median(v) for k, v in times.items()}
    finally:
        sim.kill()
        sim.wait()


def check_synced(home, n, who):
    """The run did the work: N rows of provider sim in the store."""
    got = subprocess.run(["sqlite3", os.path.join(home, "keyshelf.db"), "SELECT count(*) FROM keys WHERE provider = 'sim'"],
                         capture_output=True, text=True, check=True).stdout.strip()
    if got != str(n):
        sys.exit(f"bench: sync by {who} stored {got} keys, expected {n}")


def bench_sizes():
    if os.path.exists(KEYSHELF):
        rows.append(("size", "CLI `keyshelf`", f"{os.path.getsize(KEYSHELF)/1e6:.1f} MB", "-", "-", "-", "-"))
    app, peer = os.path.join(REL, "keyshelf-desktop"), os.path.join(REL, "keyshelf-empty-window")
    if os.path.exists(app):
        # The peer (scripts/bench/desktop.sh builds it beside the app) is what Tauri alone weighs.
        a = os.path.getsize(app) / 1e6
        p = os.path.getsize(peer) / 1e6 if os.path.exists(peer) else None
        rows.append(("size", "desktop `keyshelf-desktop`", f"{a:.1f} MB",
                     f"empty Tauri window {p:.1f} MB" if p else "-", f"{a / p:.2f}×" if p else "-", "-", "-"))
    debs = []
    bundle = os.path.join(REL, "bundle", "deb")
    if os.path.isdir(bundle):
        debs = [f for f in os.listdir(bundle) if f.endswith(".deb")]
    for d in debs:
        rows.append(("size", f"`.deb` {d}", f"{os.path.getsize(os.path.join(bundle, d))/1e6:.1f} MB", "-", "-", "-", "-"))


def main():
    os.makedirs(OUT, exist_ok=True)
    bench_lookup()
    bench_listing()
    bench_sync()
    import team_sync  # beside this file
    rows.extend(team_sync.bench_team(KEYSHELF, RUNS, SMOKE, run_once, home_env, verdict))
    extra = os.path.join(OUT, "extra-rows.json")  # rows added by other stages of scripts/bench.sh
    if os.path.exists(extra):
        rows.extend(tuple(r) for r in json.load(open(extra)))
    bench_sizes()
    lines = [
        f"Keyshelf benchmarks, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load average {os.environ.get('BENCH_LOAD_START', '?')} at the start and {os.getloadavg()[0]:.1f} at the end, median of {RUNS} interleaved runs" + (" (smoke run on the debug build: figures and verdicts say nothing about Keyshelf's speed)" if SMOKE else ""),
        "",
        "| area | figure | Keyshelf | peer | ratio | target | |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    text = "\n".join(lines) + "\n"
    open(os.path.join(OUT, "results.md"), "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
