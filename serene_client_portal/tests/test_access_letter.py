"""The printable access letter: a real PDF, read back the way a client's phone and eyes read it."""

import json
import re
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import zxingcpp
from PIL import Image

from odoo import http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.serene_client_portal.report.serene_access_letter_report import wkhtmltopdf_prints_headers

from .common import SereneCase, SereneRpcMixin

REPORT = "serene_client_portal.report_access_letter"
ITEM_NAMES = ("Sleep and Worry Intake", "Grief Support Circle", "Mood Scale")


@tagged("post_install", "-at_install", "serene", "security")
class TestAccessLetter(SereneRpcMixin, SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Item = cls.env["serene.portal.item"]
        base = {"partner_id": cls.client.id}
        Item.create(dict(base, item_type="intake_form", survey_id=cls.survey_intake.id, name=ITEM_NAMES[0]))
        Item.create(dict(base, item_type="link", name=ITEM_NAMES[1], url="https://example.com/circle"))
        Item.create(dict(base, item_type="assessment", survey_id=cls.survey_assessment.id))
        cls.portal = cls.client.client_portal_id

    def _print_pdf(self, user):
        """Press "Print access letter" as ``user`` in the web client (with the password it asks)
        and render the action's PDF with wkhtmltopdf."""
        self.authenticate(user.login, user.login)
        answer = self.rpc("res.partner", "action_client_portal_print_letter", self.client.ids)
        action = self.confirm_identity(answer, user.login)["result"]
        self.assertEqual((action["type"], action["report_name"]), ("ir.actions.report", REPORT))
        self.assertEqual(action["context"]["active_ids"], self.portal.ids)
        Report = self.env["ir.actions.report"].with_user(user).with_context(force_report_rendering=True)
        pdf, kind = Report._render_qweb_pdf(REPORT, action["context"]["active_ids"])
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        return pdf

    def _read_pdf(self, pdf):
        """(pages, the QR codes decoded from the first page at 150 dpi, the PDF's text)."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "letter.pdf")
            path.write_bytes(pdf)
            info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True, timeout=60).stdout
            pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
            subprocess.run(
                ["pdftoppm", "-r", "150", "-png", "-singlefile", path, Path(tmp, "page")], check=True, timeout=60
            )
            with Image.open(Path(tmp, "page.png")) as page:
                codes = [code.text for code in zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)]
            text = subprocess.run(
                ["pdftotext", path, "-"], capture_output=True, text=True, check=True, timeout=60
            ).stdout
        return pages, codes, text

    def _html(self, user=None, **data):
        """The letter as HTML (``report_type="pdf"``: as it goes to wkhtmltopdf), printed by ``user``."""
        Report = self.env["ir.actions.report"].with_user(user or self.user_owner)
        return Report._render_qweb_html(REPORT, self.portal.ids, data=data)[0].decode()

    def test_the_qr_code_opens_the_portal_and_matches_the_printed_link(self):
        pdf = self._print_pdf(self.user_owner)
        pages, codes, text = self._read_pdf(pdf)
        self.assertEqual(pages, 1, "one sheet per client")
        self.assertEqual(len(codes), 1, codes)
        url = codes[0]
        self.assertRegex(url, rf"^{re.escape(self.portal.get_base_url())}/portal/[A-Za-z0-9_-]{{43}}$")
        self.assertEqual(re.findall(r"https?://\S+", text), [url], "the link as text is the QR code's link")
        link = self.valid_link(url.rsplit("/", 1)[1])
        self.assertEqual(link.portal_id, self.portal, "a fresh live link of this client's portal")
        self.assertEqual(link.expiry_days, 30)

        # Printing is logged as a link issued, on paper, by the note owner.
        row = self.portal.sudo().activity_log_ids.filtered(lambda a: a.key_fingerprint == link.fingerprint)
        self.assertEqual(row.event_type, "link_sent")
        self.assertEqual(row.detail, "Printed access letter")
        self.assertEqual((row.actor, row.user_id), ("staff", self.user_owner))

        response = self.url_open(urlparse(url).path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(urlparse(response.url).path, urlparse(url).path, "no redirect to a not-valid page")
        self.assertIn("Hello Client Carla", response.text)

    def test_each_print_is_a_new_link_within_the_cap(self):
        for _n in range(4):
            html = self._html(self.user_manager)
        live = self.portal.sudo().link_ids.filtered(lambda link: link._get_state() == "valid")
        self.assertEqual(len(live), 3, "the live-link cap holds for printed links too")
        self.assertIn("/portal/", html)
        self.assertIn("data:image/png;base64,", html)
        printed = self.portal.sudo().activity_log_ids.filtered(lambda a: a.detail == "Printed access letter")
        self.assertEqual(len(printed), 4)
        self.assertEqual(set(printed.mapped("user_id")), {self.user_manager})

    def test_printed_through_the_web_clients_download_never_by_a_get(self):
        self.authenticate("t_owner", "t_owner")
        self.confirm_identity(self.rpc("res.partner", "action_client_portal_print_letter", self.client.ids), "t_owner")
        report_url = f"/report/pdf/{REPORT}/{self.portal.ids[0]}"
        with mute_logger("odoo.http"):
            response = self.url_open(report_url, allow_redirects=False)
        self.assertEqual(response.status_code, 422)
        self.assertNotIn("application/pdf", response.headers.get("Content-Type", ""))
        self.assertFalse(self.portal.sudo().link_ids, "a GET mints nothing")
        # The web client's download: a POST with the session's CSRF token (HTML in test mode).
        response = self.url_open(
            "/report/download",
            data={"data": json.dumps([report_url, "qweb-pdf"]), "csrf_token": http.Request.csrf_token(self)},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Portal access letter - Client Carla.pdf", unquote(response.headers["Content-Disposition"]))
        self.assertEqual(len(self.portal.sudo().link_ids), 1)
        self.assertIn(f"{self.portal.get_base_url()}/portal/", response.text)

    def test_the_letter_says_what_to_do_and_names_no_item(self):
        html = self._html()
        for text in ("Dear Client Carla", self.company.name, "scan the", "Do not share it", "Keep this letter private"):
            self.assertIn(text, html)
        self.assertIn("30 days without use", html)
        self.assertNotIn("confirm who you are", html)
        for name in (*ITEM_NAMES, self.survey_intake.title, "example.com/circle"):
            self.assertNotIn(name, html)
        self.company.write({"serene_portal_link_sliding": False, "serene_portal_verify_birthdate": True})
        html = self._html()
        self.assertIn("30 days after the date of this letter", html)
        self.assertIn("confirm who you are", html)
        self.company.serene_portal_link_expiry_days = 0
        self.assertIn("The link does not expire", self._html())

    def test_the_letterhead_is_in_the_body_when_wkhtmltopdf_prints_no_header(self):
        in_body = 'name="serene_letterhead"'
        self.assertNotIn(in_body, self._html(), "the browser preview shows the layout's own header")
        self.assertEqual(in_body in self._html(report_type="pdf"), not wkhtmltopdf_prints_headers())

    def test_only_the_note_owner_and_managers_print(self):
        Report = self.env["ir.actions.report"]
        for user in (self.user_team, self.user_other, self.user_internal, self.user_manager_2):
            with self.subTest(user=user.login):
                links = self.portal.sudo().link_ids
                # The button, the password confirmed: the role is what refuses.
                self.authenticate(user.login, user.login)
                self.skip_identity_prompt()
                answer = self.rpc("res.partner", "action_client_portal_print_letter", self.client.ids)
                self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
                # The report route reaches the report without the button: it checks too.
                with self.assertRaises(AccessError):
                    Report.with_user(user)._render_qweb_html(REPORT, self.portal.ids)
                self.assertEqual(self.portal.sudo().link_ids, links, "no link was minted")
        self.assertNotIn("Printed access letter", self.portal.sudo().activity_log_ids.mapped("detail"))
