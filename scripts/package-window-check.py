#!/usr/bin/env python3
"""Starts APP under tauri-driver (W3C WebDriver, Debian's WebKitWebDriver) and waits until its
window shows the key list, ready, with the row of KEYREF. Exits non-zero with the reason
otherwise. Used by scripts/test-package.sh on the app installed from the .deb.

    package-window-check.py APP KEYREF
"""
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

TIMEOUT_S = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)["value"]
    except urllib.error.HTTPError as e:
        return json.load(e)["value"]


def new_session(base, app):
    caps = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}}
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            value = call(base, "POST", "/session", caps)
            if "sessionId" in value:
                return value["sessionId"]
        except (urllib.error.URLError, ConnectionError):
            pass  # the driver is not listening yet
        time.sleep(0.5)
    sys.exit(f"package-window-check: no WebDriver session with {app} in {TIMEOUT_S}s")


def wait_for(base, sid, css):
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        found = call(base, "POST", f"/session/{sid}/elements", {"using": "css selector", "value": css})
        if isinstance(found, list) and found:
            return found[0]
        time.sleep(0.3)
    sys.exit(f"package-window-check: the window never showed {css} in {TIMEOUT_S}s")


def main():
    app, keyref = sys.argv[1], sys.argv[2]
    port = free_port()
    driver = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(free_port())],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        sid = new_session(base, app)
        try:
            wait_for(base, sid, '[data-testid="key-list"][data-ready="true"]')
            row = wait_for(base, sid, f'[data-testid="key-row"][data-keyref="{keyref}"]')
            element = next(iter(row.values()))
            text = call(base, "GET", f"/session/{sid}/element/{element}/text")
            if keyref.split("/")[-1] not in text:
                sys.exit(f"package-window-check: the row of {keyref} reads {text!r}")
            title = call(base, "GET", f"/session/{sid}/title")
            print(f"package-window-check: window {title!r}, key row {text.split()[0]!r}", file=sys.stderr)
        finally:
            call(base, "DELETE", f"/session/{sid}")
    finally:
        driver.terminate()
        driver.wait(timeout=10)


if __name__ == "__main__":
    main()
