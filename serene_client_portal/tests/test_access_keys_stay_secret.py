"""Keys and codes exist only as hashes: the outgoing mail or SMS is the only copy."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import SereneTransactionCase


@tagged("post_install", "-at_install", "serene", "security")
class TestKeysOnlyAsHashes(MockEmail, SereneTransactionCase):
    def _portal_mails(self, portal):
        return self.env["mail.mail"].sudo().search([("serene_portal_id", "=", portal.id)])

    def test_the_link_email_is_the_only_copy_and_goes_once_sent(self):
        portal = self._add().portal_id
        self.client.with_user(self.user_owner).action_client_portal_resend_link()
        mail = self._portal_mails(portal)
        self.assertEqual(len(mail), 1)
        message = mail.mail_message_id
        self.assertFalse(message.model, "the mail hangs on no document")
        Message = self.env["mail.message"]
        for user in (self.user_team, self.user_manager, self.user_other):
            with self.subTest(user=user.login):
                self.assertFalse(Message.with_user(user).search([("body", "ilike", "/portal/")]))
        self.assertFalse(portal.message_ids.filtered(lambda m: "/portal/" in str(m.body)))
        with self.mock_mail_gateway(mail_unlink_sent=True):
            mail.send()
        self.assertFalse(mail.exists(), "deleted once sent")
        self.assertFalse(message.exists())

    def test_a_code_email_given_up_is_deleted(self):
        portal = self._add().portal_id
        self.company.serene_portal_verify_code = "email"
        key = portal._new_access_url().rsplit("/", 1)[1]
        link = self.valid_link(key)
        with self.mock_mail_gateway(mail_unlink_sent=True):
            link._send_identity_code()
        self.assertEqual(len(self._mails), 1, "sent right after the commit")
        self.assertFalse(self._portal_mails(portal), "and deleted once sent")
        self.assertTrue(link.code_hash)
        # A code mail the server refused, while the code was valid.
        failed = (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": "Your portal code",
                    "body_html": "<p>123456</p>",
                    "email_to": "carla@example.com",
                    "state": "exception",
                    "serene_valid_until": fields.Datetime.now() + timedelta(minutes=10),
                    "serene_portal_id": portal.id,
                    "serene_notification_id": self.env["serene.portal.notification"]
                    ._track(portal, "email", "code", "carla@example.com")
                    .id,
                }
            )
        )
        with freeze_time(fields.Datetime.now() + timedelta(minutes=11)):
            self.env["serene.portal.notification"]._cron_retry_failed_notifications()
        self.assertFalse(failed.exists(), "a code that could not go out in time is never sent later")
        self.assertFalse(portal.activity_ids)

    def test_a_failed_text_message_is_deleted(self):
        portal = self._add().portal_id
        self.company.serene_portal_notify_sms = True
        portal._send_access_link()
        sms = self.env["sms.sms"].sudo().search([("serene_portal_id", "=", portal.id)])
        self.assertEqual(len(sms), 1)
        self.assertIn("/portal/", sms.body)
        sms.write({"state": "error", "failure_type": "sms_server"})
        self.env.flush_all()
        with freeze_time(fields.Datetime.now() + timedelta(minutes=30)):
            self.env["serene.portal.notification"]._cron_retry_failed_notifications()
        self.assertEqual(sms.state, "outgoing", "a server error is retried, like an email")
        self.assertFalse(portal.activity_ids)
        sms.write({"state": "error", "failure_type": "sms_server"})
        self.env.flush_all()
        with freeze_time(fields.Datetime.now() + timedelta(days=2)):
            self.env["serene.portal.notification"]._cron_retry_failed_notifications()
        self.assertFalse(sms.exists(), "given up after a day: the only copy of the link is deleted")
        self.assertTrue(portal.activity_ids.filtered(lambda a: "text message" in a.summary))

    def test_a_text_message_to_a_wrong_number_is_given_up_at_once(self):
        portal = self._add().portal_id
        self.company.serene_portal_notify_sms = True
        portal._send_access_link()
        sms = self.env["sms.sms"].sudo().search([("serene_portal_id", "=", portal.id)])
        sms.write({"state": "error", "failure_type": "sms_number_format"})
        self.env["serene.portal.notification"]._cron_retry_failed_notifications()
        self.assertFalse(sms.exists())
        self.assertEqual(portal.activity_ids.user_id, self.user_owner)
