"""No surprise lock-outs: with the date-of-birth check on, a client without one on file is sent a
code instead; a client the check cannot reach at all is told whom to contact, and never let in
without a check. Settings say how many clients have no date of birth."""

import re

from odoo import http
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import SereneCase


@tagged("post_install", "-at_install", "serene", "security")
class TestIdentityCheckFallback(MockEmail, SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"serene_portal_verify_birthdate": True, "phone": "+32 2 555 01 02"})
        cls.item = cls.env["serene.portal.item"].create(
            {"partner_id": cls.client.id, "item_type": "link", "name": "Sleep diary", "url": "https://example.com"}
        )
        cls.portal = cls.client.client_portal_id
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)

    def _verify(self, **data):
        data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(f"/portal/{self.key}/verify", data=data, allow_redirects=False)

    def _queued(self):
        """Codes and messages queued for this client's portal."""
        return self.env["mail.mail"].sudo().search_count([("serene_portal_id", "=", self.portal.id)]) + self.env[
            "sms.sms"
        ].sudo().search_count([("serene_portal_id", "=", self.portal.id)])

    def test_a_client_without_a_birthdate_is_sent_a_code_instead(self):
        self.assertFalse(self.client.sudo().serene_birthdate_value)
        page = self.url_open(f"/portal/{self.key}", allow_redirects=False)
        self.assertEqual(page.status_code, 401)
        self.assertNotIn('name="birthdate"', page.text, "no question the client cannot answer")
        self.assertIn('name="code"', page.text)
        self.assertNotIn("Sleep diary", page.text)
        self.assertEqual(self._verify(birthdate="1990-04-12").status_code, 403, "no entry without the code")
        with self.mock_mail_gateway(mail_unlink_sent=True):
            response = self._verify(send_code="1")
        self.assertIn("a code is on its way", response.text)
        sent = [mail for mail in self._mails if "portal code" in mail["subject"]]
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["email_to"], ['"Client Carla" <carla@example.com>'])
        code = re.search(r"\b(\d{6})\b", sent[0]["body"]).group(1)
        self.assertEqual(self._verify(code=code).status_code, 303)
        self.assertIn("Sleep diary", self.url_open(f"/portal/{self.key}").text)

    def test_a_client_with_a_birthdate_is_asked_for_it(self):
        self.client.serene_birthdate = "1990-04-12"
        # A change of contact details ends the client's links: a fresh one.
        self.key = self.portal._new_access_url().rsplit("/", 1)[1]
        page = self.url_open(f"/portal/{self.key}", allow_redirects=False)
        self.assertIn('name="birthdate"', page.text)
        self.assertNotIn('name="code"', page.text, "the practice asked for the date of birth only")
        self.assertEqual(self._verify(birthdate="1990-04-12").status_code, 303)

    def test_a_client_with_nothing_on_file_is_told_whom_to_contact(self):
        self.client.write({"email": False, "phone": False})
        self.key = self.portal._new_access_url().rsplit("/", 1)[1]
        page = self.url_open(f"/portal/{self.key}", allow_redirects=False)
        self.assertEqual(page.status_code, 401)
        self.assertIn("Please contact", page.text)
        self.assertIn("+32 2 555 01 02", page.text)
        self.assertNotIn("Sleep diary", page.text)
        links = self.portal.link_ids.sudo()
        for data in ({"birthdate": "1990-04-12"}, {"code": "000000"}, {}):
            response = self._verify(**data)
            self.assertEqual(response.status_code, 403, "never in without a check")
            self.assertIn("Please contact", response.text)
        self._verify(send_code="1")
        self.assertEqual(self._queued(), 0, "no code sent to nowhere")
        self.assertEqual(sum(links.mapped("failed_checks")), 0, "not counted against the client: no lock-out")
        self.assertFalse(any(links.mapped("locked_until")))
        self.assertEqual(self.url_open(f"/portal/{self.key}", allow_redirects=False).status_code, 401)

    def test_settings_say_how_many_clients_have_no_birthdate(self):
        Partner = self.env["res.partner"]

        def counts():
            settings = self.env["res.config.settings"].with_user(self.env.ref("base.user_admin")).create({})
            return settings.serene_clients_without_birthdate, settings.serene_clients_unreachable

        before = counts()
        without = Partner.create({"name": "No Birthdate Nell", "is_client": True, "email": "nell@example.com"})
        nothing = Partner.create({"name": "Nothing Ned", "is_client": True})
        dated = Partner.create({"name": "Dated Dora", "is_client": True, "email": "dora@example.com"})
        dated.serene_birthdate = "1980-01-01"
        (without | nothing | dated).sudo()._serene_get_or_create_portals()
        self.assertEqual(counts(), (before[0] + 2, before[1] + 1))
        arch = self.env["res.config.settings"].with_user(self.env.ref("base.user_admin")).get_view()["arch"]
        self.assertIn('name="serene_clients_without_birthdate"', arch, "shown in Settings")
