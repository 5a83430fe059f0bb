"""`keyshelf team sync` of N shared keys from a real OpenBao (`bao server -dev` on loopback),
beside the `bao kv get` loop doing the same reads (eight at a time, as Keyshelf reads them).

Two figures: the first sync (every key new: N keychain writes, measured once, beside N
`secret-tool store`s into the same keychain) and a sync with nothing new (N reads, the steady
state a teammate's machine runs), interleaved with the peer.
"""
import json, os, shutil, socket, statistics, subprocess, tempfile, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

ROOT_TOKEN = "bench-root-token-not-real"  # a dev server's root token, made up here


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_bao():
    port = free_port()
    proc = subprocess.Popen(
        ["bao", "server", "-dev", f"-dev-root-token-id={ROOT_TOKEN}", f"-dev-listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            req = urllib.request.Request(f"{url}/v1/secret/config", headers={"X-Vault-Token": ROOT_TOKEN})
            urllib.request.urlopen(req, timeout=1)
            return proc, url
        except Exception:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("bench: bao server -dev did not start")


def seed(url, n):
    def put(i):
        body = json.dumps({"data": {"secret": f"bench-value-{i:05}-not-a-real-key",
                                    "meta": {"env": "dev", "provider": "local", "shared_by": "bench"}}}).encode()
        req = urllib.request.Request(f"{url}/v1/secret/data/keyshelf/bench/keys/local/k{i:05}", data=body,
                                     headers={"X-Vault-Token": ROOT_TOKEN, "Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(n)))


def bench_team(keyshelf, runs, smoke, run_once, home_env, verdict):
    """The rows of the team-sync figures."""
    n = 20 if smoke else 1_000
    proc, url = start_bao()
    home = tempfile.mkdtemp(prefix="ks-bench-team-")
    try:
        seed(url, n)
        env = home_env(home)
        subprocess.run([keyshelf, "team", "add", "bench", "--addr", url, "--credential-stdin"],
                       input=ROOT_TOKEN.encode(), env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The first sync's peer: the same number of new items written into the same keychain by
        # `secret-tool store`, one process each as a shell loop would, then removed again before
        # Keyshelf's first sync. gnome-keyring rewrites its whole file for every new item, so a
        # write costs more as the keyring grows: both start from a keyring of the same size.
        stores = ('for i in $(seq 1 "$1"); do printf %s "bench-peer-value-$i-not-a-real-key" '
                  '| secret-tool store --label "bench peer $i" keyshelf-bench-peer all keyshelf-bench-item "$i" || exit 1; done')
        first_peer = run_once(["sh", "-c", stores, "sh", str(n)])
        subprocess.run(["secret-tool", "clear", "keyshelf-bench-peer", "all"], check=True)
        first = run_once([keyshelf, "team", "sync", "bench"], env)
        out = subprocess.run([keyshelf, "list", "--json"], env=env, check=True, capture_output=True)
        if len(json.loads(out.stdout)) != n:
            raise SystemExit(f"bench: team sync did not bring {n} keys")
        peer_env = dict(os.environ, BAO_ADDR=url, BAO_TOKEN=ROOT_TOKEN)
        reads = ('seq -f "secret/keyshelf/bench/keys/local/k%05g" 0 $(($1 - 1)) '
                 '| xargs -P 8 -n 1 bao kv get -format=json > /dev/null')
        cmds = {
            "keyshelf": ([keyshelf, "team", "sync", "bench"], env),
            "bao": (["sh", "-c", reads, "sh", str(n)], peer_env),
        }
        times = {k: [] for k in cmds}
        names = list(cmds)
        # A `bao` process takes ~0.1 s to start here: the peer's runs are long, so fewer of them.
        for i in range((1 if smoke else 3) + 1):  # the first round is a warm-up
            for name in names[i % 2:] + names[:i % 2]:
                cmd, e = cmds[name]
                dt = run_once(cmd, e)
                if i:
                    times[name].append(dt)
        m = {k: statistics.median(v) for k, v in times.items()}
        label = f"`team sync`, {n:,} shared keys"
        return [
            ("team", f"{label}, first (every key new: {n:,} keychain writes)", f"{first:.0f} ms",
             f"`secret-tool store` ×{n:,} {first_peer:.0f} ms", f"{first / first_peer:.2f}×", "-", "-"),
            ("team", f"{label}, nothing new ({n:,} reads, 8 at a time)", f"{m['keyshelf']:.0f} ms",
             f"`bao kv get` ×{n:,}, 8 at a time {m['bao']:.0f} ms", f"{m['keyshelf'] / m['bao']:.2f}×", "< 1 s",
             verdict(m["keyshelf"] < 1000)),
        ]
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(home, ignore_errors=True)
