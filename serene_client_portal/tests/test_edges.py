"""The edges that an in-process server shows: verified visits that end, sign-out, identity
checks counted per address, IPv6 networks, completed requests, the auditor's export and the
retention clean-up. (The burst, proxy, parallel-upload and big-file cases run against a
two-worker server in tests/test_edges_server.py.)"""

import csv
import io
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import PDF_BYTES, SereneCase, SereneRpcMixin, SereneTransactionCase


@tagged("post_install", "-at_install", "serene", "security")
class TestVerifiedVisits(SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.serene_portal_verify_birthdate = True
        cls.client.serene_birthdate = "1990-04-12"
        cls.portal = (
            cls.env["serene.portal.item"]
            .create({"partner_id": cls.client.id, "item_type": "link", "name": "L", "url": "https://example.com"})
            .portal_id
        )
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]

    def _verify(self, key=None, birthdate="1990-04-12"):
        data = {"birthdate": birthdate, "csrf_token": http.Request.csrf_token(self)}
        return self.url_open(f"/portal/{key or self.key}/verify", data=data, allow_redirects=False)

    def _home(self):
        return self.url_open(f"/portal/{self.key}", allow_redirects=False).status_code

    def test_a_verified_visit_ends_when_idle_and_after_its_lifetime(self):
        self.authenticate(None, None)
        self.assertEqual(self._verify().status_code, 303)
        self.assertEqual(self._home(), 200)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=31)):
            self.assertEqual(self._home(), 401, "30 minutes idle: asked again")
        self.assertEqual(self._verify().status_code, 303)
        start = fields.Datetime.now()
        for minutes in range(20, 12 * 60, 20):  # used every 20 minutes, never idle
            with freeze_time(start + timedelta(minutes=minutes)):
                self.assertEqual(self._home(), 200)
        with freeze_time(start + timedelta(hours=12, minutes=10)):
            self.assertEqual(self._home(), 401, "12 hours: asked again")

    def test_sign_out_and_revocation_end_the_visit(self):
        self.authenticate(None, None)
        self._verify()
        self.assertEqual(self._home(), 200)
        response = self.url_open(
            f"/portal/{self.key}/sign-out", data={"csrf_token": http.Request.csrf_token(self)}, allow_redirects=False
        )
        self.assertIn("You are signed out", response.text)
        self.assertEqual(self._home(), 401)
        self._verify()
        self.portal.link_ids.action_revoke()
        self.assertEqual(self._home(), 303, "a revoked link opens nothing, verified or not")

    def test_identity_failures_count_per_address_across_links(self):
        self.authenticate(None, None)
        for _n in range(4):
            self.assertEqual(self._verify(birthdate="2000-01-01").status_code, 403)
        fresh_key = self.portal._new_access_url().rsplit("/", 1)[1]
        self.assertEqual(self._verify(key=fresh_key, birthdate="2000-01-01").status_code, 403)
        response = self._verify(key=fresh_key)
        self.assertIn("Too many attempts", response.text, "a fresh link buys no more guesses")


@tagged("post_install", "-at_install", "serene", "security")
class TestEdgesInProcess(SereneTransactionCase):
    def test_ipv6_is_counted_per_64(self):
        Throttle = self.env["serene.portal.throttle"]
        self.assertEqual(Throttle._address_key("2001:db8:1:2:aaaa::1"), Throttle._address_key("2001:db8:1:2:ffff::9"))
        self.assertNotEqual(Throttle._address_key("2001:db8:1:2::1"), Throttle._address_key("2001:db8:1:3::1"))
        self.assertEqual(Throttle._address_key("203.0.113.7"), "203.0.113.7")
        self.assertEqual(Throttle._address_key("::ffff:203.0.113.7"), "203.0.113.7")

    def test_a_completed_request_refuses_more_files(self):
        request = self._add(item_type="document_request", name="ID", accepted_kind_ids=self._kinds("pdf"))
        request.sudo()._portal_upload([("id.pdf", PDF_BYTES)])
        request.sudo()._portal_mark_done()
        with self.assertRaisesRegex(UserError, "already complete"):
            request.sudo()._portal_upload([("again.pdf", PDF_BYTES)])
        self.assertEqual(len(request.attachment_ids), 1)

    def test_settings_warn_when_the_site_is_not_https(self):
        Config = self.env["ir.config_parameter"].sudo()
        Config.set_param("web.base.url", "http://practice.example.com")
        self.assertTrue(self.env["res.config.settings"].create({}).serene_base_url_insecure)
        Config.set_param("web.base.url", "https://practice.example.com")
        self.assertFalse(self.env["res.config.settings"].create({}).serene_base_url_insecure)


@tagged("post_install", "-at_install", "serene", "security")
class TestAuditorsExport(SereneRpcMixin, SereneCase, HttpCase):
    def _export(self, user, **values):
        """Export CSV as ``user`` in the web client, answering the password prompt."""
        self.authenticate(user.login, user.login)
        wizard = self.rpc("serene.portal.activity.export", "create", None, values)["result"]
        answer = self.rpc("serene.portal.activity.export", "action_export", [wizard])
        action = self.confirm_identity(answer, user.login)["result"]
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        return list(csv.reader(io.StringIO(attachment.raw.decode())))

    def test_managers_export_a_client_or_the_practice_and_the_export_is_logged(self):
        self._add()
        self._add(partner=self.client_other, user=self.user_other)
        rows = self._export(self.user_manager, partner_id=self.client.id)
        self.assertEqual(rows[0][:3], ["When (UTC)", "Event", "Client"])
        self.assertEqual({row[2] for row in rows[1:]}, {"Client Carla"})
        self.assertIn("Item added", {row[1] for row in rows[1:]})
        practice = self._export(self.user_manager)
        self.assertLessEqual({"Client Carla", "Client Oscar"}, {row[2] for row in practice[1:]})
        logged = self.env["serene.portal.activity"].search([("event_type", "=", "audit_exported")])
        self.assertEqual(len(logged), 2)
        self.assertEqual(logged.user_id, self.user_manager)

    def test_only_managers_export(self):
        for user in (self.user_owner, self.user_team):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                self.skip_identity_prompt()
                answer = self.rpc("serene.portal.activity.export", "create", None, {})
                self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)

    def test_retention_removes_old_activity_and_logs_it(self):
        portal = self._add().portal_id
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE serene_portal_activity SET event_at = now() - interval '7 years' WHERE portal_id = %s", [portal.id]
        )
        old = self.env["serene.portal.activity"].search_count([("portal_id", "=", portal.id)])
        self.assertTrue(old)
        self.env["serene.portal.activity"]._cron_apply_retention()
        self.assertFalse(self.env["serene.portal.activity"].search_count([("portal_id", "=", portal.id)]))
        cleanup = self.env["serene.portal.activity"].search([("event_type", "=", "retention_cleanup")])
        self.assertIn(f"{old} events before", cleanup.detail)
