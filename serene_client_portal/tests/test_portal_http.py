import logging
import re
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.serene_client_portal.tools import PORTAL_HEADERS, portal_csp

from .common import HTML_AS_PNG, PDF_BYTES, PNG_BYTES, XSS, SereneCase, logged_request_line

CSP = "Content-Security-Policy"

# Measured with 5 and with 100 items (18 each); a query per item would show here. Four of them
# find the client's language and time zone (the practice's website, its languages, the practice's
# time zone), one the practice's unread secure messages.
# 18, and the services open to the client for online booking (their care team, the services).
PORTAL_PAGE_QUERIES = 20
MAIN = re.compile(r'<main id="serene_main".*?</main>', re.DOTALL)


@tagged("post_install", "-at_install", "serene", "security")
class TestPortalHttp(SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Item = cls.env["serene.portal.item"]
        base = {"partner_id": cls.client.id}
        cls.form = Item.create(dict(base, item_type="intake_form", survey_id=cls.survey_intake.id, name="Intake"))
        cls.request_item = Item.create(
            dict(base, item_type="document_request", name="ID card", accepted_kind_ids=cls._kinds("pdf", "image"))
        )
        cls.link = Item.create(dict(base, item_type="link", name=XSS, url="https://example.com/?q=1"))
        cls.resource = Item.create(
            dict(
                base,
                item_type="resource",
                name="Worksheet",
                attachment_ids=[
                    (
                        0,
                        0,
                        {
                            "name": f"{XSS}.pdf",
                            "raw": PDF_BYTES,
                        },
                    )
                ],
            )
        )
        cls.instructions = Item.create(
            dict(base, item_type="instructions", name="Read me", description="<p>Hello<img src=x onerror=alert(1)></p>")
        )
        cls.portal = cls.client.client_portal_id
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]
        cls.other_item = Item.create(
            {
                "partner_id": cls.client_other.id,
                "item_type": "resource",
                "name": "Oscar's",
                "attachment_ids": [(0, 0, {"name": "oscar.pdf", "raw": PDF_BYTES})],
            }
        )
        cls.other_key = cls.client_other.client_portal_id._new_access_url().rsplit("/", 1)[1]

    def _get(self, path, **kw):
        return self.url_open(path, allow_redirects=False, **kw)

    def _upload(self, item, files, note="my note", csrf=True, key=None):
        self.authenticate(None, None)
        data = {"note": note}
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(
            f"/portal/{key or self.key}/item/{item.id}/upload",
            data=data,
            files=[("files", (name, content)) for name, content in files],
            allow_redirects=False,
        )

    def _assert_headers(self, response):
        for header, value in dict(PORTAL_HEADERS, **{CSP: portal_csp(response.content)}).items():
            self.assertEqual(response.headers.get(header), value, header)

    def test_portal_home_shows_the_clients_items_with_headers(self):
        response = self._get(f"/portal/{self.key}")
        self.assertEqual(response.status_code, 200)
        self._assert_headers(response)
        page = response.text
        for text in (
            "Hello Client Carla",
            "To do",
            "Shared with you",
            "Completed",
            "Upcoming appointments",
            "Intake",
            "ID card",
            "Worksheet",
            "Read me",
        ):
            self.assertIn(text, page)
        self.assertNotIn("Oscar", page)
        self.assertIn('rel="noopener noreferrer"', page)
        self.assertNotIn("fonts.gstatic.com", page, "no connection to other origins")
        self.assertIn("font-src 'self'", response.headers["Content-Security-Policy"])
        self.assertIn("portal_viewed", self.portal.activity_log_ids.mapped("event_type"))
        self.assertTrue(self.portal.link_ids.last_used_at)

    def test_user_input_is_escaped_everywhere(self):
        page = self._get(f"/portal/{self.key}").text
        self.assertNotIn("<svg onload", page)
        self.assertNotIn("onerror=alert", page)
        self.assertIn("&#34;&gt;&lt;svg onload=alert(1)&gt;", page)
        mail_body = (
            self.env["mail.template"]
            .browse(self.env.ref("serene_client_portal.mail_template_portal_items").id)
            ._render_field("body_html", self.portal.ids)[self.portal.id]
        )
        self.assertNotIn("<svg", str(mail_body))

    def test_invalid_keys_get_one_and_the_same_answer(self):
        revoked_key = self.portal._new_access_url().rsplit("/", 1)[1]
        self.portal.link_ids.filtered(lambda link: link.fingerprint)[0].action_revoke()
        expired_key = self.portal._new_access_url(expiry_days=1).rsplit("/", 1)[1]
        self.valid_link(expired_key).sudo().expires_at = fields.Datetime.now() - timedelta(seconds=1)
        answers = set()
        for key in ("random-" + "x" * 36, "1", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", revoked_key, expired_key):
            response = self._get(f"/portal/{key}")
            self._assert_headers(response)
            answers.add((response.status_code, response.headers["Location"], response.text))
        self.assertEqual(len(answers), 1, "status, location and body are identical")
        status, location, _body = answers.pop()
        self.assertEqual(status, 303)
        self.assertTrue(location.endswith("/portal/link-not-valid"))
        page = self._get("/portal/link-not-valid")
        self.assertEqual(page.status_code, 404)
        self._assert_headers(page)
        self.assertIn("This link is not valid", page.text)
        self.assertIn("Email me a new link", page.text)

    def test_valid_key_with_another_clients_ids_gives_nothing(self):
        other_attachment = self.other_item.attachment_ids
        paths = [
            f"/portal/{self.key}/item/{self.other_item.id}/file/{other_attachment.id}",
            f"/portal/{self.key}/item/{self.resource.id}/file/{other_attachment.id}",
            f"/portal/{self.key}/item/{self.other_item.id}/form",
            f"/portal/{self.other_key}/item/{self.resource.id}/file/{self.resource.attachment_ids.id}",
        ]
        for path in paths:
            with self.subTest(path=path):
                response = self._get(path)
                self.assertIn(response.status_code, (303, 404))
                self.assertNotIn(b"%PDF", response.content)
                self._assert_headers(response)
        # An answer token of another client's form does not open it through this portal.
        other_form = self.env["serene.portal.item"].create(
            {
                "partner_id": self.client_other.id,
                "item_type": "intake_form",
                "survey_id": self.survey_intake.id,
            }
        )
        response = self._get(f"/portal/{self.key}/item/{other_form.id}/form")
        self.assertEqual(response.status_code, 404)
        self.assertIn("This item is not available", response.text)
        self.assertNotIn("Oscar", response.text)
        self.assertFalse(other_form.user_input_id)
        # Another client's answer token given to this client's form is ignored: own answers only.
        other_answer = other_form.sudo()._portal_start_form()
        response = self._get(f"/portal/{self.key}/item/{self.form.id}/form?answer_token={other_answer.access_token}")
        self.assertEqual(response.status_code, 303)
        self.assertNotIn(other_answer.access_token, response.headers["Location"])
        self.assertEqual(self.form.user_input_id.partner_id, self.client)

    def test_resource_download_is_an_attachment_and_logged(self):
        attachment = self.resource.attachment_ids
        response = self._get(f"/portal/{self.key}/item/{self.resource.id}/file/{attachment.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, PDF_BYTES)
        self.assertTrue(response.headers["Content-Disposition"].startswith("attachment"))
        self.assertEqual(response.headers["Content-Type"], "application/octet-stream")
        self._assert_headers(response)
        self.assertIn("resource_downloaded", self.portal.activity_log_ids.mapped("event_type"))

    def test_form_start_redirects_to_the_clients_own_answers(self):
        response = self._get(f"/portal/{self.key}/item/{self.form.id}/form")
        self.assertEqual(response.status_code, 303)
        answer = self.form.user_input_id
        self.assertEqual(answer.partner_id, self.client)
        self.assertIn(answer.access_token, response.headers["Location"])
        self.assertEqual(self.form.state, "in_progress")
        # Resuming gives the same answers.
        self._get(f"/portal/{self.key}/item/{self.form.id}/form")
        self.assertEqual(self.form.user_input_id, answer)

    def test_upload_good_files(self):
        response = self._upload(self.request_item, [("scan.png", PNG_BYTES), ("letter.pdf", PDF_BYTES)])
        self.assertEqual(response.status_code, 303, response.text[:500])
        self.assertEqual(len(self.request_item.attachment_ids), 2)
        self.assertEqual(self.request_item.state, "in_progress")
        self.assertIn("document_uploaded", self.portal.activity_log_ids.mapped("event_type"))
        page = self._get(f"/portal/{self.key}").text
        self.assertIn("scan.png", page)

    @mute_logger("odoo.http")
    def test_upload_refusals_keep_input_and_store_nothing(self):
        Attachment = self.env["ir.attachment"].sudo()
        before = Attachment.search_count([])
        cases = [
            ([("scan.png", HTML_AS_PNG)], "is not a file this request accepts"),
            ([("big.pdf", PDF_BYTES + b"0" * (1024 * 1024))], "too large"),
            (
                [("good.pdf", PDF_BYTES), ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')],
                "is not a file this request accepts",
            ),
        ]
        for files, message in cases:
            with self.subTest(message=message):
                response = self._upload(self.request_item, files, note="keep <b>this</b> note")
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertIn("keep &lt;b&gt;this&lt;/b&gt; note", response.text, "the client's note is kept")
                self._assert_headers(response)
        self.assertEqual(Attachment.search_count([]), before)
        self.assertEqual(self.request_item.state, "assigned")
        refused = self.portal.activity_log_ids.filtered(lambda a: a.event_type == "upload_rejected")
        self.assertEqual(len(refused), 3)

    @mute_logger("odoo.http")
    def test_post_without_csrf_is_refused(self):
        Attachment = self.env["ir.attachment"].sudo()
        before = Attachment.search_count([])
        response = self._upload(self.request_item, [("scan.png", PNG_BYTES)], csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Attachment.search_count([]), before)
        response = self.url_open("/portal/request-link", data={"email": "carla@example.com"}, allow_redirects=False)
        self.assertEqual(response.status_code, 400)

    def test_request_link_never_tells_whether_the_address_matched(self):
        self.authenticate(None, None)
        Mail = self.env["mail.mail"].sudo()
        before = Mail.search_count([("serene_portal_id", "!=", False)])
        bodies = []
        for email in ("carla@example.com", "nobody@example.com", "not an email", "Carla@Example.com"):
            response = self.url_open(
                "/portal/request-link",
                data={
                    "email": email,
                    "csrf_token": http.Request.csrf_token(self),
                },
            )
            self.assertEqual(response.status_code, 200)
            # The page's own content; the website's shell around it carries per-request asset URLs.
            bodies.append(MAIN.search(response.text).group(0))
        self.assertEqual(len(set(bodies)), 1)
        self.assertIn("If this address is on file", bodies[0])
        self.assertEqual(Mail.search_count([("serene_portal_id", "!=", False)]), before, "sent after the response")
        self.env["serene.portal.link.request"]._cron_send_requested_links()
        self.assertEqual(
            Mail.search_count([("serene_portal_id", "!=", False)]) - before,
            1,
            "one email for the matching address, and not again within 10 minutes",
        )

    def test_staff_preview(self):
        self.authenticate("t_owner", "t_owner")
        response = self._get(f"/portal/preview/{self.portal.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Staff preview", response.text)
        self.assertIn("Hello Client Carla", response.text)
        self._assert_headers(response)
        self.assertIn("staff_preview", self.portal.activity_log_ids.mapped("event_type"))
        for login in ("t_team", "t_manager"):
            self.authenticate(login, login)
            self.assertEqual(self._get(f"/portal/preview/{self.portal.id}").status_code, 200, login)
        for login in ("t_other", "t_internal", "t_manager2"):
            self.authenticate(login, login)
            with mute_logger("odoo.http"):
                self.assertEqual(self._get(f"/portal/preview/{self.portal.id}").status_code, 404, login)
        self.authenticate(None, None)
        response = self._get(f"/portal/preview/{self.portal.id}")
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_failed_lookups_are_throttled_per_ip(self):
        for n in range(10):
            self.assertEqual(self._get(f"/portal/wrong-{n}").status_code, 303)
        response = self._get(f"/portal/{self.key}")
        self.assertEqual(response.status_code, 429, "even a valid key waits out the lock")
        with freeze_time(fields.Datetime.now() + timedelta(minutes=30)):
            self.assertEqual(self._get(f"/portal/{self.key}").status_code, 200)

    def test_keys_never_reach_the_log(self):
        self.assertIn(
            True,
            [type(f).__name__ == "RedactPortalTokens" for f in logging.getLogger("werkzeug").filters],
        )
        line = logged_request_line(f"/portal/{self.key}/item/3/form")
        self.assertNotIn(self.key, line)
        self.assertIn("/portal/[key]/item/3/form", line)

    def test_page_queries_do_not_grow_with_items(self):
        def count_queries():
            self._get(f"/portal/{self.key}")  # warm-up
            self.env.invalidate_all()
            with self.assertQueryCount(PORTAL_PAGE_QUERIES):
                response = self._get(f"/portal/{self.key}")
            self.assertEqual(response.status_code, 200)
            return len(response.text)

        self.client.portal_item_limit = 200
        Item = self.env["serene.portal.item"]
        Item.create(
            [
                {"partner_id": self.client.id, "item_type": "link", "name": f"L{n}", "url": "https://e.com"}
                for n in range(5 - len(self.portal.item_ids))
            ]
        )
        self.assertEqual(len(self.portal.item_ids), 5)
        page_5 = count_queries()
        Item.create(
            [
                {
                    "partner_id": self.client.id,
                    "item_type": "link" if n % 2 else "document_request",
                    "name": f"M{n}",
                    "url": "https://e.com",
                }
                for n in range(95)
            ]
        )
        self.assertEqual(len(self.portal.item_ids), 100)
        page_100 = count_queries()
        self.assertGreater(page_100, page_5 * 5, "the 100 items are on the page")


@tagged("post_install", "-at_install", "serene", "security")
class TestPortalIdentityCheck(MockEmail, SereneCase, HttpCase):
    """The practice's optional identity check: date of birth and/or a one-time code."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.serene_birthdate = "1990-04-12"
        cls.item = cls.env["serene.portal.item"].create(
            {
                "partner_id": cls.client.id,
                "item_type": "document_request",
                "name": "ID card",
                "accepted_kind_ids": cls._kinds("pdf"),
            }
        )
        cls.portal = cls.client.client_portal_id
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)

    def _verify(self, **data):
        data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(f"/portal/{self.key}/verify", data=data, allow_redirects=False)

    def test_off_by_default(self):
        self.assertEqual(self.url_open(f"/portal/{self.key}").status_code, 200)

    def test_birthdate_gate_shows_nothing_until_passed(self):
        self.company.serene_portal_verify_birthdate = True
        for path in (f"/portal/{self.key}", f"/portal/{self.key}/item/{self.item.id}/form"):
            response = self.url_open(path, allow_redirects=False)
            self.assertEqual(response.status_code, 401)
            self.assertIn("Confirm it is you", response.text)
            self.assertNotIn("Client Carla", response.text)
            self.assertNotIn("ID card", response.text)
        response = self._verify(birthdate="1990-12-04")
        self.assertEqual(response.status_code, 403)
        self.assertIn("4 attempt(s) left", response.text)
        self.assertIn('value="1990-12-04"', response.text, "the visitor's input is kept")
        response = self._verify(birthdate="1990-04-12")
        self.assertEqual(response.status_code, 303)
        page = self.url_open(f"/portal/{self.key}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("ID card", page.text)
        events = self.portal.activity_log_ids.mapped("event_type")
        self.assertIn("verification_failed", events)
        self.assertIn("verification_passed", events)

    def test_upload_needs_the_check_too(self):
        self.company.serene_portal_verify_birthdate = True
        response = self.url_open(
            f"/portal/{self.key}/item/{self.item.id}/upload",
            data={"csrf_token": http.Request.csrf_token(self)},
            files=[("files", ("a.pdf", PDF_BYTES))],
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.item.attachment_ids)

    def test_five_failures_lock_the_link_and_tell_the_note_owner(self):
        self.company.serene_portal_verify_birthdate = True
        for _attempt in range(5):
            response = self._verify(birthdate="2000-01-01")
            self.assertEqual(response.status_code, 403)
        self.assertIn("locked for 30 minutes", response.text)
        response = self._verify(birthdate="1990-04-12")
        self.assertEqual(response.status_code, 403, "locked even with the right answer")
        todo = self.client.client_portal_id.activity_ids.filtered(lambda a: a.user_id == self.user_owner)
        self.assertIn("locked", todo.summary)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=31)):
            self.assertEqual(self._verify(birthdate="1990-04-12").status_code, 303)

    def test_one_time_code_by_email(self):
        self.company.serene_portal_verify_code = "email"
        with self.mock_mail_gateway(mail_unlink_sent=True):
            response = self._verify(send_code="1")
        self.assertEqual(response.status_code, 200)
        self.assertIn("a code is on its way", response.text)
        sent = [mail for mail in self._mails if "portal code" in mail["subject"]]
        self.assertEqual(len(sent), 1, "sent right after the request, not left for the mail queue")
        self.assertEqual(sent[0]["email_to"], ['"Client Carla" <carla@example.com>'])
        self.assertFalse(
            self.env["mail.mail"].sudo().search([("serene_portal_id", "=", self.portal.id)]), "no copy left behind"
        )
        code = re.search(r"\b(\d{6})\b", sent[0]["body"]).group(1)
        self.assertNotIn(code, str(self.portal.link_ids.sudo().mapped("code_hash")), "only a hash is stored")
        self.assertIn("wait a minute", self._verify(send_code="1").text)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        self.assertEqual(self._verify(code=wrong).status_code, 403)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=11)):
            self.assertEqual(self._verify(code=code).status_code, 403, "expired after 10 minutes")
        self.assertEqual(self._verify(code=code).status_code, 303)
        self.assertEqual(self.url_open(f"/portal/{self.key}").status_code, 200)
