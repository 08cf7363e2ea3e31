"""HTTP side of scripts/bench.py: a browser-like client, JSON-RPC, the web client's field
specifications, wrk runs and Odoo's access log."""

import http.client
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from lxml import etree

# wrk: count the answers by status in each thread, print the totals and percentiles as JSON.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; other = 0 end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local good, bad = 0, 0
  for _, t in ipairs(threads) do good = good + t:get("ok"); bad = bad + t:get("other") end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "ok": %d, "other": %d, "connect": %d, "read": %d,'
    .. ' "write": %d, "status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\\n',
    summary.requests, summary.duration, good, bad, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""
# Odoo's access log line, with the query count, query time and remaining time at its end.
ACCESS_LOG = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+) ([\d.]+) ([\d.]+)')


class Client:
    """A browser: its own cookies, one connection per request (Odoo answers HTTP/1.0)."""

    def __init__(self, port, timeout=300):
        self.port, self.timeout, self.cookies = port, timeout, {}

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body bytes, milliseconds from sending to the last byte)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _sep, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        conn.close()
        return response.status, response.msg, data, elapsed

    def cookie_header(self):
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def get(self, path):
        return self.request("GET", path)

    def form_post(self, path, fields):
        body = "&".join(f"{k}={urllib_quote(v)}" for k, v in fields.items())
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def multipart_post(self, path, fields, files):
        """``files``: [(field name, filename, bytes)]."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        for name, filename, data in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/pdf\r\n\r\n".encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def rpc(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).encode()
        status, _headers, data, elapsed = self.request("POST", path, body, {"Content-Type": "application/json"})
        reply = json.loads(data) if status == 200 else {"error": {"message": f"HTTP {status}"}}
        if "error" in reply:
            error = reply["error"]
            raise RuntimeError(f"{path}: {error.get('data', {}).get('message') or error.get('message')}")
        return reply["result"], elapsed

    def call_kw(self, model, method, args, kwargs, context):
        kwargs = dict(kwargs, context=context)
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}", {"model": model, "method": method, "args": args, "kwargs": kwargs}
        )

    def login_form(self, login, password):
        """Sign in through /web/login as a person would; raise unless it worked."""
        status, _h, page, _ms = self.get("/web/login")
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or not csrf:
            raise RuntimeError(f"/web/login answered {status} without a form")
        status, headers, _page, _ms = self.form_post(
            "/web/login", {"csrf_token": csrf.group(1).decode(), "login": login, "password": password}
        )
        if status not in (302, 303) or "/web/login" in (headers.get("Location") or ""):
            raise RuntimeError(f"signing in as {login} failed ({status})")


def urllib_quote(value):
    from urllib.parse import quote_plus

    return quote_plus(str(value))


def summarize(times):
    """(median, p95) of milliseconds."""
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, round(len(ordered) * 0.95) - 1)]


# ----------------------------------------------------------------------------------------------
# What the web client asks for: the field specification of a list or form view
# ----------------------------------------------------------------------------------------------

RELATED_FIELDS = {"many2many_binary": ("name", "mimetype"), "many2many_tags": ("display_name",)}


def _view_fields(node):
    """The <field> nodes of a view, not those of its subviews."""
    for child in node:
        if child.tag == "field":
            yield child
        else:
            yield from _view_fields(child)


def field_spec(arch_node, model, models, view_type, drop=()):
    """The specification the web client sends to web_read/web_search_read for a view."""
    fields = models[model]["fields"] if "fields" in models.get(model, {}) else models.get(model, {})
    spec = {}
    for node in _view_fields(arch_node):
        name = node.get("name")
        if name in drop or name not in fields:
            continue
        info = fields[name]
        sub = {}
        if info["type"] == "many2one":
            sub = {"fields": {"display_name": {}}}
        elif info["type"] in ("one2many", "many2many"):
            subview = next((child for child in node if child.tag in ("list", "kanban")), None)
            if subview is not None:
                sub = {
                    "fields": field_spec(subview, info["relation"], models, "list"),
                    "limit": int(subview.get("limit") or 40),
                    "order": subview.get("default_order") or "",
                }
            elif view_type == "form" or node.get("widget") in RELATED_FIELDS:
                related = RELATED_FIELDS.get(node.get("widget"), ("display_name",))
                sub = {"fields": {related_name: {} for related_name in related}}
        spec[name] = sub
    if view_type == "form":
        spec.setdefault("display_name", {})
    return spec


def view_specs(client, model, views, action_id, context, drop=()):
    """{view type: field specification} from get_views, as the web client loads the action."""
    result, _ms = client.call_kw(
        model,
        "get_views",
        [views],
        {"options": {"action_id": action_id, "load_filters": True, "toolbar": True}},
        context,
    )
    specs = {}
    for view_type in ("list", "form"):
        if view_type in result["views"]:
            arch = etree.fromstring(result["views"][view_type]["arch"])
            specs[view_type] = field_spec(arch, model, result["models"], view_type, drop)
    return specs


# ----------------------------------------------------------------------------------------------
# Load generator and the server's log
# ----------------------------------------------------------------------------------------------


def wrk_available():
    return shutil.which("wrk") is not None


def wrk(url, connections, seconds, threads=2, cookie=None):
    """requests/s, latency percentiles (ms) and error counts of one wrk run on ``url``, every
    connection sending ``cookie`` (a returning visitor's session) when given."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{min(threads, connections)}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "60s",
                "-s",
                script.name,
                *(["-H", f"Cookie: {cookie}"] if cookie else []),
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(script.name).unlink()
    line = next(line for line in out.splitlines() if line.startswith("WRKJSON "))
    data = json.loads(line[len("WRKJSON ") :])
    seconds = data["duration_us"] / 1e6
    return {
        "rps": data["ok"] / seconds,  # answers that were the page (200) per second
        "requests": data["requests"],
        "ok": data["ok"],
        "other": data["other"],
        "errors": data["connect"] + data["write"] + data["timeout"],
        # An answer without Content-Length ends when the server closes: wrk counts it, and the close as a read error.
        "read_errors": data["read"],
        "p50": data["p50"] / 1000,
        "p95": data["p95"] / 1000,
        "p99": data["p99"] / 1000,
    }


class AccessLog:
    """Odoo's werkzeug access log lines, read as they are written."""

    def __init__(self, path):
        self.path, self.offset = Path(path), 0

    def skip(self):
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def lines(self, wait_for=None, timeout=10):
        """New (method, path, status, queries) since the last call; waits until one matches ``wait_for``."""
        deadline = time.monotonic() + timeout
        found = []
        while True:
            with self.path.open("rb") as log:
                log.seek(self.offset)
                chunk = log.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self.offset += len(complete)
            for line in complete.decode(errors="replace").splitlines():
                match = ACCESS_LOG.search(line)
                if match:
                    found.append((match.group(1), match.group(2), int(match.group(3)), int(match.group(4))))
            if not wait_for or any(wait_for in path for _m, path, _s, _q in found) or time.monotonic() > deadline:
                return found
            time.sleep(0.05)
