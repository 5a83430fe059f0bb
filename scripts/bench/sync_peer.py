#!/usr/bin/env python3
"""The peer of `keyshelf sync` in scripts/bench/measure.py: what a user's own script would do.

`sync_peer.py URL TOKEN DB PROVIDER ENV`: fetches the provider's key list over loopback with
urllib (Bearer token, as Keyshelf sends it) — every page, following `Link: <…>; rel="next"` —
parses the JSON (a bare array or the array under `data`, `items` or `api_keys`), and upserts one row per key into
Keyshelf's own `keys` table (a copy of a real Keyshelf store, so the same schema, indexes,
UNIQUE constraint and WAL journal) in one transaction with one prepared statement, with
`synchronous = NORMAL` as Keyshelf opens it. It skips Keyshelf's checks (name validation,
conflicts, `gone` marking, audit), so it is a floor, not an equal.
"""
import json, re, sqlite3, sys, urllib.request
from datetime import datetime, timezone

url, token, db, provider, env = sys.argv[1:6]
items, page = [], url.rstrip("/") + "/api-keys"
while page:
    req = urllib.request.Request(page, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        body = json.load(resp)
        link = re.search(r'<([^>]+)>;\s*rel="next"', resp.headers.get("Link") or "")
    if isinstance(body, dict):
        body = next(body[k] for k in ("data", "items", "api_keys") if k in body)
    items.extend(body)
    page = link.group(1) if link else None
now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
conn = sqlite3.connect(db)
conn.execute("PRAGMA synchronous = NORMAL")
with conn:
    conn.executemany(
        """INSERT INTO keys (provider, name, provider_key_id, env, status, has_secret, remote_state, user, origin, created_at)
           VALUES (?, ?, ?, ?, ?, 0, 'present', ?, 'provider', ?)
           ON CONFLICT (provider, name) DO UPDATE SET status = excluded.status, remote_state = 'present'""",
        ((provider, k["api_key_name"], str(k["id"]), env, k["status"], k.get("user") or None, k.get("created_at") or now) for k in items),
    )
conn.close()
