#!/usr/bin/env python3
"""The demo's mailbox: an SMTP server on 127.0.0.1 that keeps every email Odoo sends, and a page
that shows them.

    python3 scripts/demo_mail.py --smtp-port 2525 --http-port 8025 --dir .demo-mail

Each message is written to ``<dir>/<recipient>/<time>-<subject>.eml`` (the raw message, for any
mail program) and ``.html`` (readable in a browser); ``<dir>/index.html`` lists them all, newest
first, and http://localhost:<http-port>/ serves that folder. Nothing leaves the machine.
scripts/demo.sh starts it and points the demo database's outgoing mail server at it."""

import argparse
import email
import email.policy
import html
import os
import re
import signal
import sys
import threading
from datetime import datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
<title>Demo mailbox</title>
<style>body{{font-family:sans-serif;margin:2rem}}table{{border-collapse:collapse}}
th,td{{text-align:left;padding:.3rem 1rem .3rem 0;border-bottom:1px solid #ddd}}</style></head>
<body><h1>Demo mailbox</h1>
<p>Every email the demo's Odoo sent, newest first ({count}). Nothing left this machine.
This page refreshes itself every 10 seconds.</p>
<p>Text messages are not delivered in the demo (Odoo sends them through its IAP service): a
client's <em>Client Portal</em> tab shows each one as Failed, with its reason.</p>
<table><thead><tr><th scope="col">Received</th><th scope="col">To</th><th scope="col">Subject</th>
<th scope="col">Raw</th></tr></thead><tbody>
{rows}
</tbody></table></body></html>
"""

MESSAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{subject}</title>
<style>body{{font-family:sans-serif;margin:2rem}}th,td{{text-align:left;padding:.2rem 1rem .2rem 0}}
iframe{{width:100%;height:60vh;border:1px solid #ccc}}</style></head>
<body><p><a href="../index.html">All messages</a></p>
<h1>{subject}</h1>
<table>
<tr><th scope="row">From</th><td>{sender}</td></tr>
<tr><th scope="row">To</th><td>{to}</td></tr>
<tr><th scope="row">Date</th><td>{date}</td></tr>
</table>
<h2>As the recipient sees it</h2>
{body}
<h2>Links in this email</h2>
<ul>{links}</ul>
<p><a href="{raw}">The raw message (.eml)</a></p>
</body></html>
"""


def slug(text, size=60):
    return re.sub(r"[^A-Za-z0-9@._+-]+", "-", text or "").strip("-")[:size] or "message"


def render(message, raw_name):
    """The readable page of one message: its headers, its body as the recipient's mail program
    shows it (HTML in a sandboxed frame: no script runs), and its links."""
    part = message.get_body(preferencelist=("html", "plain"))
    content = part.get_content() if part else ""
    if part is not None and part.get_content_type() == "text/html":
        # Links open in a new tab, out of the frame.
        frame = f'<base target="_blank">{content}'
        body = (
            '<iframe title="The email" sandbox="allow-popups allow-popups-to-escape-sandbox" '
            f'srcdoc="{html.escape(frame, quote=True)}"></iframe>'
        )
        links = re.findall(r'href="([^"]+)"', content)
    else:
        body = f"<pre>{html.escape(content)}</pre>"
        links = re.findall(r"https?://\S+", content)
    return MESSAGE.format(
        subject=html.escape(str(message["Subject"] or "(no subject)")),
        sender=html.escape(str(message["From"] or "")),
        to=html.escape(str(message["To"] or "")),
        date=html.escape(str(message["Date"] or "")),
        body=body,
        links="".join(
            f'<li><a href="{html.escape(link)}" target="_blank">{html.escape(link)}</a></li>'
            for link in dict.fromkeys(html.unescape(link) for link in links)
        )
        or "<li>none</li>",
        raw=html.escape(raw_name),
    )


class Mailbox:
    """aiosmtpd handler: each message, for each of its recipients, into the folder."""

    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.write_index()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        with self.lock:
            for recipient in envelope.rcpt_tos:
                box = self.folder / slug(recipient.lower(), 100)
                box.mkdir(exist_ok=True)
                name = f"{stamp}-{slug(str(message['Subject'] or ''))}"
                (box / f"{name}.eml").write_bytes(envelope.content)
                (box / f"{name}.html").write_text(render(message, f"{name}.eml"), encoding="utf-8")
                print(f"[demo mail] to {recipient}: {message['Subject']}", flush=True)
            self.write_index()
        return "250 Message accepted for delivery"

    def write_index(self):
        rows = []
        for raw in sorted(self.folder.glob("*/*.eml"), key=lambda path: path.name, reverse=True):
            with raw.open("rb") as handle:
                headers = email.message_from_binary_file(handle, policy=email.policy.default)
            received = datetime.strptime(raw.name[:22], "%Y%m%d-%H%M%S-%f").strftime("%Y-%m-%d %H:%M:%S")
            page = f"{raw.parent.name}/{raw.stem}.html"
            rows.append(
                f"<tr><td>{received}</td><td>{html.escape(raw.parent.name)}</td>"
                f'<td><a href="{html.escape(page)}">{html.escape(str(headers["Subject"] or "(no subject)"))}</a></td>'
                f'<td><a href="{html.escape(raw.parent.name + "/" + raw.name)}">.eml</a></td></tr>'
            )
        index = INDEX.format(count=len(rows), rows="\n".join(rows) or '<tr><td colspan="4">No email yet.</td></tr>')
        tmp = self.folder / ".index.html.tmp"
        tmp.write_text(index, encoding="utf-8")
        os.replace(tmp, self.folder / "index.html")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=Path(".demo-mail"))
    args = parser.parse_args()
    folder = args.dir.resolve()
    handler = Mailbox(folder)
    try:
        web = ThreadingHTTPServer(("127.0.0.1", args.http_port), partial(QuietHandler, directory=str(folder)))
    except OSError as error:
        sys.exit(f"[demo mail] cannot serve the mail page on port {args.http_port}: {error}")
    smtp = Controller(handler, hostname="127.0.0.1", port=args.smtp_port)
    try:
        smtp.start()
    except Exception as error:  # aiosmtpd reports a taken port in several ways
        sys.exit(f"[demo mail] cannot listen for SMTP on port {args.smtp_port}: {error}")

    def stop(_signum, _frame):
        threading.Thread(target=web.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"[demo mail] SMTP on 127.0.0.1:{args.smtp_port}, mailbox in {folder}", flush=True)
    try:
        web.serve_forever()
    finally:
        smtp.stop()
        web.server_close()


if __name__ == "__main__":
    main()
