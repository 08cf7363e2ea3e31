"""The README's run command: builds the demo, serves Odoo, and the printed portal URL answers."""

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from conftest import ODOO, REPO, free_port


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def demo_server():
    port = free_port()
    db = "serene_t_demo"
    subprocess.run([*ODOO, "db", "drop", db], check=False, capture_output=True)
    env = dict(os.environ, DEMO_DB=db, PORT=str(port))
    log = open(REPO / ".test-output" / "demo-server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(REPO / "scripts" / "demo.sh")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"scripts/demo.sh exited with {proc.returncode}")
            try:
                if fetch(f"{base}/web/login")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(2)
        else:
            pytest.fail("the demo server did not answer within 5 minutes")
        output = (REPO / ".test-output" / "demo-server.log").read_text()
        yield base, port, output
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        log.close()
        subprocess.run([*ODOO, "db", "drop", db], check=False, capture_output=True)


def test_demo_serves_login_and_the_printed_portal_url(demo_server):
    base, port, output = demo_server
    status, _headers, body = fetch(f"{base}/web/login")
    assert status == 200
    assert "Log in" in body or "login" in body
    match = re.search(rf"http://localhost:{port}/portal/[A-Za-z0-9_-]{{43}}", output)
    assert match, output[-2000:]
    for login in ("manager", "maya", "leo", "team"):
        assert f"{login} " in output
    status, headers, body = fetch(match.group(0).replace("localhost", "127.0.0.1"))
    assert status == 200
    assert "Hello Jordan Rivera" in body
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Robots-Tag"].startswith("noindex")
    status, headers, _body = fetch(f"{base}/portal/not-a-real-key")
    assert status == 303
    assert headers["Location"].endswith("/portal/link-not-valid")
