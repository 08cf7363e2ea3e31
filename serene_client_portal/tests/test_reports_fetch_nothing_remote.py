"""Reports fetch nothing from outside: a remote image, stylesheet or background in a consent
text written by the practice is dropped before wkhtmltopdf sees it, and wkhtmltopdf runs with
local files and other hosts closed to it."""

import base64
import http.server
import threading

from odoo.tests import TransactionCase, tagged

from odoo.addons.serene_client_portal.tools import drop_remote_resources

from .common import PNG_BYTES, SereneCase

SIGNATURE = base64.b64encode(PNG_BYTES).decode()


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with a 1-pixel PNG and writes down its path."""

    def do_GET(self):
        self.server.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PNG_BYTES)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install", "serene", "security")
class TestReportsFetchNothingRemote(SereneCase, TransactionCase):
    def setUp(self):
        super().setUp()
        self.server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
        self.server.seen = []
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def test_signing_a_consent_with_a_remote_image_requests_nothing(self):
        text = (
            f"<p>I agree to therapy.</p>"
            f"<p><img src='{self.base}/pixel.png?who=carla'></p>"
            f"<p><img srcset='{self.base}/set.png 2x'></p>"
            f"<p style=\"background-image: url('{self.base}/bg.png')\">Signed below.</p>"
            f"<p><img src='//127.0.0.1:{self.server.server_address[1]}/proto.png'></p>"
        )
        consent = self._add(item_type="consent", name="Therapy consent", description=text)
        self.assertIn(f"{self.base}/pixel.png", consent.description, "the practice may write it")
        html = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_html("serene_client_portal.action_report_signed_consent", consent.ids)[0]
        )
        self.assertIn(b"I agree to therapy.", html)
        self.assertNotIn(b"127.0.0.1:%d" % self.server.server_address[1], html, "dropped before rendering")
        consent_sudo = consent.sudo().with_context(force_report_rendering=True)
        signed = consent_sudo._portal_sign("Client Carla", SIGNATURE, ip_address="203.0.113.9")
        self.assertTrue(signed.raw.startswith(b"%PDF"), "the PDF still renders")
        self.assertEqual(consent.state, "completed")
        self.assertEqual(self.server.seen, [], "wkhtmltopdf requested nothing from another host")

    def test_remote_resources_are_dropped_and_the_rest_kept(self):
        html = (
            "<p>Keep me <a href='https://example.com/info'>a link</a></p>"
            "<img src='http://example.com/x.png' alt='remote'>"
            "<img src='/web/image/res.company/1/logo' alt='local'>"
            "<img src='data:image/png;base64,AAAA' alt='inline'>"
            "<img src='file:///etc/passwd'><img src='//evil.example/y.png'><img src='/\\evil.example/z.png'>"
            "<link rel='stylesheet' href='http://example.com/s.css'>"
            "<video poster='http://example.com/p.png' src='http://example.com/v.mp4'></video>"
            "<p style='color: red; background: url(http://example.com/bg.png)'>styled</p>"
        )
        out = str(drop_remote_resources(html))
        for remote in ("example.com/x.png", "/etc/passwd", "evil.example", "s.css", "p.png", "v.mp4", "bg.png"):
            self.assertNotIn(remote, out)
        for kept in ("Keep me", "https://example.com/info", "/web/image/res.company/1/logo", "data:image/png"):
            self.assertIn(kept, out)
        self.assertNotIn("<script>", str(drop_remote_resources("&lt;script&gt;alert(1)&lt;/script&gt;<p>x</p>")))
        for kept in ("Keep me",):
            self.assertIn(kept, out)

    def test_wkhtmltopdf_runs_with_local_files_and_other_hosts_closed(self):
        Report = self.env["ir.actions.report"].with_context(serene_offline_pdf=True)
        report = self.env.ref("serene_client_portal.action_report_signed_consent")
        args = Report._build_wkhtmltopdf_args(report.get_paperformat(), False)
        self.assertIn("--disable-local-file-access", args)
        self.assertIn("--proxy", args, "other hosts go through a proxy that is not there")
