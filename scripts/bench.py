"""Benchmark the client portal against Odoo's own pages and calls, measured in the same run.

    make bench                  demo database (serene_bench, built/updated first)
    make bench SCALE=1          ... and the generated data: 10,000 clients for the pages and
                                calls, 1,000 and 10,000 for the scheduled actions
    python3 scripts/bench.py [--scale] [--load-seconds 15] [--rounds 60] [--keep]

Every figure is measured on a throwaway copy (``serene_bench_*``) served by Odoo with
``--workers=2 --max-cron-threads=0`` on 127.0.0.1:8290, next to the Odoo page or call it is
compared with, in the same server run and interleaved: sequential page timings (median, p95),
wrk at 10 and 50 connections, SQL queries per page from Odoo's access log, the backend's
JSON-RPC calls as the web client makes them, and a 10 MB upload. The scheduled actions run one
by one in a fresh process on their own copy of the generated database (wall time, peak RSS),
once on the data as generated (their next regular run) and once with a backlog of work in
proportion to the clients (scripts/bench_cron.py says which). Last, tests/test_two_servers.py
starts two servers on one database and file store and drives both (failed-key limit, identity
check, double submit, one scheduled action run). Prints the machine, the versions
and one table; each line says PASS or FAIL against the target of the performance issue, notes
follow it (what the server logged, what wrk counted). Exits 0 whatever the verdicts, 1 when a
measurement could not be made.

Helpers: bench_prepare.py (the bench portals and users on a copy), bench_http.py (client,
wrk, access log, the web client's field specifications), bench_cron.py (one scheduled action).
"""

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from bench_http import AccessLog, Client, summarize, view_specs, wrk, wrk_available  # noqa: E402

PY = sys.executable
PORT = 8290  # HTTP; 8291 gevent; 8299 a closed SMTP port (the bench uses 8290-8299 only)
GEVENT_PORT = 8291
SMTP_PORT = 8299
RUN_DB = "serene_bench_run"
CRON_DB = "serene_bench_cron"
UPLOAD_BYTES = 10 * 1024 * 1024
LOAD_CONNECTIONS = (10, 50)
# The portal's own page without a key: the light layout alone, as any client page starts.
LAYOUT_ONLY = "/portal/link-not-valid"
EXPECTED_STATUS = {LAYOUT_ONLY: 404}


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# Databases: throwaway copies (PostgreSQL template copy, filestore hard-linked)
# ----------------------------------------------------------------------------------------------


def filestore(db):
    from odoo.tools import config

    return Path(config.filestore(db))


def db_exists(db):
    return db in psql("postgres", "SELECT datname FROM pg_database").split()


def drop_db(db):
    assert db.startswith("serene_bench"), db
    subprocess.run(["dropdb", "--if-exists", "--force", db], capture_output=True, check=False)
    shutil.rmtree(filestore(db), ignore_errors=True)


def copy_db(source, target):
    """``target`` as a copy of ``source``: files are hard links, which Odoo never writes in place."""
    drop_db(target)
    for attempt in range(30):
        done = subprocess.run(["createdb", "-T", source, target], capture_output=True, text=True, check=False)
        if done.returncode == 0:
            break
        if "being accessed by other users" not in done.stderr or attempt == 29:
            raise RuntimeError(f"cannot copy {source}: {done.stderr.strip()}")
        time.sleep(10)  # another engineer's server or test on the source: wait for it
    if filestore(source).exists():
        filestore(target).parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-al", str(filestore(source)), str(filestore(target))], check=True)


def odoo_cmd(addons_path, *args):
    # odoo-bin, not "python3 -m odoo": with --workers, Odoo starts its websocket (gevent) process
    # as "python3 <argv[0]> gevent", which fails and is restarted over and over when argv[0] is
    # odoo/__main__.py: about half a core taken from the server being measured.
    import odoo

    odoo_bin = Path(next(iter(odoo.__path__))).parent / "odoo-bin"
    main = [str(odoo_bin)] if odoo_bin.exists() else ["-m", "odoo"]
    return [PY, *main, f"--addons-path={addons_path}", "--http-interface=127.0.0.1", *args]


def update_module(db, addons_path):
    done = subprocess.run(
        odoo_cmd(addons_path, "-d", db, "-u", "serene_client_portal", "--stop-after-init", "--log-level=warn"),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"updating serene_client_portal on {db} failed:\n{done.stderr[-3000:]}")


def prepare(db, addons_path, uploads):
    done = subprocess.run(
        [
            PY,
            str(REPO / "scripts" / "bench_prepare.py"),
            "--db",
            db,
            "--addons-path",
            addons_path,
            "--uploads",
            str(uploads),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"preparing {db} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def psql(db, query):
    return subprocess.run(["psql", "-X", "-d", db, "-Atqc", query], capture_output=True, text=True, check=True).stdout


# ----------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------


class Server:
    """Odoo with two HTTP workers and no cron thread, its access log in a file."""

    def __init__(self, db, addons_path, logdir):
        self.db, self.logfile = db, Path(logdir) / f"{db}.log"
        self.logfile.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            odoo_cmd(
                addons_path,
                "-d",
                db,
                f"--db-filter=^{db}$",
                f"--http-port={PORT}",
                f"--gevent-port={GEVENT_PORT}",
                "--workers=2",
                "--max-cron-threads=0",
                "--smtp=127.0.0.1",
                f"--smtp-port={SMTP_PORT}",
                "--log-level=warn",
                "--log-handler=werkzeug:INFO",
                f"--logfile={self.logfile}",
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Odoo stopped at start:\n{self.tail()}")
            try:
                if Client(PORT, timeout=30).get("/web/login")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"Odoo did not answer on port {PORT}:\n{self.tail()}")

    def tail(self):
        return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-30:]) if self.logfile.exists() else ""

    def errors(self):
        """{kind of error: count} of the server's log: its ERROR lines, a failed query by its
        table and the database's reason (from the traceback under it)."""
        lines = self.logfile.read_text(errors="replace").splitlines() if self.logfile.exists() else []
        kinds = {}
        for index, line in enumerate(lines):
            match = re.search(r" (?:ERROR|CRITICAL) \S+ (\S+): (.*)", line)
            if not match:
                continue
            logger, message = match.groups()
            if message.startswith("bad query"):
                table = re.search(r"(?:INTO|UPDATE|FROM)\s+\"?(\w+)", message)
                reason = next(
                    (
                        after[len("ERROR:") :].strip()
                        for after in lines[index + 1 : index + 4]
                        if after.startswith("ERROR:")
                    ),
                    "",
                )
                message = f"bad query on {table.group(1) if table else '?'}: {reason}"
            elif "Request timed out" in message:
                message = "a connection sent no request (wrk stopping with requests in the listen queue)"
            else:
                message = re.sub(r"\d+", "N", message)[:100]
            kinds[f"{logger}: {message}"] = kinds.get(f"{logger}: {message}", 0) + 1
        return kinds

    def rss(self):
        try:
            parent = psutil.Process(self.process.pid)
            return sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])
        except psutil.Error:
            return 0

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


# ----------------------------------------------------------------------------------------------
# Measurements on a running server
# ----------------------------------------------------------------------------------------------


def check_page(status, data, what, expected=200):
    if status != expected:
        raise RuntimeError(f"{what} answered {status}: {data[:300]!r}")


def page_latency(pages, rounds, warmup=5):
    """{label: [ms]} of sequential GETs, the pages interleaved round by round."""
    expected = {label: EXPECTED_STATUS.get(path, 200) for label, _c, path in pages}
    for _ in range(warmup):
        for label, client, path in pages:
            status, _h, data, _ms = client.get(path)
            check_page(status, data, label, expected[label])
    times = {label: [] for label, _c, _p in pages}
    for _ in range(rounds):
        for label, client, path in pages:
            status, _h, data, ms = client.get(path)
            check_page(status, data, label, expected[label])
            times[label].append(ms)
    return times


def link_request_timing(db):
    """{"client": [ms], "unknown": [ms]} of "Email me a new link" posted for an address on file and
    for one that is not, in turns; each request from a loopback address of its own (the form is
    limited per address). The answer must not tell them apart, its time included."""
    emails = psql(db, "SELECT email FROM res_partner WHERE is_client AND email IS NOT NULL ORDER BY id LIMIT 12")
    times = {"client": [], "unknown": []}

    def request(source, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120, source_address=(source, 0))
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read().decode(errors="replace")
        elapsed = (time.perf_counter() - started) * 1000
        cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
        conn.close()
        return response.status, data, elapsed, cookie

    for n, email in enumerate(emails.split()):
        for side, address in (("client", email), ("unknown", f"nobody-{n}@bench.example.com")):
            source = f"127.0.{200 + n % 50}.{1 if side == 'client' else 2}"
            status, page, _ms, cookie = request(source, "GET", LAYOUT_ONLY)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            status, page, ms, _cookie = request(
                source,
                "POST",
                "/portal/request-link",
                f"csrf_token={csrf}&email={address}",
                {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
            )
            check_page(status, page, f"request-link ({side})")
            times[side].append(ms)
    # The first two of each fill caches: left out.
    return {side: values[2:] for side, values in times.items()}


def query_counts(log_file, pages, repeat=6):
    """{label: SQL queries of one request}: the most common count over ``repeat`` requests (the
    first request of a page may fill caches; the link's last use is written once a minute)."""
    access = AccessLog(log_file)
    counts = {}
    for label, client, path in pages:
        marker = f"bench={label}"
        path = f"{path}{'&' if '?' in path else '?'}{marker}"
        seen = []
        access.skip()
        for _ in range(repeat):
            status, _h, data, _ms = client.get(path)
            check_page(status, data, label)
            lines = [q for _m, p, _s, q in access.lines(wait_for=marker) if marker in p]
            seen.extend(lines[-1:])
        counts[label] = statistics.mode(seen[1:]) if len(seen) > 1 else None
    return counts


def load(pages, seconds):
    """{(label, connections): wrk result}, the pages interleaved at each concurrency. Each page
    is loaded by returning visitors: every connection sends the session cookie a first visit got."""
    urls, has_length = [], {}
    for label, path in pages:
        visitor = Client(PORT)
        status, headers, data, _ms = visitor.get(path)
        check_page(status, data, label)
        has_length[label] = headers.get("Content-Length") is not None
        urls.append((label, f"http://127.0.0.1:{PORT}{path}", visitor.cookie_header()))
    for _label, url, cookie in urls:
        wrk(url, 2, 3, cookie=cookie)  # warm both workers
    results = {}
    for index, connections in enumerate(LOAD_CONNECTIONS):
        order = urls if index % 2 == 0 else list(reversed(urls))
        for label, url, cookie in order:
            results[(label, connections)] = dict(
                wrk(url, connections, seconds, cookie=cookie), content_length=has_length[label]
            )
            time.sleep(3)  # the workers drain what wrk left in the listen queue
    return results


def backend(info, rounds):
    """{label: [ms]} of the backend's JSON-RPC calls, as the web client makes them."""
    client = Client(PORT)
    result, _ms = client.rpc(
        "/web/session/authenticate",
        {"db": info["db"], "login": info["manager"]["login"], "password": info["manager"]["password"]},
    )
    context = dict(result.get("user_context") or {}, allowed_company_ids=[info["company"]["id"]], bin_size=True)
    drop = set(info["addon_partner_fields"])
    clients_specs = view_specs(client, "res.partner", info["clients_views"], info["clients_action"], context)
    contacts_specs = view_specs(
        client,
        "res.partner",
        [[False, "list"], [False, "form"], [False, "search"]],
        info["contacts_action"],
        context,
        drop,
    )
    client_id, contact_id = info["client_id"], info["contact_id"]

    def clients_list():
        return client.call_kw(
            "res.partner",
            "web_search_read",
            [],
            {
                "domain": [["is_client", "=", True]],
                "specification": clients_specs["list"],
                "limit": 80,
                "offset": 0,
                "order": "",
                "count_limit": 10001,
            },
            context,
        )

    def contacts_list():
        return client.call_kw(
            "res.partner",
            "web_search_read",
            [],
            {
                "domain": [],
                "specification": contacts_specs["list"],
                "limit": 80,
                "offset": 0,
                "order": "",
                "count_limit": 10001,
            },
            context,
        )

    def client_form():
        record, ms = client.call_kw(
            "res.partner", "web_read", [[client_id]], {"specification": clients_specs["form"]}, context
        )
        summary, ms2 = client.call_kw("res.partner", "get_client_portal_activity_summary", [[client_id]], {}, context)
        return (record, summary), ms + ms2

    def contact_form():
        return client.call_kw(
            "res.partner", "web_read", [[contact_id]], {"specification": contacts_specs["form"]}, context
        )

    calls = [
        ("clients_list", clients_list),
        ("contacts_list", contacts_list),
        ("client_form", client_form),
        ("contact_form", contact_form),
    ]
    first = {}
    for _ in range(3):
        for label, call in calls:
            first[label] = call()[0]
    portal_items = len(first["client_form"][0][0].get("portal_item_ids") or [])
    if portal_items != 40:
        raise RuntimeError(f"the client's form read {portal_items} portal items, not 40")
    times = {label: [] for label, _c in calls}
    for _ in range(rounds):
        for label, call in calls:
            times[label].append(call()[1])
    rows = {
        "clients_list": len(first["clients_list"]["records"]),
        "contacts_list": len(first["contacts_list"]["records"]),
    }
    return times, rows, client


def pdf_file(size):
    """A PDF of ``size`` bytes: a header, comment lines of 80 bytes (a file's bytes have line
    breaks; Werkzeug 2.2's multipart parser buffers a whole part that has none), a trailer."""
    head, tail = b"%PDF-1.4\n", b"\n%%EOF\n"
    lines, rest = divmod(size - len(head) - len(tail), 80)
    data = head + (b"%" + b"0" * 78 + b"\n") * lines + b"0" * rest + tail
    assert len(data) == size
    return data


def uploads(info, staff):
    """{label: [ms]}: a 10 MB PDF posted to a document request of the portal, and the same file
    through Odoo's /web/binary/upload_attachment, interleaved."""
    data = pdf_file(UPLOAD_BYTES)
    status, _h, page, _ms = staff.get("/odoo")
    csrf = re.search(rb'csrf_token: "([^"]+)"', page)
    if status != 200 or not csrf:
        raise RuntimeError(f"no CSRF token in the web client (/odoo answered {status})")
    staff_csrf = csrf.group(1).decode()
    key = info["portals"]["upload"]["key"]
    visitor = Client(PORT)
    times = {"portal_upload": [], "odoo_upload": []}
    for item_id in info["portals"]["upload"]["item_ids"]:
        status, _h, page, _ms = visitor.get(f"/portal/{key}")
        check_page(status, page, "the upload portal")
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        submission = re.search(rb'name="submission" value="([^"]+)"', page).group(1).decode()
        status, headers, body, ms = visitor.multipart_post(
            f"/portal/{key}/item/{item_id}/upload",
            {"csrf_token": csrf, "submission": submission, "note": ""},
            [("files", "scan.pdf", data)],
        )
        if status not in (302, 303) or "uploaded=" not in (headers.get("Location") or ""):
            raise RuntimeError(f"portal upload answered {status} {headers.get('Location')}: {body[:300]!r}")
        times["portal_upload"].append(ms)
        status, _h, body, ms = staff.multipart_post(
            "/web/binary/upload_attachment",
            {"csrf_token": staff_csrf, "model": "res.partner", "id": info["contact_id"]},
            [("ufile", "scan.pdf", data)],
        )
        reply = json.loads(body) if status == 200 else [{"error": status}]
        if status != 200 or "error" in reply[0] or reply[0].get("size") != UPLOAD_BYTES:
            raise RuntimeError(f"Odoo's upload answered {status}: {body[:300]!r}")
        times["odoo_upload"].append(ms)
    # The first of each fills caches: left out.
    return {label: values[1:] for label, values in times.items()}


def http_phase(label, source, args, update):
    """Every HTTP measurement on a copy of ``source``; returns the figures."""
    log(f"{label}: copying {source} to {RUN_DB}")
    copy_db(source, RUN_DB)
    try:
        if update:
            log(f"{label}: updating serene_client_portal on the copy")
            update_module(RUN_DB, args.addons_path)
        log(f"{label}: adding the bench portals (5, 40, 200 items) and users")
        info = prepare(RUN_DB, args.addons_path, args.uploads + 1)
        info["db"] = RUN_DB
        log(f"{label}: starting Odoo --workers=2 on port {PORT}")
        server = Server(RUN_DB, args.addons_path, args.logdir)
        try:
            figures = measure(label, info, server, args)
        finally:
            server.stop()
        figures["server_errors"] = server.errors()
        return figures
    finally:
        if not args.keep:
            drop_db(RUN_DB)


def measure(label, info, server, args):
    portals = info["portals"]
    member = Client(PORT)
    member.login_form(info["portal_user"]["login"], info["portal_user"]["password"])
    visitor, anonymous = Client(PORT), Client(PORT)
    portal40 = f"/portal/{portals['p40']['key']}"
    figures = {"info": info}

    log(f"{label}: sequential page timings ({args.rounds} rounds, interleaved)")
    figures["latency"] = page_latency(
        [
            ("login", anonymous, "/web/login"),
            ("my_home", member, "/my/home"),
            ("portal40", visitor, portal40),
            ("portal5", visitor, f"/portal/{portals['p5']['key']}"),
            ("layout", anonymous, LAYOUT_ONLY),
        ],
        args.rounds,
    )
    log(f"{label}: SQL queries per page")
    figures["queries"] = query_counts(
        server.logfile,
        [
            ("p5", visitor, f"/portal/{portals['p5']['key']}"),
            ("p40", visitor, portal40),
            ("p200", visitor, f"/portal/{portals['p200']['key']}"),
            ("login", anonymous, "/web/login"),
            ("my_home", member, "/my/home"),
        ],
    )
    log(f"{label}: load, wrk {args.load_seconds} s per page at {' and '.join(map(str, LOAD_CONNECTIONS))} connections")
    figures["load"] = load([("login", "/web/login"), ("portal40", portal40)], args.load_seconds)
    log(f"{label}: backend calls ({args.rpc_rounds} rounds, interleaved)")
    figures["backend"], figures["rows"], staff = backend(info, args.rpc_rounds)
    log(f"{label}: 10 MB uploads ({args.uploads} of each, interleaved)")
    figures["upload"] = uploads(info, staff)
    log(f"{label}: 'Email me a new link' for an address on file and an unknown one (interleaved)")
    figures["link_request"] = link_request_timing(info["db"])
    figures["server_rss"] = server.rss()
    throttled = psql(
        info["db"],
        "SELECT count(*) FROM serene_portal_throttle WHERE scope = 'key' AND blocked_until >= now() at time zone 'utc'",
    ).strip()
    figures["throttled"] = int(throttled or 0)
    return figures


# ----------------------------------------------------------------------------------------------
# Scheduled actions
# ----------------------------------------------------------------------------------------------


def crons_of(db):
    rows = psql(
        db,
        "SELECT d.name, c.cron_name FROM ir_model_data d JOIN ir_cron c ON c.id = d.res_id"
        " WHERE d.module = 'serene_client_portal' AND d.model = 'ir.cron' ORDER BY d.id",
    )
    crons = []
    for line in rows.splitlines():
        name, cron_name = line.split("|", 1)
        with contextlib.suppress(ValueError):
            cron_name = json.loads(cron_name).get("en_US", cron_name)
        crons.append((f"serene_client_portal.{name}", cron_name))
    return crons


def run_cron(xmlid, args, *flags):
    """bench_cron.py on the CRON_DB copy: its JSON, or {"error": [the last line it printed]}."""
    done = subprocess.run(
        [
            PY,
            str(REPO / "scripts" / "bench_cron.py"),
            "--db",
            CRON_DB,
            "--xmlid",
            xmlid,
            "--addons-path",
            args.addons_path,
            "--smtp-port",
            str(SMTP_PORT),
            *flags,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result.get("failed"):
        result["error"] = [line for line in done.stderr.splitlines() if " ERROR " in line][:1] or ["the job failed"]
    return result


def cron_phase(sources, args):
    """{(size, variant): {xmlid: result}} of each scheduled action, each run on a fresh copy of
    each generated database: as generated, and with a backlog of work (see bench_cron.py)."""
    results, names, backlogs = {}, {}, {}
    for size, source in sources:
        src = f"serene_bench_src_{size}"
        log(f"scheduled actions, {size} clients: copying {source} and updating the addon on the copy")
        copy_db(source, src)
        try:
            update_module(src, args.addons_path)
            for xmlid, name in crons_of(src):
                names[xmlid] = name
                for variant in ("generated", "backlog"):
                    copy_db(src, CRON_DB)
                    flags = ("--backlog",) if variant == "backlog" else ()
                    setup = run_cron(xmlid, args, "--setup", *flags)
                    if variant == "backlog" and not setup.get("backlog"):
                        drop_db(CRON_DB)
                        continue
                    backlogs[xmlid] = setup.get("description")
                    log(f"  {name}, {variant}")
                    results.setdefault((size, variant), {})[xmlid] = (
                        setup if "error" in setup else run_cron(xmlid, args, *flags)
                    )
                    drop_db(CRON_DB)
        finally:
            drop_db(CRON_DB)
            drop_db(src)
    return results, names, backlogs


def ensure_generated(size, db):
    if (
        db_exists(db)
        and psql(
            db, "SELECT 1 FROM ir_module_module WHERE name = 'serene_client_portal' AND state = 'installed'"
        ).strip()
    ):
        clients = int(psql(db, "SELECT count(*) FROM res_partner WHERE is_client").strip() or 0)
        if clients >= size:
            return
        raise RuntimeError(f"{db} has {clients} clients, not {size}: drop it or fill it with scripts/generate.py")
    log(f"generating {db} with {size} clients (scripts/generate.py; long for 10,000)")
    subprocess.run([PY, str(REPO / "scripts" / "generate.py"), "--db", db, "--clients", str(size)], check=True)


# ----------------------------------------------------------------------------------------------
# The table
# ----------------------------------------------------------------------------------------------


class Table:
    def __init__(self):
        self.rows, self.notes = [], []

    def note(self, text):
        self.notes.append(text)

    def section(self, title):
        self.rows.append(title)

    def add(self, what, figure, reference, unit, target=None, ok=None, ratio=None, fmt="{:.1f}"):
        if ratio is None and figure is not None and reference:
            ratio = figure / reference

        def cell(value):
            return "-" if value is None else f"{fmt.format(value)}{unit}"

        verdict = "-" if ok is None else ("PASS" if ok else "FAIL")
        self.rows.append(
            (
                what,
                cell(figure),
                cell(reference),
                "-" if ratio is None or ratio is False else f"{ratio:.2f}x",
                target or "-",
                verdict,
            )
        )

    def print(self):
        header = ("measure", "figure", "reference", "ratio", "target", "result")
        widths = [
            max(len(str(row[i])) for row in [header, *[r for r in self.rows if isinstance(r, tuple)]]) for i in range(6)
        ]
        line = "  ".join(f"{{:{'<' if i == 0 else '>'}{width}}}" for i, width in enumerate(widths))
        print(line.format(*header))
        print("  ".join("-" * w for w in widths))
        for row in self.rows:
            if isinstance(row, str):
                print(f"\n{row}")
            else:
                print(line.format(*row))
        verdicts = [row[5] for row in self.rows if isinstance(row, tuple)]
        print(f"\n{verdicts.count('PASS')} PASS, {verdicts.count('FAIL')} FAIL")
        for text in self.notes:
            print(f"note: {text}")


def http_rows(table, label, figures):
    info = figures["info"]
    lat = {name: summarize(values) for name, values in figures["latency"].items()}
    table.section(
        f"{label}: {info['clients']} clients; portal home of a client with 40 items "
        f"({len(figures['latency']['portal40'])} sequential requests each, interleaved)"
    )
    home, login, my_home = lat["portal40"], lat["login"], lat["my_home"]
    table.add("portal home, median vs /web/login", home[0], login[0], " ms", "<= 0.60x", home[0] <= 0.6 * login[0])
    table.add(
        "portal home, median vs portal user's /my/home",
        home[0],
        my_home[0],
        " ms",
        "<= 0.80x",
        home[0] <= 0.8 * my_home[0],
    )
    table.add("portal home, p95 vs /web/login p95", home[1], login[1], " ms", "<= 1.00x", home[1] <= login[1])
    table.add("portal home, p95 vs /my/home p95", home[1], my_home[1], " ms")
    # Where the 40 items' page starts from: the same page at 5 items, and a client page with
    # no key and no data (the light layout alone, Odoo's request handling included).
    table.add("  portal home with 5 items, median vs /web/login", lat["portal5"][0], login[0], " ms")
    table.add("  light layout alone (no key, no data), median vs /web/login", lat["layout"][0], login[0], " ms")
    for connections in LOAD_CONNECTIONS:
        portal, page = figures["load"][("portal40", connections)], figures["load"][("login", connections)]
        table.add(
            f"throughput at {connections} clients, req/s vs /web/login",
            portal["rps"],
            page["rps"],
            "/s",
            ">= 1.20x",
            portal["rps"] >= 1.2 * page["rps"],
        )
        table.add(f"p95 at {connections} clients vs /web/login", portal["p95"], page["p95"], " ms")
        for name, result in (("portal home", portal), ("/web/login", page)):
            if result["other"] or result["errors"]:
                table.add(
                    f"  {name} at {connections}: non-200 answers, connect/write/timeout errors",
                    result["other"],
                    result["errors"],
                    "",
                    fmt="{:.0f}",
                    ratio=False,
                )
            if result["read_errors"]:
                why = (
                    "its answers carry no Content-Length: each ends when the server closes the connection, which wrk"
                    " counts as a read error (the answer is counted)"
                    if not result["content_length"]
                    else "connections the server closed or reset"
                )
                table.note(
                    f"{label}: {name} at {connections} clients: {result['read_errors']} read errors over "
                    f"{result['requests']} answers: {why}"
                )
    queries = figures["queries"]
    table.add(
        "SQL queries per portal page: 200 items vs 5 items",
        queries["p200"],
        queries["p5"],
        "",
        "same",
        queries["p200"] == queries["p5"],
        fmt="{:.0f}",
    )
    table.add("SQL queries: portal home (40 items) vs /web/login", queries["p40"], queries["login"], "", fmt="{:.0f}")
    table.add("SQL queries: portal home (40 items) vs /my/home", queries["p40"], queries["my_home"], "", fmt="{:.0f}")
    rpc = {name: summarize(values) for name, values in figures["backend"].items()}
    rows = figures["rows"]
    table.add(
        f"Clients list ({rows['clients_list']} rows) vs contacts list ({rows['contacts_list']} rows), median",
        rpc["clients_list"][0],
        rpc["contacts_list"][0],
        " ms",
        "<= 1.20x",
        rpc["clients_list"][0] <= 1.2 * rpc["contacts_list"][0],
    )
    table.add(
        "client form + Client Portal page + activity panel vs contact form, median",
        rpc["client_form"][0],
        rpc["contact_form"][0],
        " ms",
        "<= 1.20x",
        rpc["client_form"][0] <= 1.2 * rpc["contact_form"][0],
    )
    up = {name: statistics.median(values) for name, values in figures["upload"].items()}
    table.add(
        f"10 MB upload: document request vs Odoo's upload_attachment, median of "
        f"{len(figures['upload']['portal_upload'])}",
        up["portal_upload"],
        up["odoo_upload"],
        " ms",
        "<= 1.50x",
        up["portal_upload"] <= 1.5 * up["odoo_upload"],
    )
    asked = {side: statistics.median(values) for side, values in figures["link_request"].items()}
    table.add(
        f"'Email me a new link': address on file vs unknown, median of {len(figures['link_request']['client'])}",
        asked["client"],
        asked["unknown"],
        " ms",
        "within 25 %",
        abs(asked["client"] - asked["unknown"]) <= max(5.0, 0.25 * asked["unknown"]),
    )
    table.note(
        f"{label}: Odoo's memory at the end (master, 2 HTTP workers, gevent): {figures['server_rss'] / 2**20:.0f} MB"
    )
    for kind, count in figures["server_errors"].items():
        table.note(f"{label}: the server logged {count} x {kind}")
    if figures["throttled"]:
        table.add("key throttle: addresses locked out during the run", figures["throttled"], None, "", fmt="{:.0f}")


def cross_rows(table, demo, generated):
    table.section("SQL queries per portal page: generated data vs demo data")
    for name, items in (("p5", 5), ("p40", 40), ("p200", 200)):
        ours, theirs = generated["queries"][name], demo["queries"][name]
        table.add(f"portal home with {items} items", ours, theirs, "", "same", ours == theirs, fmt="{:.0f}")


def cron_rows(table, results, names, backlogs, sizes):
    small, large = sizes
    limit = 1.5 * large / small
    table.section(
        f"scheduled actions at {large:,} clients (reference: at {small:,}), each run to completion in a fresh process "
        "on a copy"
    )
    for xmlid, name in names.items():
        short = name.removeprefix("Client Portal: ")
        peaks = []
        for variant in ("generated", "backlog"):
            big = results.get((large, variant), {}).get(xmlid)
            little = results.get((small, variant), {}).get(xmlid)
            if big is None or little is None:
                continue
            what = f"{short}, {'as generated' if variant == 'generated' else 'backlog'}"
            if variant == "backlog":
                table.note(f"backlog of '{short}': {backlogs[xmlid]}")
            if big.get("error") or little.get("error"):
                error = (big.get("error") or little.get("error") or [""])[0]
                table.add(f"{what}: FAILED", None, None, "", "runs", False)
                table.note(f"'{short}' failed: {error[:300]}")
                continue
            runs = f", {big['runs']} runs" if big["runs"] > 1 else ""
            table.add(
                f"{what}: {big['work']:,} vs {little['work']:,} {big['work_label']}{runs}",
                big["seconds"],
                little["seconds"],
                " s",
                f"< 120 s, <= {limit:.0f}x",
                big["seconds"] < 120 and big["seconds"] <= limit * little["seconds"],
                fmt="{:.2f}",
            )
            peaks.append(big)
        if peaks:
            big = max(peaks, key=lambda result: result["peak_rss"])
            table.add(
                f"{short}: peak RSS (reference: RSS before the job)",
                big["peak_rss"] / 2**20,
                big["baseline_rss"] / 2**20,
                " MB",
                "< 500 MB",
                big["peak_rss"] < 500 * 2**20,
                fmt="{:.0f}",
            )


# ----------------------------------------------------------------------------------------------


def two_servers_phase(logdir):
    """tests/test_two_servers.py: two Odoo servers (two workers and a cron worker each) on one
    database and file store, driven in turns. {test name: (seconds, passed)}."""
    base = "serene_t_base"  # Odoo's modules with demo data, without this addon (scripts/test.sh)
    if not db_exists(base):
        log(f"two servers: building {base}")
        subprocess.run(["bash", "-c", f"source scripts/lib.sh && make_base_db {base}"], cwd=REPO, check=True)
    junit = Path(logdir) / "two_servers.xml"
    log("two servers: tests/test_two_servers.py")
    subprocess.run(
        [
            PY,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:odoo",
            "-q",
            f"--junitxml={junit}",
            "tests/test_two_servers.py",
        ],
        cwd=REPO,
        env=dict(os.environ, SERENE_TEMPLATE_DB=base),
        capture_output=True,
        check=False,
    )
    results = {}
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 - pytest's own report
        failed = any(child.tag in ("failure", "error", "skipped") for child in case)
        results[case.get("name").removeprefix("test_").replace("_", " ")] = (float(case.get("time", 0)), not failed)
    if not results:
        raise RuntimeError(f"tests/test_two_servers.py ran no test (see {junit})")
    return results


def two_servers_rows(table, results):
    table.section("Two servers, one database and file store (tests/test_two_servers.py)")
    for name, (seconds, passed) in results.items():
        table.add(name, seconds, None, " s", "holds", passed)


def header(args, load_at_start):
    import odoo.release

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    pg = psql("postgres", "SHOW server_version").strip()
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False).stdout.split(" [")[
        0
    ]
    print(
        f"Machine: {os.cpu_count()} CPUs ({cpu}), {psutil.virtual_memory().total / 2**30:.1f} GiB RAM, "
        f"load average {' '.join(f'{x:.2f}' for x in load_at_start[0])} at the start ({load_at_start[1]})"
    )
    print(f"Odoo {odoo.release.version}, PostgreSQL {pg}, Python {platform.python_version()}, {wrk_version.strip()}")
    print(
        f"Odoo started with --workers=2 --max-cron-threads=0 on 127.0.0.1:{PORT}; sequential timings: "
        f"{args.rounds} rounds after 5 warm-up; load: wrk -t2, {args.load_seconds} s per page and concurrency, "
        "each connection a returning visitor (the session cookie of a first visit)"
    )


def default_addons_path():
    import odoo

    odoo_src = Path(next(iter(odoo.__path__))).parent
    return f"{odoo_src / 'addons'},{REPO}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--db", default="serene_bench", help="the demo database (copied, never changed)")
    parser.add_argument("--addons-path", default=None)
    parser.add_argument("--scale", action="store_true", help="also the generated data (1,000 and 10,000 clients)")
    parser.add_argument("--gen-1k", default="serene_gen_1k")
    parser.add_argument("--gen-10k", default="serene_gen_10k")
    parser.add_argument("--rounds", type=int, default=60, help="sequential requests per page")
    parser.add_argument("--rpc-rounds", type=int, default=30, help="backend calls of each kind")
    parser.add_argument("--uploads", type=int, default=8, help="10 MB uploads of each kind")
    parser.add_argument("--load-seconds", type=int, default=15, help="wrk duration per page and concurrency")
    parser.add_argument("--logdir", default=str(Path(tempfile.gettempdir()) / "serene_bench"), help="server logs")
    parser.add_argument("--keep", action="store_true", help="keep the serene_bench_run copy")
    args = parser.parse_args()
    args.addons_path = args.addons_path or default_addons_path()
    Path(args.logdir).mkdir(parents=True, exist_ok=True)
    if not wrk_available():
        sys.exit("wrk is missing: apt-get install wrk (scripts/setup.sh installs it)")

    from odoo.tools import config

    config.parse_config([f"--addons-path={args.addons_path}", "--log-level=warn", "--http-interface=127.0.0.1"])
    started, load_at_start = time.monotonic(), (os.getloadavg(), time.strftime("%Y-%m-%d %H:%M %Z"))
    table = Table()
    demo = http_phase("demo", args.db, args, update=False)
    http_rows(table, "demo data", demo)
    if args.scale:
        sizes = ((1000, args.gen_1k), (10000, args.gen_10k))
        for size, db in sizes:
            ensure_generated(size, db)
        generated = http_phase("generated", args.gen_10k, args, update=True)
        http_rows(table, "generated data", generated)
        cross_rows(table, demo, generated)
        results, names, backlogs = cron_phase(sizes, args)
        cron_rows(table, results, names, backlogs, (1000, 10000))
    two_servers_rows(table, two_servers_phase(args.logdir))
    print()
    header(args, load_at_start)
    print()
    table.print()
    if not args.scale:
        print("Scheduled actions and the generated data: make bench SCALE=1 (or scripts/bench.py --scale)")
    print(
        f"\nbench took {(time.monotonic() - started) / 60:.1f} min; load average now "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
