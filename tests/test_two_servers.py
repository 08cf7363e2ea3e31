"""Two Odoo servers on one database and one file store (scripts/two_servers.sh: each two HTTP
workers and a cron worker), driven in turns as a load balancer would: the failed-key limit, the
identity check's lockout, double-submit protection and the verified visit hold across servers,
a time booked on both at once is booked once, and a scheduled action started on both at once
runs on one and reminds every client once.

Every client comes from a loopback address of its own (127.0.0.0/8); mail goes to a closed
local port, to @example.com addresses."""

import contextlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from conftest import ODOO, ODOO_SHELL, REPO, copy_installed_db, free_port, psql
from test_edges_server import Client, pdf

BULK = 600
BIRTHDATE = "1990-04-12"
SCRIPT = REPO / "scripts" / "two_servers.sh"

# Run by "odoo shell" after the lines BIRTHDATE = ... and BULK = ...
SETUP = """
import json
company = env.ref("base.main_company")
company.write({
    "serene_portal_limit": 0,
    "serene_portal_item_limit": 0,
    "serene_portal_notify_email": True,
    "serene_portal_notify_sms": False,
    "serene_portal_verify_birthdate": True,
    "serene_portal_verify_code": "none",
    "serene_reminder_after_days": 3,
    "serene_reminder_before_hours": 0,
    "serene_reminder_max": 3,
})
Partner = env["res.partner"]
Item = env["serene.portal.item"]
owner = env.ref("base.user_admin")
kinds = [(6, 0, env["serene.upload.kind"].search([("code", "=", "pdf")]).ids)]
out = {}
for name in ("verify", "session", "double"):
    partner = Partner.create({"name": f"Two servers {name}", "email": f"t2s-{name}@example.com", "is_client": True,
                              "note_owner_id": owner.id, "serene_birthdate": BIRTHDATE})
    item = Item.create({"partner_id": partner.id, "item_type": "document_request", "name": f"{name} papers",
                        "accepted_kind_ids": kinds})
    out[name] = {"key": partner.client_portal_id._new_access_url().rsplit("/", 1)[1], "item": item.id,
                 "portal": partner.client_portal_id.id}
# Clients with a document request assigned 4 days ago: each is due for one reminder.
bulk = Partner.create([{"name": f"Reminder {n}", "email": f"t2s-reminder-{n}@example.com", "is_client": True,
                        "note_owner_id": owner.id} for n in range(BULK)])
items = Item.create([{"partner_id": partner.id, "item_type": "document_request", "name": "Papers",
                      "accepted_kind_ids": kinds} for partner in bulk])
env.cr.execute("UPDATE serene_portal_item SET assigned_at = assigned_at - interval '4 days' WHERE id IN %s",
               [tuple(items.ids)])
out["bulk_portals"] = sorted(items.portal_id.ids)
out["cron"] = env.ref("serene_client_portal.ir_cron_send_reminders").id
# Online booking: a practitioner open every day, all day, in UTC (the tests book at the real
# time), a service open for online booking, and clients of hers who have had a session.
hours = env["resource.calendar"].create({
    "name": "Two servers hours",
    "tz": "UTC",
    "attendance_ids": [(0, 0, {"name": f"day {day}", "dayofweek": str(day), "hour_from": 0, "hour_to": 24})
                       for day in range(7)],
})
practitioner = env["res.users"].create({
    "name": "Two servers Petra", "login": "t2s-practitioner", "email": "t2s-practitioner@example.com", "tz": "UTC",
    "group_ids": [(6, 0, env.ref("base.group_user").ids)],
})
practitioner._serene_booking_resource(company).write({"calendar_id": hours.id, "tz": "UTC"})
service = env["calendar.event.type"].create({
    "name": "Two servers session", "serene_online_booking": True, "serene_min_notice_hours": 0,
    "serene_practitioner_ids": [(6, 0, practitioner.ids)],
})
out["booking"] = {"practitioner": practitioner.id, "service": service.id}
for name in ("book_a", "book_b", "book_twice"):
    partner = Partner.create({"name": f"Two servers {name}", "email": f"t2s-{name}@example.com", "is_client": True,
                              "note_owner_id": practitioner.id, "serene_birthdate": BIRTHDATE, "tz": "UTC"})
    env["calendar.event"].with_context(no_mail_to_attendees=True).create({
        "name": "First session", "start": "2020-01-06 09:00:00", "stop": "2020-01-06 10:00:00",
        "partner_ids": [(6, 0, partner.ids)], "user_id": practitioner.id,
    })
    portal = env["serene.client.portal"].create({"partner_id": partner.id, "show_appointments": True})
    out[name] = {"key": portal._new_access_url().rsplit("/", 1)[1], "portal": portal.id}
# While the servers run, no scheduled action starts on its own: only those a test triggers.
env.cr.execute("UPDATE ir_cron SET nextcall = (now() at time zone 'utc') + interval '1 day'")
env.cr.execute("DELETE FROM ir_cron_trigger")
env.cr.commit()
print("SETUP" + json.dumps(out))
"""

# Odoo's log line: "2026-01-01 10:00:00,123 4242 INFO db odoo.addons.base.models.ir_cron: Job ..."
CRON_LOG = re.compile(
    r"^(?P<at>\S+ \S+) (?P<pid>\d+) \w+ \S+ odoo\.addons\.base\.models\.ir_cron: "
    r"(?:Job '(?P<name>.*)' \((?P<id>\d+)\) (?P<what>starting|fully done|partially done|failed)"
    r"|job (?P<skipped>\d+) (?:is being|has been) processed by another worker)",
    re.MULTILINE,
)


def require_gevent():
    """Each server also runs a websocket (gevent) process; when gevent's requirements do not
    resolve (setuptools older than 70, see requirements-dev.txt) it restarts in a loop."""
    check = [ODOO[0], "-c", "import pkg_resources; pkg_resources.require('gevent')"]
    result = subprocess.run(check, capture_output=True, text=True, check=False)
    if result.returncode:
        pytest.fail(f"gevent's requirements do not resolve: run scripts/setup.sh\n{result.stderr[-500:]}")


def odoo_data_dir():
    out = subprocess.run(
        [ODOO[0], "-c", "from odoo.tools import config; config.parse_config([]); print(config['data_dir'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip().splitlines()[-1])


class Servers:
    """The two servers as the tests see them: a port each, the database, the setup's records."""

    def __init__(self, ports, db, data, run_dir, data_dir):
        self.a, self.b = ports
        self.db, self.data, self.run_dir, self.data_dir = db, data, run_dir, data_dir

    def browser(self, address):
        """One browser (one cookie jar) that can talk to server A and to server B."""
        on_a, on_b = Client(self.a, address), Client(self.b, address)
        on_b.cookies = on_a.cookies
        return on_a, on_b

    def log(self, name):
        return (self.run_dir / f"server-{name}.log").read_text(errors="replace")


def read_until_ready(proc, timeout):
    """The script's output up to its "ready" line; fails when it exits first."""
    lines, buffer, deadline = [], b"", time.time() + timeout
    while time.time() < deadline:
        readable, _w, _x = select.select([proc.stdout], [], [], 1)
        if readable:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buffer += chunk
            *done, buffer = buffer.split(b"\n")
            lines += [line.decode() for line in done]
            if any("ready;" in line for line in lines):
                return "\n".join(lines)
        elif proc.poll() is not None:
            break
    pytest.fail("scripts/two_servers.sh did not get ready:\n" + "\n".join(lines) + buffer.decode())


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two_servers")
    data_dir, run_dir = tmp / "data", tmp / "run"
    # scripts/test.sh's database prefix (SERENE_TEST_DB) and base (SERENE_TEMPLATE_DB): two runs keep apart.
    db = f"{os.environ.get('SERENE_TEST_DB', 'serene_t')}2s_{uuid.uuid4().hex[:8]}"
    # Closed local port: every email the servers try fails here, nothing leaves the machine.
    smtp = [f"--data-dir={data_dir}", "--smtp=127.0.0.1", f"--smtp-port={free_port()}"]
    proc, leftover = None, []
    require_gevent()
    copied = odoo_data_dir() / "filestore" / db
    try:
        # The copy's file store moves into the servers' data dir, which they share.
        copy_installed_db(db, "--log-level=warn", *smtp[1:])
        (data_dir / "filestore").mkdir(parents=True)
        if copied.exists():
            shutil.move(copied, data_dir / "filestore" / db)
        shell = subprocess.run(
            [*ODOO_SHELL, "-d", db, "--log-level=warn", *smtp],
            input=f"BIRTHDATE = {BIRTHDATE!r}\nBULK = {BULK}\n" + SETUP,
            capture_output=True,
            text=True,
            check=False,
        )
        found = re.search(r"SETUP(\{.*\})", shell.stdout)
        assert found, shell.stdout[-2000:] + shell.stderr[-3000:]
        data = json.loads(found.group(1))
        proc = subprocess.Popen(
            [
                str(SCRIPT),
                "-d",
                db,
                "-D",
                str(data_dir),
                "-r",
                str(run_dir),
                "--",
                *smtp[1:],
                "--limit-time-real=300",
                "--log-handler=odoo.addons.base.models.ir_cron:DEBUG",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
            start_new_session=True,
        )
        output = read_until_ready(proc, 180)
        ports = [int(port) for port in re.findall(r"server [AB]: http://127\.0\.0\.1:(\d+)", output)]
        assert len(ports) == 2, output
        # Each HTTP worker loads the registry at its first request: warm all four up.
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda n: Client(ports[n % 2], "127.0.0.1").request("GET", "/web/login"), range(8)))
        yield Servers(ports, db, data, run_dir, data_dir)
    finally:
        if proc:
            subprocess.run([str(SCRIPT), "stop", "-r", str(run_dir)], capture_output=True, check=False, timeout=120)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            # Whatever still runs on this test's database was started by this test.
            found = subprocess.run(["pgrep", "-f", "--", f"-d {db} "], capture_output=True, text=True, check=False)
            leftover = [int(pid) for pid in found.stdout.split()]
            for pid in leftover:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        subprocess.run([*ODOO, "db", f"--data-dir={data_dir}", "drop", db], check=False, capture_output=True)
        if psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"):
            subprocess.run(["dropdb", "--if-exists", "--force", db], check=False, capture_output=True)
        shutil.rmtree(copied, ignore_errors=True)
    assert not leftover, f"scripts/two_servers.sh stop left server processes: {leftover}"


def csrf_of(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def verify(client, key, birthdate, csrf):
    return client.request(
        "POST",
        f"/portal/{key}/verify",
        body=f"csrf_token={csrf}&birthdate={birthdate}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_the_failed_key_limit_is_one_limit_across_both_servers(servers):
    on_a, on_b = servers.browser("127.0.3.11")
    statuses = [(on_a, on_b)[n % 2].request("GET", f"/portal/{uuid.uuid4().hex}")[0] for n in range(14)]
    assert statuses == [303] * 10 + [429] * 4, statuses
    # A parallel burst split over both servers buys no more lookups than on one.
    burst_a, burst_b = servers.browser("127.0.3.12")
    with ThreadPoolExecutor(40) as pool:
        burst = list(
            pool.map(lambda n: (burst_a, burst_b)[n % 2].request("GET", f"/portal/{uuid.uuid4().hex}")[0], range(40))
        )
    assert len([status for status in burst if status != 429]) <= 10, burst
    # A good key from another address still opens on both.
    good_a, good_b = servers.browser("127.0.3.13")
    key = servers.data["verify"]["key"]
    assert (good_a.request("GET", f"/portal/{key}")[0], good_b.request("GET", f"/portal/{key}")[0]) == (401, 401)


def test_wrong_birthdates_on_both_servers_lock_the_link_after_five(servers):
    verify_data = servers.data["verify"]
    key = verify_data["key"]
    on_a, on_b = servers.browser("127.0.3.21")
    status, page = on_a.request("GET", f"/portal/{key}")
    assert status == 401
    csrf = csrf_of(page)
    pages = []
    for n in range(5):
        status, page = verify((on_b, on_a)[n % 2], key, f"1980-01-0{n + 1}", csrf)
        assert status == 403, page[:1000]
        pages.append(page)
    for n, page in enumerate(pages[:4]):
        assert f"{4 - n} attempt(s) left" in page, n
    assert "This link is locked" in pages[4]
    # The link is locked on both servers, for anyone, even with the right date.
    other_a, other_b = servers.browser("127.0.3.22")
    for client in (other_a, other_b):
        status, page = client.request("GET", f"/portal/{key}")
        assert status == 401 and "This link is locked" in page
    _status, page = other_b.request("GET", "/portal/link-not-valid")
    status, page = verify(other_b, key, BIRTHDATE, csrf_of(page))
    assert status == 403 and "This link is locked" in page
    locked = psql(
        servers.db,
        "SELECT count(*) FROM serene_portal_link WHERE locked_until > now() at time zone 'utc'"
        f" AND portal_id = {verify_data['portal']}",
    )
    assert locked == "1"
    todos = psql(
        servers.db,
        "SELECT count(*) FROM mail_activity WHERE res_model = 'serene.client.portal'"
        f" AND res_id = {verify_data['portal']}",
    )
    assert todos == "1", "one to-do for the note owner"


def test_a_visit_verified_on_one_server_is_honoured_on_the_other(servers):
    key = servers.data["session"]["key"]
    on_a, on_b = servers.browser("127.0.3.31")
    status, page = on_a.request("GET", f"/portal/{key}")
    assert status == 401
    status, _page = verify(on_a, key, BIRTHDATE, csrf_of(page))
    assert status == 303
    status, page = on_b.request("GET", f"/portal/{key}")
    assert status == 200 and "session papers" in page, page[:1000]
    # The session is the shared file under data_dir/sessions, not anything the key carries.
    sid = on_a.cookies["session_id"]
    assert list((servers.data_dir / "sessions").rglob(sid[:42] + "*")), "the session lives in the shared data dir"
    stranger = Client(servers.b, "127.0.3.32")
    assert stranger.request("GET", f"/portal/{key}")[0] == 401


def test_one_form_posted_to_both_servers_at_once_stores_one_set(servers):
    double = servers.data["double"]
    key, item = double["key"], double["item"]
    on_a, on_b = servers.browser("127.0.3.41")
    _status, page = on_a.request("GET", f"/portal/{key}")
    assert verify(on_a, key, BIRTHDATE, csrf_of(page))[0] == 303
    csrf, submission = on_b.form_tokens(key)
    start = threading.Barrier(2)

    def post(client):
        start.wait()
        return client.upload(key, item, [("id.pdf", pdf(5000))], csrf, submission)[0]

    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(post, (on_a, on_b)))
    assert statuses == [303, 303], statuses
    stored = psql(
        servers.db,
        f"SELECT count(*) FROM ir_attachment WHERE res_model = 'serene.portal.item' AND res_id = {item}",
    )
    assert stored == "1", "one set of files"
    # The note owner's review to-do is raised by a scheduled action woken at commit, on either server.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        pending = psql(servers.db, f"SELECT review_pending_files FROM serene_portal_item WHERE id = {item}")
        if pending == "0":
            break
        assert pending == "1", "the files of one set, counted once"
        time.sleep(1)
    todos = psql(
        servers.db,
        f"SELECT count(*) FROM mail_activity WHERE res_model = 'serene.client.portal' AND res_id = {double['portal']}",
    )
    assert (pending, todos) == ("0", "1"), "one review to-do"
    assert psql(servers.db, f"SELECT count(*) FROM serene_portal_submission WHERE item_id = {item}") == "1"


def booking_page(client, key):
    """A verified visit's booking page, a week ahead (its first time is then no time about to
    pass): (csrf token, submission token, first free time)."""
    status, page = client.request("GET", f"/portal/{key}")
    assert status == 401, page[:1000]
    assert verify(client, key, BIRTHDATE, csrf_of(page))[0] == 303
    status, page = client.request("GET", f"/portal/{key}/book?week=1")
    assert status == 200 and "Two servers session" in page, page[:1000]
    submission = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    first = re.search(r'name="start"[^>]*value="([0-9T:-]+)"', page).group(1)
    return csrf_of(page), submission, first


def book(client, key, booking, csrf, submission, start):
    form = {
        "csrf_token": csrf,
        "service": booking["service"],
        "practitioner": booking["practitioner"],
        "start": start,
        "submission": submission,
    }
    return client.request(
        "POST",
        f"/portal/{key}/book",
        body="&".join(f"{name}={value}" for name, value in form.items()),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def sessions_at(servers, start, portals=None):
    """The practitioner's active sessions starting at ``start`` ("YYYY-MM-DDTHH:MM", UTC)."""
    where = f" AND serene_portal_id IN ({','.join(map(str, portals))})" if portals else ""
    return psql(
        servers.db,
        "SELECT count(*) FROM calendar_event WHERE active"
        f" AND user_id = {servers.data['booking']['practitioner']}"
        f" AND start = '{start.replace('T', ' ')}'{where}",
    )


def replays(servers, since):
    """How many requests Odoo replayed on both servers after ``since`` (a serialization failure)."""
    return sum(servers.log(name)[since[name] :].count("SERIALIZATION_FAILURE") for name in ("a", "b"))


def test_two_clients_booking_one_time_on_both_servers_at_once_get_one_session_and_one_refusal(servers):
    booking = servers.data["booking"]
    keys = [servers.data[name]["key"] for name in ("book_a", "book_b")]
    # Ann on server A, Ben on server B, each in a browser of their own.
    since = {name: len(servers.log(name)) for name in ("a", "b")}
    ann, _ann_b = servers.browser("127.0.3.51")
    _ben_a, ben = servers.browser("127.0.3.52")
    forms = [booking_page(client, key) for client, key in zip((ann, ben), keys, strict=True)]
    first = forms[0][2]
    assert forms[1][2] == first, "both pages offer the same first time"
    start = threading.Barrier(2)

    def post(client, key, form):
        csrf, submission, _first = form
        start.wait()
        return book(client, key, booking, csrf, submission, first)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(post, (ann, ben), keys, forms))
    statuses = sorted(status for status, _page in answers)
    assert statuses == [303, 409], [(status, page[:300]) for status, page in answers]
    refusal = next(page for status, page in answers if status == 409)
    assert "this time was just taken" in refusal, refusal[:2000]
    assert sessions_at(servers, first) == "1", "one session in the slot"
    booked = [servers.data[name]["portal"] for name in ("book_a", "book_b")]
    assert sessions_at(servers, first, booked) == "1"
    # Whether the later one found the practitioner locked and was replayed (the usual case), or
    # started after the first had committed: one session and one refusal either way.
    print(f"one time booked by two clients on both servers: {statuses}, {replays(servers, since)} replay(s)")


def test_one_booking_form_posted_to_both_servers_at_once_books_once(servers):
    booking, client = servers.data["booking"], servers.data["book_twice"]
    key = client["key"]
    since = {name: len(servers.log(name)) for name in ("a", "b")}
    on_a, on_b = servers.browser("127.0.3.53")
    csrf, submission, first = booking_page(on_a, key)
    start = threading.Barrier(2)

    def post(browser):
        start.wait()
        return book(browser, key, booking, csrf, submission, first)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(post, (on_a, on_b)))
    assert [status for status, _page in answers] == [303, 303], [(status, page[:300]) for status, page in answers]
    assert sessions_at(servers, first) == "1", "one session in the slot"
    booked = psql(
        servers.db,
        f"SELECT count(*), count(DISTINCT serene_booking_token) FROM calendar_event"
        f" WHERE active AND serene_portal_id = {client['portal']}",
    )
    assert booked == "1|1", "one session for the one form"
    steps = psql(
        servers.db,
        "SELECT count(*) FROM serene_portal_activity"
        f" WHERE event_type = 'appointment_booked' AND portal_id = {client['portal']}",
    )
    assert steps == "1", "one audit row"
    print(f"one booking form posted to both servers: {replays(servers, since)} replay(s)")


def cron_events(servers, cron_id, since):
    """[(time, what, server, pid)] of the cron's log lines on both servers after ``since``, in
    time order (an end before a start logged in the same millisecond)."""
    events = []
    for name in ("a", "b"):
        for found in CRON_LOG.finditer(servers.log(name)[since[name] :]):
            if str(cron_id) not in (found["id"], found["skipped"]):
                continue
            at = datetime.strptime(found["at"], "%Y-%m-%d %H:%M:%S,%f")
            what = {"starting": "start", None: "skip"}.get(found["what"], "end")
            events.append((at, what, name, found["pid"]))
    return sorted(events, key=lambda event: (event[0], event[1] != "end"))


def test_a_scheduled_action_started_on_both_servers_runs_on_one_and_reminds_each_client_once(servers):
    db, cron, bulk = servers.db, servers.data["cron"], servers.data["bulk_portals"]
    portals = ",".join(map(str, bulk))
    since = {name: len(servers.log(name)) for name in ("a", "b")}
    started_at = psql(db, "SELECT now() at time zone 'utc'")

    def reminded():
        return int(
            psql(
                db,
                "SELECT count(DISTINCT portal_id) FROM serene_portal_activity"
                f" WHERE event_type = 'reminder_sent' AND portal_id IN ({portals})",
            )
        )

    def idle(events):
        starts = [event for event in events if event[1] == "start"]
        ends = [event for event in events if event[1] == "end"]
        rescheduled = psql(db, f"SELECT nextcall > now() at time zone 'utc' FROM ir_cron WHERE id = {cron}")
        return starts and len(starts) == len(ends) and rescheduled == "t"

    triggers = 0
    deadline = time.time() + 150
    while reminded() < len(bulk) and time.time() < deadline:
        # Due now, and both servers' cron workers woken at the same moment. (Should a run stop
        # short, the next one, as at the next hour, is triggered the same way.)
        # (Whole seconds, as Odoo writes it: a run reschedules from the second it started.)
        psql(db, f"UPDATE ir_cron SET nextcall = date_trunc('second', now() at time zone 'utc') WHERE id = {cron}")
        psql("postgres", f"SELECT pg_notify('cron_trigger', '{db}')")
        triggers += 1
        time.sleep(1)
        while not idle(cron_events(servers, cron, since)) and time.time() < deadline:
            time.sleep(1)
    events = cron_events(servers, cron, since)
    assert reminded() == len(bulk), (reminded(), events)

    # Every client once: one reminder logged, one email queued, the item marked once.
    per_portal = psql(
        db,
        "SELECT count(*), min(n), max(n) FROM (SELECT portal_id, count(*) AS n FROM serene_portal_activity"
        f" WHERE event_type = 'reminder_sent' AND portal_id IN ({portals}) GROUP BY portal_id) AS counts",
    )
    assert per_portal == f"{BULK}|1|1", per_portal
    emails = psql(
        db,
        "SELECT count(*), count(DISTINCT portal_id) FROM serene_portal_notification"
        f" WHERE kind = 'reminder' AND portal_id IN ({portals})",
    )
    assert emails == f"{BULK}|{BULK}", emails
    marks = psql(
        db, f"SELECT min(reminder_count), max(reminder_count) FROM serene_portal_item WHERE portal_id IN ({portals})"
    )
    assert marks == "1|1", marks

    # One server at a time: in time order, each start is followed by its end on the same server
    # (same process) before anything starts again.
    runs = [event for event in events if event[1] != "skip"]
    assert runs and [event[1] for event in runs] == ["start", "end"] * (len(runs) // 2), events
    intervals = [(start, end) for start, end in zip(runs[::2], runs[1::2], strict=True)]
    assert all((start[2], start[3]) == (end[2], end[3]) for start, end in intervals), events
    # Both servers went for it: the other one's cron worker found the job locked while it ran.
    turned_away = [
        skip
        for skip in events
        if skip[1] == "skip" and any(start[0] <= skip[0] <= end[0] and start[2] != skip[2] for start, end in intervals)
    ]
    assert turned_away, f"only one server tried the job: {events}"
    done = psql(
        db,
        f"SELECT coalesce(sum(done), 0) FROM ir_cron_progress WHERE cron_id = {cron} AND create_date >= '{started_at}'",
    )
    assert int(done) >= BULK, done
    print(
        f"reminders for {BULK} clients: {triggers} trigger(s), runs",
        [(start[2], round((end[0] - start[0]).total_seconds(), 1)) for start, end in intervals],
        f"{len(turned_away)} turned away",
    )
