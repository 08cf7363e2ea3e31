"""Take the README's screenshots from a running demo (scripts/demo.sh) in headless Chromium.

    python3 scripts/screenshots.py [--db serene_demo] [--url http://localhost:8069]

Drives Chromium over the DevTools protocol (websocket-client), signed in as the demo users.
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"


def demo_records(db, addons_path):
    """Ids of the demo clients and a fresh portal link, read from the demo database."""
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config([f"--addons-path={addons_path}", "--log-level=warn"])
    with Registry(db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        ids = {
            name: env.ref(f"serene_client_portal.client_{name}").id
            for name in ("avery", "jordan", "taylor", "casey", "morgan", "drew", "quinn")
        }
        keys = {
            name: env.ref(f"serene_client_portal.client_{name}").client_portal_id._new_access_url().rsplit("/", 1)[1]
            for name in ("jordan", "quinn", "riley")
        }
        # Drew's PHQ-9, completed through the portal with a risk answer.
        drew_items = env.ref("serene_client_portal.client_drew").client_portal_id.item_ids
        ids["drew_phq9"] = drew_items.filtered(lambda item: item.item_type == "assessment").user_input_id[:1].id
    return ids, keys


def authenticate(base, db, login):
    request = urllib.request.Request(
        f"{base}/web/session/authenticate",
        data=json.dumps({"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": login}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        cookie = response.headers["Set-Cookie"]
    return cookie.split("session_id=", 1)[1].split(";", 1)[0]


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp()
        self.proc = subprocess.Popen(
            [
                shutil.which("chromium") or "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=9333",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                with urllib.request.urlopen("http://127.0.0.1:9333/json/list", timeout=2) as response:
                    pages = [t for t in json.load(response) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def wait_for(self, selector, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(selector)})"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"{selector} did not appear")

    def shot(self, path, width=1280, height=900, mobile=False):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)
        time.sleep(0.8)
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=mobile)["data"]
        path.write_bytes(base64.b64decode(data))
        print("saved", path.relative_to(REPO))

    def close(self):
        self.ws.close()
        self.proc.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=os.environ.get("DEMO_DB", "serene_demo"))
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--addons-path", required=True)
    args = parser.parse_args()
    ids, keys = demo_records(args.db, args.addons_path)
    OUT.mkdir(parents=True, exist_ok=True)
    browser = Browser()
    try:
        browser.call("Page.enable")
        portal_tab = "Client Portal"
        # (login, client, file, tab, what to wait for, dialog opened by clicking it, window height)
        shots = [
            ("maya", "avery", "portal-not-set-up.png", portal_tab, ".o_serene_portal_not_setup", None, None),
            ("maya", "jordan", "portal-recent-activity.png", portal_tab, ".o_serene_activity_active", None, None),
            ("maya", "taylor", "portal-no-recent-activity.png", portal_tab, ".o_serene_activity_inactive", None, None),
            # The red banner sits at the top of the form: no scrolling, a taller window.
            ("maya", "casey", "portal-usage-limit.png", portal_tab, ".o_serene_usage_banner", None, 1150),
            ("team", "jordan", "portal-team-member.png", portal_tab, ".o_serene_activity_active", None, None),
            (
                "leo",
                "morgan",
                "records.png",
                "Records",
                ".o_field_widget[name=serene_record_input_ids] .o_data_row",
                None,
                None,
            ),
            ("maya", "jordan", "add-item-dialog.png", portal_tab, ".o_serene_portal_add", ".modal .o_form_view", None),
            (
                "leo",
                "drew",
                "records-flagged-assessment.png",
                "Records",
                ".o_field_widget[name=serene_record_input_ids] .o_data_row.text-danger",
                None,
                None,
            ),
        ]
        for login, client, filename, tab, selector, dialog, height in shots:
            browser.call("Network.clearBrowserCookies")
            browser.call(
                "Network.setCookie", name="session_id", value=authenticate(args.url, args.db, login), url=args.url
            )
            browser.call(
                "Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False
            )
            browser.call(
                "Page.navigate",
                url=f"{args.url}/odoo/action-serene_client_portal.res_partner_action_clients/{ids[client]}",
            )
            browser.wait_for(".o_form_view .o_notebook")
            browser.evaluate(
                "[...document.querySelectorAll('.o_notebook .nav-link')]"
                f".find(a => a.textContent.trim() === {json.dumps(tab)}).click()"
            )
            browser.wait_for(selector)
            if dialog:
                browser.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
                browser.wait_for(dialog)
            elif not height:
                browser.evaluate("document.querySelector('.o_notebook').scrollIntoView({block: 'start'})")
            browser.shot(OUT / filename, height=height or 900)
        # The answers of a form given through the portal: total, severity and risk, not a quiz.
        browser.call("Page.navigate", url=f"{args.url}/odoo/survey.user_input/{ids['drew_phq9']}")
        browser.wait_for(".o_form_view .ribbon")
        browser.shot(OUT / "answers-clinical.png")
        browser.call("Network.clearBrowserCookies")
        browser.call("Emulation.setDeviceMetricsOverride", width=360, height=780, deviceScaleFactor=1, mobile=True)
        browser.call("Page.navigate", url=f"{args.url}/portal/{keys['jordan']}")
        browser.wait_for(".o_serene_todo")
        browser.shot(OUT / "client-portal-phone.png", width=360, height=780, mobile=True)
        browser.call("Page.navigate", url=f"{args.url}/portal/{keys['quinn']}")
        browser.wait_for(".o_serene_packet")
        browser.shot(OUT / "client-packet-phone.png", width=360, height=780, mobile=True)
        browser.call("Page.navigate", url=f"{args.url}/portal/{keys['riley']}")
        browser.wait_for(".o_serene_add_to_calendar")
        browser.evaluate("document.querySelector('.o_serene_appointments').scrollIntoView({block: 'start'})")
        browser.shot(OUT / "client-appointments-phone.png", width=360, height=780, mobile=True)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
