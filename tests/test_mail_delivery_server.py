"""Client emails through a real SMTP server: Odoo runs as a practice runs it in production
(prefork: two HTTP workers, which send codes right after their commit, and a cron worker, which
sends the mail queue) against an aiosmtpd server on a loopback port of this test, and nothing else
(no outgoing mail server is configured; the command line's --smtp is the only way out).

Adding items must deliver an email whose link opens the portal; a one-time code must arrive
within seconds of being asked for."""

import email
import email.policy
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.parse
import uuid
import xmlrpc.client
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from conftest import ODOO, ODOO_SHELL, copy_installed_db, free_port, psql

# How long a practice may wait for the "new items" email, and for a one-time code.
ITEM_MAIL_SECONDS = 60
CODE_MAIL_SECONDS = 10
# Each test's own limit (the module's server is started once, under its own limits).
TEST_SECONDS = ITEM_MAIL_SECONDS + 60

PRACTITIONER = ("mailtest.practitioner", "mailtest-practitioner-pw")
ADMIN = ("admin", "admin")
# Items whose names would be health information in an inbox.
ITEM_NAMES = ("Trauma history letter", "Panic attacks workbook")

SETUP = """
import json
ICP = env["ir.config_parameter"].sudo()
# The address clients' links start with: the practice's own (here, the test's server).
ICP.set_param("web.base.url", BASE_URL)
ICP.set_param("web.base.url.freeze", "True")
# The command line's SMTP server is used only while no outgoing server is configured.
assert not env["ir.mail_server"].sudo().search_count([]), "an outgoing mail server is configured"
# Scheduled actions that would reach the outside world (odoo.com, IAP) stay off; the mail
# queue and everything else runs as in a practice.
for xmlid in ("mail.ir_cron_module_update_notification", "sms.ir_cron_sms_scheduler_action",
              "snailmail.snailmail_print"):
    cron = env.ref(xmlid, raise_if_not_found=False)
    if cron:
        cron.active = False
company = env.ref("base.main_company")
company.write({"email": "practice@serene-mail-test.example.com", "serene_portal_verify_code": "none",
               "serene_portal_verify_birthdate": False, "serene_portal_notify_email": True,
               "serene_portal_notify_sms": False})
practitioner = env["res.users"].create({
    "name": "Mail Test Practitioner", "login": LOGIN, "password": PASSWORD,
    "email": "practitioner@serene-mail-test.example.com",
    "group_ids": [(6, 0, [env.ref("serene_client_portal.group_practice_user").id])],
})
Partner = env["res.partner"]
def client(name, email):
    return Partner.create({"name": name, "email": email, "is_client": True, "note_owner_id": practitioner.id,
                           "lang": "en_US"})
items_client = client("Robin Mailtest", "robin.mailtest@example.com")
code_client = client("Sasha Codetest", "sasha.codetest@example.com")
portal = code_client._serene_get_or_create_portals()
out = {
    "company": company.name,
    "company_id": company.id,
    "items_client": {"id": items_client.id, "name": items_client.name, "email": items_client.email},
    "code_client": {"id": code_client.id, "name": code_client.name, "email": code_client.email,
                    "url": portal._new_access_url()},
}
env.cr.commit()
print("SETUP" + json.dumps(out))
"""


class Mailbox:
    """aiosmtpd handler: keeps every message with the time it arrived."""

    def __init__(self):
        self.messages = []
        self.changed = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.changed:
            self.messages.append((time.monotonic(), list(envelope.rcpt_tos), envelope.content))
            self.changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, address, since, timeout):
        """(arrival time, envelope recipients, parsed message) of the first message to ``address`` received after
        ``since`` (monotonic), or None after ``timeout`` seconds."""

        def find():
            for arrived, rcpt_tos, content in self.messages:
                if arrived >= since and address in rcpt_tos:
                    return arrived, rcpt_tos, email.message_from_bytes(content, policy=email.policy.default)
            return None

        with self.changed:
            return self.changed.wait_for(find, timeout=timeout)


def html_of(message):
    part = message.get_body(preferencelist=("html", "plain"))
    return part.get_content()


class Browser:
    """A client's browser: its own loopback address and Odoo session cookie."""

    def __init__(self, port, address):
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.address, 0))
        headers = {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read().decode(errors="replace")
        finally:
            conn.close()
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _sep, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return response.status, response.getheader("Location"), data


def csrf_of(page):
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


@contextmanager
def time_limit(seconds, what):
    """Fail (not hang) when the block takes longer than ``seconds``."""

    def expire(_signum, _frame):
        pytest.fail(f"{what} took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def per_test_limit(request):
    with time_limit(TEST_SECONDS, request.node.name):
        yield


@pytest.fixture(scope="module")
def mailbox():
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def mail_cron_state(db):
    """[whether the mail queue's next run is ahead, seconds until it, next run, last run]."""
    return psql(
        db,
        "SELECT nextcall > (now() AT TIME ZONE 'utc'),"
        " round(extract(epoch FROM nextcall - (now() AT TIME ZONE 'utc'))), nextcall, lastcall"
        " FROM ir_cron WHERE id = (SELECT res_id FROM ir_model_data"
        " WHERE module = 'mail' AND name = 'ir_cron_mail_scheduler_action')",
    ).split("|")


def wait_past_a_coincident_mail_queue_run(db):
    """When the hourly mail queue run falls in the coming wait, let it pass first: an email
    must not seem delivered on time by a run that happened to be due."""
    _ahead, seconds, nextcall, _lastcall = mail_cron_state(db)
    if float(seconds) > ITEM_MAIL_SECONDS + 10:
        return
    deadline = time.monotonic() + float(seconds) + 90
    while mail_cron_state(db)[2] == nextcall:
        assert time.monotonic() < deadline, "the mail queue's due run did not happen"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def server(mailbox, tmp_path_factory):
    _handler, smtp_port = mailbox
    db = f"serene_t_mail_{uuid.uuid4().hex[:6]}"
    port = free_port()
    log = tmp_path_factory.mktemp("mail") / "server.log"
    proc = None
    try:
        with time_limit(300, "preparing the database"):
            copy_installed_db(db)
            script = f"BASE_URL = {f'http://127.0.0.1:{port}'!r}\nLOGIN, PASSWORD = {PRACTITIONER!r}\n" + SETUP
            shell = subprocess.run(
                [*ODOO_SHELL, "-d", db, "--log-level=warn", "--no-http"],
                input=script,
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
            )
            found = re.search(r"SETUP(\{.*\})", shell.stdout)
            assert found, shell.stdout[-2000:] + shell.stderr[-2000:]
            data = json.loads(found.group(1))
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [
                    *ODOO,
                    "-d",
                    db,
                    f"--db-filter=^{db}$",
                    "--workers=2",
                    "--max-cron-threads=1",
                    f"--http-port={port}",
                    f"--gevent-port={free_port()}",
                    "--http-interface=127.0.0.1",
                    "--smtp=127.0.0.1",
                    f"--smtp-port={smtp_port}",
                    "--limit-time-real=120",
                    "--log-level=warn",
                    "--log-handler=odoo.addons.base.models.ir_cron:INFO",
                    "--log-handler=odoo.addons.base.models.ir_mail_server:INFO",
                    "--log-handler=odoo.addons.mail.models.mail_mail:INFO",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"the server did not answer:\n{log.read_text()[-3000:]}"
            try:
                if Browser(port, "127.0.0.1").request("GET", "/web/login")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        # A practice's server in its steady state: the cron worker has run whatever was overdue
        # when it started (the copied database's mail queue run among them), so the mail queue's
        # next run is ahead. The cron worker sleeps a minute before its first look; it is woken
        # the way Odoo wakes it (NOTIFY cron_trigger), only for this first pass.
        deadline = time.monotonic() + 90
        while mail_cron_state(db)[0] != "t":
            assert time.monotonic() < deadline, f"the cron worker did not start:\n{log.read_text()[-3000:]}"
            psql("postgres", f"NOTIFY cron_trigger, '{db}'")
            time.sleep(0.5)
        yield {"port": port, "db": db, "log": log, "data": data}
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        subprocess.run([*ODOO, "db", "drop", db], check=False, capture_output=True, timeout=120)


def rpc(server, user):
    """call(model, method, *args, **kwargs) over XML-RPC as ``user`` (login, password)."""
    base = f"http://127.0.0.1:{server['port']}/xmlrpc/2"
    login, password = user
    uid = xmlrpc.client.ServerProxy(f"{base}/common").authenticate(server["db"], login, password, {})
    assert uid, f"{login} cannot log in"
    models = xmlrpc.client.ServerProxy(f"{base}/object", allow_none=True)

    def call(model, method, *args, **kwargs):
        return models.execute_kw(server["db"], uid, password, model, method, list(args), kwargs)

    return call


@contextmanager
def verify_code(server, mode):
    """The practice's one-time code setting, as the administrator sets it, put back after."""
    call = rpc(server, ADMIN)
    company_id = server["data"]["company_id"]
    before = call("res.company", "read", [company_id], ["serene_portal_verify_code"])[0]["serene_portal_verify_code"]
    call("res.company", "write", [company_id], {"serene_portal_verify_code": mode})
    try:
        yield
    finally:
        call("res.company", "write", [company_id], {"serene_portal_verify_code": before})


def test_adding_items_emails_a_link_that_opens_the_portal(server, mailbox):
    handler, _smtp_port = mailbox
    data = server["data"]
    client = data["items_client"]
    with verify_code(server, "none"):
        call = rpc(server, PRACTITIONER)
        # The Add Item dialog, as the practitioner fills and confirms it.
        wizard = call(
            "serene.portal.add.item",
            "create",
            {
                "partner_id": client["id"],
                "notify_client": True,
                "line_ids": [
                    (0, 0, {"line_type": "document_request", "name": ITEM_NAMES[0]}),
                    (0, 0, {"line_type": "link", "name": ITEM_NAMES[1], "url": "https://example.com/workbook"}),
                ],
            },
        )
        wait_past_a_coincident_mail_queue_run(server["db"])
        added = time.monotonic()
        call("serene.portal.add.item", "action_add", [wizard])
        got = handler.wait_for(client["email"], added, ITEM_MAIL_SECONDS)
        if got is None:
            queued = psql(
                server["db"],
                "SELECT state || ' since ' || create_date FROM mail_mail WHERE serene_portal_id = "
                f"(SELECT id FROM serene_client_portal WHERE partner_id = {client['id']})",
            )
            _ahead, _seconds, nextcall, lastcall = mail_cron_state(server["db"])
            now = psql(server["db"], "SELECT date_trunc('second', now() AT TIME ZONE 'utc')")
            pytest.fail(
                f"No email reached the SMTP server within {ITEM_MAIL_SECONDS} s of adding items. "
                f"The notification sits in mail.mail ({queued or 'no row'}); the running server sends that "
                f"queue only when the 'Mail: Email Queue Manager' cron runs (every hour: last run {lastcall}, "
                f"next {nextcall}, now {now} UTC) and adding items does not trigger it."
            )
        arrived, rcpt_tos, message = got
        print(f"items email after {arrived - added:.2f} s")
    assert rcpt_tos == [client["email"]]
    assert client["email"] in message["To"]
    assert "practice@serene-mail-test.example.com" in message["From"]
    assert message["Subject"] == f"{data['company']}: your client portal"
    body = html_of(message)
    raw = message.as_string()
    for name in ITEM_NAMES:
        assert name not in raw, f"the email names an item ({name}): health information in an inbox"
    assert "2 new item(s)" in " ".join(body.split())
    links = set(re.findall(r'href="([^"]*/portal/[A-Za-z0-9_-]+)"', body))
    assert len(links) == 1, links
    link = links.pop()
    assert link.startswith(f"http://127.0.0.1:{server['port']}/portal/"), link
    status, _location, page = Browser(server["port"], "127.0.0.61").request("GET", link.split(str(server["port"]))[1])
    assert status == 200, page[:2000]
    assert f"Hello {client['name']}" in page
    for name in ITEM_NAMES:
        assert name in page, "the portal itself shows the items"


def test_a_one_time_code_arrives_within_seconds(server, mailbox):
    handler, _smtp_port = mailbox
    data = server["data"]
    client = data["code_client"]
    path = client["url"].split(str(server["port"]), 1)[1]
    browser = Browser(server["port"], "127.0.0.62")
    with verify_code(server, "email"):
        status, _location, page = browser.request("GET", path)
        assert status == 401, page[:2000]
        assert "Send me a code" in page
        asked = time.monotonic()
        status, _location, page = browser.request(
            "POST", f"{path}/verify", {"csrf_token": csrf_of(page), "send_code": 1}
        )
        assert status == 200, page[:2000]
        assert "a code is on its way" in page
        got = handler.wait_for(client["email"], asked, CODE_MAIL_SECONDS)
        assert got, f"no code email within {CODE_MAIL_SECONDS} s:\n{server['log'].read_text()[-3000:]}"
        arrived, rcpt_tos, message = got
        print(f"code email after {arrived - asked:.2f} s")
        assert rcpt_tos == [client["email"]]
        assert client["email"] in message["To"]
        assert message["Subject"] == f"Your {data['company']} portal code"
        code = re.search(r"\b(\d{6}) is your code\b", html_of(message)).group(1)
        status, location, page = browser.request("POST", f"{path}/verify", {"csrf_token": csrf_of(page), "code": code})
        assert status == 303, page[:2000]
        assert location.endswith(path), location
        status, _location, page = browser.request("GET", path)
        assert status == 200, page[:2000]
        assert f"Hello {client['name']}" in page
