#!/usr/bin/env python3
"""Starts APP under tauri-driver (W3C WebDriver, Debian's WebKitWebDriver) and waits until its
window shows its start page (the Overview), then the key list, ready, with the row of KEYREF. Exits non-zero with the reason
otherwise. Used by scripts/test-package.sh on the app installed from the .deb.

    package-window-check.py APP KEYREF
"""
import http.client
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
    # tauri-driver now and then closes a fresh connection without answering (seen twice in CI,
    # once on a click, once on closing the session, with the app still running): such a request
    # is sent again, at most twice. A driver or app that is gone fails every try and the check.
    for attempt in range(3):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.load(resp)["value"]
        except urllib.error.HTTPError as e:
            return json.load(e)["value"]
        except (http.client.RemoteDisconnected, ConnectionResetError) as e:
            if attempt == 2:
                raise
            print(f"package-window-check: {method} {path}: {e!r}, sending it again", file=sys.stderr)
            time.sleep(0.5)


def new_session(base, app):
    caps = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}}
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            value = call(base, "POST", "/session", caps)
            if "sessionId" in value:
                return value["sessionId"]
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            pass  # the driver or its WebKitWebDriver is not listening yet
        time.sleep(0.5)
    sys.exit(f"package-window-check: no WebDriver session with {app} in {TIMEOUT_S}s")


def wait_for(base, sid, css):
    deadline = time.monotonic() + TIMEOUT_S
    last = None
    while time.monotonic() < deadline:
        try:
            found = call(base, "POST", f"/session/{sid}/elements", {"using": "css selector", "value": css})
            if isinstance(found, list) and found:
                return found[0]
            last = found
        except (http.client.HTTPException, OSError) as e:
            last = e  # the page may still be loading
        time.sleep(0.3)
    sys.exit(f"package-window-check: the window never showed {css} in {TIMEOUT_S}s (last answer: {last!r})")


def main():
    app, keyref = sys.argv[1], sys.argv[2]
    port = free_port()
    driver = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(free_port()),
                               "--native-driver", "/usr/bin/WebKitWebDriver"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        sid = new_session(base, app)
        try:
            # The start page is the Overview; the key list is one click away.
            wait_for(base, sid, '[data-testid="overview"]')
            nav = wait_for(base, sid, '[data-testid="nav-keys"]')
            element = next(iter(nav.values()))
            call(base, "POST", f"/session/{sid}/element/{element}/click", {})
            wait_for(base, sid, '[data-testid="key-list"][data-ready="true"]')
            wait_for(base, sid, f'[data-testid="key-row"][data-keyref="{keyref}"]')
            # The row's name cell as laid out in the window: its text and a size on screen.
            cell = call(base, "POST", f"/session/{sid}/execute/sync", {"script": """
                const cell = document.querySelector(arguments[0]);
                const box = cell.getBoundingClientRect();
                return {text: cell.textContent.trim(), width: box.width, height: box.height};
            """, "args": [f'[data-testid="key-row"][data-keyref="{keyref}"] .c-name']})
            text = cell["text"]
            if text != keyref.split("/")[-1] or cell["width"] <= 0 or cell["height"] <= 0:
                sys.exit(f"package-window-check: the row of {keyref} shows {cell!r}")
            title = call(base, "GET", f"/session/{sid}/title")
            print(f"package-window-check: window {title!r} lists {text!r}", file=sys.stderr)
        finally:
            # Closing the session only tidies up: the window was checked above. A driver that
            # drops the connection while it closes the app must not fail the check.
            try:
                call(base, "DELETE", f"/session/{sid}")
            except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
                print(f"package-window-check: closing the WebDriver session: {e!r} (ignored)", file=sys.stderr)
    finally:
        driver.terminate()
        driver.wait(timeout=10)


if __name__ == "__main__":
    main()
