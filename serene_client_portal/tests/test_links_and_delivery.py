"""Links that keep working and do not pile up, and a "Resend portal link" that says what
really happened."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import SereneCase, SereneRpcMixin, SereneTransactionCase


@tagged("post_install", "-at_install", "serene")
class TestLinks(SereneTransactionCase):
    def _live(self, portal):
        return portal.link_ids.filtered(lambda link: link._get_state() == "valid")

    def test_a_client_has_at_most_three_live_links(self):
        portal = self._add().portal_id
        keys = [portal._new_access_url().rsplit("/", 1)[1] for _n in range(4)]
        self.assertEqual(len(self._live(portal)), 3)
        self.assertFalse(self.valid_link(keys[0]), "the oldest gave way")
        self.assertTrue(all(self.valid_link(key) for key in keys[1:]))

    def test_a_link_in_use_stays_valid_from_its_last_use(self):
        portal = self._add().portal_id
        key = portal._new_access_url().rsplit("/", 1)[1]
        start = fields.Datetime.now()
        with freeze_time(start + timedelta(days=25)):
            self.valid_link(key)._touch()
        with freeze_time(start + timedelta(days=50)):
            self.assertTrue(self.valid_link(key), "used on day 25: valid until day 55")
        with freeze_time(start + timedelta(days=56)):
            self.assertFalse(self.valid_link(key))
        self.company.serene_portal_link_sliding = False
        other = portal._new_access_url().rsplit("/", 1)[1]
        with freeze_time(start + timedelta(days=25)):
            self.valid_link(other)._touch()
        with freeze_time(start + timedelta(days=31)):
            self.assertFalse(self.valid_link(other), "without sliding: 30 days from creation")

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
class TestResendSaysWhatHappened(MockEmail, SereneRpcMixin, SereneCase, HttpCase):
    def _resend(self):
        """Resend portal link as the note owner in the web client, answering the password prompt
        that a link shown to copy brings."""
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc("res.partner", "action_client_portal_resend_link", self.client.ids)
        if answer["result"].get("res_model") == "res.users.identitycheck":
            answer = self.confirm_identity(answer, "t_owner")
        return answer["result"]

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
                self.assertTrue(self.valid_link(key), "the link to copy works")


@tagged("post_install", "-at_install", "serene")
class TestRequestedLinks(MockEmail, SereneTransactionCase):
    """ "Email me a new link" requests, answered together by their scheduled action."""

    def _answer(self, *emails):
        Request = self.env["serene.portal.link.request"].sudo()
        Request.create([{"email": email} for email in emails])
        with self.mock_mail_gateway(mail_unlink_sent=False):
            Request._cron_send_requested_links()
        self.assertFalse(Request.search_count([]), "every request answered")

    def _portal_mails(self, portal):
        return self.env["mail.mail"].sudo().search([("serene_portal_id", "=", portal.id)])

    def test_each_matching_client_once_with_their_own_link(self):
        carla = self._add().portal_id
        oscar = self._add(partner=self.client_other, user=self.user_manager).portal_id
        self._answer(
            "carla@example.com", "oscar@example.com", "carla@example.com", "nobody@example.com", "not an email"
        )
        for portal in (carla, oscar):
            mail = self._portal_mails(portal)
            self.assertEqual(len(mail), 1, "one email, however many requests")
            self.assertFalse(mail.model, "hangs on no document")
            self.assertEqual(mail.recipient_ids, portal.partner_id)
            self.assertEqual(mail.serene_notification_id.kind, "link")
            key = str(mail.body_html).split("/portal/", 1)[1].split('"', 1)[0]
            self.assertEqual(self.valid_link(key).portal_id, portal, "their own link")
            requested = portal.sudo().activity_log_ids.filtered(lambda a: a.event_type == "link_requested")
            self.assertEqual(len(requested), 1)
        self._answer("carla@example.com")
        self.assertEqual(len(self._portal_mails(carla)), 1, "not again within 10 minutes")

    def test_at_most_five_clients_an_address(self):
        Partner = self.env["res.partner"]
        shared = Partner.create(
            [
                {
                    "name": f"Sibling {n}",
                    "email": "family@example.com",
                    "company_id": self.company.id,
                    "is_client": True,
                }
                for n in range(6)
            ]
        )
        portals = shared.sudo()._serene_get_or_create_portals()
        self._answer("Family@Example.com")
        answered = portals.filtered(self._portal_mails)
        self.assertEqual(answered, portals.sorted("id", reverse=True)[:5], "the five newest portals")
