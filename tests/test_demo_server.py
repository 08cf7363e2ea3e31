"""The README's run command: builds the demo, serves Odoo with its mailbox, the printed portal URL
answers, and a client's notification reaches the mailbox the README names."""

import html
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from conftest import ODOO, REPO, free_port

# The demo database and its ports (HTTP, SMTP, mail page): a fresh name and free ports unless
# set (SERENE_DEMO_TEST_DB, SERENE_DEMO_TEST_PORTS="8069,2525,8025").
DEMO_DB = os.environ.get("SERENE_DEMO_TEST_DB", "serene_t_demo")
MAIL_SECONDS = 60
# Jordan Rivera's items in the demo: an inbox must not learn of any of them.
JORDAN_ITEMS = (
    "New Client Intake",
    "Consent and Privacy Agreement",
    "Insurance card",
    "Box breathing",
    "Before your first session",
)


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


def ports():
    given = os.environ.get("SERENE_DEMO_TEST_PORTS")
    return [int(port) for port in given.split(",")] if given else [free_port() for _ in range(3)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    port, smtp_port, mail_port = ports()
    db = DEMO_DB
    mail_dir = tmp_path_factory.mktemp("demo-mail")
    subprocess.run([*ODOO, "db", "drop", db], check=False, capture_output=True)
    env = dict(
        os.environ,
        DEMO_DB=db,
        PORT=str(port),
        SMTP_PORT=str(smtp_port),
        MAIL_PORT=str(mail_port),
        MAIL_DIR=str(mail_dir),
    )
    (REPO / ".test-output").mkdir(exist_ok=True)
    log_path = REPO / ".test-output" / "demo-server.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
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
                pytest.fail(f"scripts/demo.sh exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if fetch(f"{base}/web/login")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(2)
        else:
            pytest.fail("the demo server did not answer within 5 minutes")
        yield {
            "base": base,
            "port": port,
            "db": db,
            "output": log_path.read_text(),
            "log": log_path,
            "mail": f"http://127.0.0.1:{mail_port}",
            "mail_dir": mail_dir,
            "smtp_port": smtp_port,
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        log.close()
        subprocess.run([*ODOO, "db", "drop", db], check=False, capture_output=True)


def rpc(demo, login, password):
    """call(model, method, *args, **kwargs) as a demo user, the way the web client calls."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(path, params):
        data = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
        request = urllib.request.Request(f"{demo['base']}{path}", data, {"Content-Type": "application/json"})
        with opener.open(request, timeout=60) as response:
            answer = json.load(response)
        assert "error" not in answer, answer["error"]
        return answer["result"]

    post("/web/session/authenticate", {"db": demo["db"], "login": login, "password": password})

    def call(model, method, *args, **kwargs):
        params = {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        return post(f"/web/dataset/call_kw/{model}/{method}", params)

    return call


def run_queue(demo, xmlid):
    """Run one of Odoo's queues now (its scheduled action), as the administrator would."""
    admin = rpc(demo, "admin", "admin")
    module, name = xmlid.split(".")
    [data] = admin("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)], ["res_id"])
    admin("ir.cron", "method_direct_trigger", [data["res_id"]])


def test_demo_serves_login_and_the_printed_portal_url(demo):
    base, port, output = demo["base"], demo["port"], demo["output"]
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


def test_the_demo_mailbox_shows_a_clients_notification(demo):
    output = demo["output"]
    mail_port = demo["mail"].rsplit(":", 1)[1]
    assert f"http://localhost:{mail_port}/" in output, output[-2000:]
    assert str(demo["mail_dir"]) in output
    maya = rpc(demo, "maya", "maya")
    [jordan] = maya("res.partner", "search_read", [("name", "=", "Jordan Rivera")], ["email", "client_portal_id"])
    # Resend portal link, as the note owner clicks it; then the mail queue runs.
    maya("res.partner", "action_client_portal_resend_link", [jordan["id"]])
    run_queue(demo, "mail.ir_cron_mail_scheduler_action")
    deadline = time.monotonic() + MAIL_SECONDS
    while True:
        status, _headers, index = fetch(f"{demo['mail']}/")
        assert status == 200
        found = re.search(rf'<a href="({re.escape(jordan["email"])}/[^"]+\.html)">([^<]+)</a>', index)
        if found:
            break
        assert time.monotonic() < deadline, f"no email to {jordan['email']} on the mail page:\n{index}"
        time.sleep(1)
    page, subject = html.unescape(found.group(1)), html.unescape(found.group(2))
    assert subject.endswith(": your client portal"), subject
    # The same message as files in the folder the README names.
    eml = demo["mail_dir"] / page.removesuffix(".html")
    raw = eml.with_suffix(".eml").read_text()
    assert jordan["email"] in raw
    status, _headers, message = fetch(f"{demo['mail']}/{page}")
    assert status == 200
    assert "Open my portal" in html.unescape(message)
    links = set(re.findall(rf"http://localhost:{demo['port']}/portal/[A-Za-z0-9_-]{{43}}", html.unescape(message)))
    assert len(links) == 1, links
    for item in JORDAN_ITEMS:
        assert item not in raw, f"the email names an item ({item})"
        assert item not in message, f"the mail page names an item ({item})"
    # The link in the email opens Jordan's portal, and the note owner sees the email as sent.
    status, _headers, body = fetch(links.pop().replace("localhost", "127.0.0.1"))
    assert status == 200
    assert "Hello Jordan Rivera" in body
    [notification] = maya(
        "serene.portal.notification",
        "search_read",
        [("portal_id", "=", jordan["client_portal_id"][0]), ("channel", "=", "email"), ("kind", "=", "link")],
        ["state", "failure_reason"],
        limit=1,
    )
    assert notification["state"] == "sent", notification


def test_text_messages_show_failed_with_their_reason(demo):
    """Odoo sends text messages through its IAP service, which the demo does not reach: with SMS
    turned on, the client's notification row says Failed, and why, where staff look."""
    admin = rpc(demo, "admin", "admin")
    [company] = admin("res.company", "search_read", [], ["id"], limit=1)
    admin("res.company", "write", [company["id"]], {"serene_portal_notify_sms": True})
    maya = rpc(demo, "maya", "maya")
    [taylor] = maya("res.partner", "search_read", [("name", "=", "Taylor Nguyen")], ["client_portal_id"])
    maya("res.partner", "action_client_portal_resend_link", [taylor["id"]])
    run_queue(demo, "sms.ir_cron_sms_scheduler_action")
    domain = [("portal_id", "=", taylor["client_portal_id"][0]), ("channel", "=", "sms")]
    deadline = time.monotonic() + MAIL_SECONDS
    while True:
        rows = maya("serene.portal.notification", "search_read", domain, ["state", "failure_reason"], limit=1)
        if rows and rows[0]["state"] != "queued":
            break
        assert time.monotonic() < deadline, rows
        time.sleep(1)
    assert rows[0]["state"] == "failed", rows
    assert rows[0]["failure_reason"], rows
    # The Client Portal tab of the contact shows the reason beside the row.
    views = maya("res.partner", "get_views", [[False, "form"]])
    arch = views["views"]["form"]["arch"]
    notifications = arch[arch.index('name="serene_notification_ids"') :]
    assert 'name="failure_reason"' in notifications[: notifications.index("</list>")]
