"""Links that keep working and do not pile up, and a "Resend portal link" that says what
really happened."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import SereneTransactionCase


@tagged("post_install", "-at_install", "serene")
class TestLinks(SereneTransactionCase):
    def _live(self, portal):
        return portal.link_ids.filtered(lambda link: link._get_state() == "valid")

    def test_a_client_has_at_most_three_live_links(self):
        portal = self._add().portal_id
        keys = [portal._new_access_url().rsplit("/", 1)[1] for _n in range(4)]
        self.assertEqual(len(self._live(portal)), 3)
        Link = self.env["serene.portal.link"]
        self.assertFalse(Link._find_valid(keys[0]), "the oldest gave way")
        self.assertTrue(all(Link._find_valid(key) for key in keys[1:]))

    def test_a_link_in_use_stays_valid_from_its_last_use(self):
        portal = self._add().portal_id
        key = portal._new_access_url().rsplit("/", 1)[1]
        Link = self.env["serene.portal.link"]
        start = fields.Datetime.now()
        with freeze_time(start + timedelta(days=25)):
            Link._find_valid(key)._touch()
        with freeze_time(start + timedelta(days=50)):
            self.assertTrue(Link._find_valid(key), "used on day 25: valid until day 55")
        with freeze_time(start + timedelta(days=56)):
            self.assertFalse(Link._find_valid(key))
        self.company.serene_portal_link_sliding = False
        other = portal._new_access_url().rsplit("/", 1)[1]
        with freeze_time(start + timedelta(days=25)):
            Link._find_valid(other)._touch()
        with freeze_time(start + timedelta(days=31)):
            self.assertFalse(Link._find_valid(other), "without sliding: 30 days from creation")

    def test_dead_links_are_removed_and_their_audit_rows_stay(self):
        portal = self._add().portal_id
        portal._new_access_url()
        link = portal.link_ids
        fingerprint = link.fingerprint
        link.action_revoke()
        Link = self.env["serene.portal.link"]
        with freeze_time(fields.Datetime.now() + timedelta(days=89)):
            Link._cron_remove_dead_links()
        self.assertTrue(link.exists())
        with freeze_time(fields.Datetime.now() + timedelta(days=91)):
            Link._cron_remove_dead_links()
        self.assertFalse(link.exists())
        trail = portal.sudo().activity_log_ids.filtered(lambda a: a.key_fingerprint == fingerprint)
        self.assertEqual(set(trail.mapped("event_type")), {"link_sent", "link_revoked"})


@tagged("post_install", "-at_install", "serene")
class TestResendSaysWhatHappened(MockEmail, SereneTransactionCase):
    def _resend(self):
        return self.client.with_user(self.user_owner).action_client_portal_resend_link()

    def _queued(self):
        portal = self.client.client_portal_id
        return self.env["mail.mail"].sudo().search([("serene_portal_id", "=", portal.id)]) if portal else []

    def test_sent_to_which_address(self):
        action = self._resend()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("carla@example.com", action["params"]["message"])
        self.assertEqual(len(self._queued()), 1)

    def test_why_not_and_a_link_to_copy(self):
        cases = [
            ({"serene_portal_notify_email": False}, None, "turned off"),
            ({}, {"email": False}, "no email address"),
            ({}, "blacklist", "opted out"),
        ]
        for company_vals, client_vals, reason in cases:
            with self.subTest(reason=reason):
                self.company.write(dict({"serene_portal_notify_email": True}, **company_vals))
                if client_vals == "blacklist":
                    self.client.email = "carla@example.com"
                    self.env["mail.blacklist"].sudo()._add("carla@example.com")
                elif client_vals:
                    self.client.write(client_vals)
                action = self._resend()
                self.assertEqual(action["tag"], "serene_portal_link_dialog")
                self.assertTrue(any(reason in text for text in action["params"]["reasons"]), action["params"])
                self.assertIn("/portal/", action["params"]["url"])
                self.assertEqual(
                    action["params"]["printAction"]["report_name"], "serene_client_portal.report_access_letter"
                )
                self.assertFalse(self._queued(), "nothing queued")
                key = action["params"]["url"].rsplit("/", 1)[1]
                self.assertTrue(self.env["serene.portal.link"]._find_valid(key), "the link to copy works")
