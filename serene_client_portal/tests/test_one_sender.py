"""One sender for every message of the addon (serene.portal.notification._send): each kind of
message to a client or a note owner goes through it, in the recipient's language, with its
delivery row, and is retried and given up the same way."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged
from odoo.tools.translate import LazyTranslate

from odoo.addons.mail.tests.common import MockEmail

from .common import SereneTransactionCase

_lt = LazyTranslate(__name__)


@tagged("post_install", "-at_install", "serene")
class TestOneSender(MockEmail, SereneTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        # The client reads the languages the practice's website offers.
        cls.env["website"].search([("company_id", "=", cls.company.id)]).language_ids |= cls.env["res.lang"]._lang_get(
            "fr_FR"
        )
        # The client reads French, their note owner English; the practice's French texts, as a
        # translation of the templates would give them.
        cls.client.lang = "fr_FR"
        cls.user_owner.lang = "en_US"
        for xmlid, field, french in (
            ("mail_template_portal_items", "subject", "{{ object.company_id.name }} : votre portail client"),
            ("mail_template_identity_code", "subject", "Votre code du portail {{ object.company_id.name }}"),
            ("sms_template_portal_link", "body", "Votre lien : {{ ctx.get('portal_url') }}"),
            ("mail_template_note_owner_urgent", "subject", "Urgent : un formulaire attend"),
        ):
            cls.env.ref(f"serene_client_portal.{xmlid}").update_field_translations(field, {"fr_FR": french})
        cls.company.write({"serene_portal_notify_sms": True, "serene_portal_verify_code": "email"})

    def setUp(self):
        super().setUp()
        self.portal = self.client._serene_get_or_create_portals()

    def _queued(self, row):
        """The queue rows (emails, text messages) of a delivery row."""
        return (
            self.env["mail.mail"].sudo().search([("serene_notification_id", "=", row.id)]),
            self.env["sms.sms"].sudo().search([("serene_notification_id", "=", row.id)]),
        )

    def _rows(self, kind):
        return self.env["serene.portal.notification"].sudo().search([("kind", "=", kind)])

    def test_every_kind_of_message_goes_through_the_sender_in_the_recipients_language(self):
        item = self._add()
        self.portal._send_access_link()
        self.portal._send_access_links(items=item)
        self.portal._send_access_links(items=item, reminder=True)
        link = self.valid_link(self.portal._new_access_url().rsplit("/", 1)[1])
        link._send_identity_code()
        self.env["calendar.event"].with_user(self.user_owner).create(
            {
                "name": "Session",
                "start": fields.Datetime.now() + timedelta(days=2),
                "stop": fields.Datetime.now() + timedelta(days=2, hours=1),
                "partner_ids": [(6, 0, self.client.ids)],
            }
        )
        self.portal._notify_note_owner(_lt("Urgent: a form needs your attention today"), urgent=True)
        self.user_owner._serene_queue_digest("weekly", [])

        for kind, channels in (
            ("link", {"email", "sms"}),
            ("items", {"email", "sms"}),
            ("reminder", {"email", "sms"}),
            ("code", {"email"}),
            ("appointment", {"email"}),
            ("urgent", {"email"}),
            ("digest", {"email"}),
        ):
            rows = self._rows(kind)
            self.assertEqual(set(rows.mapped("channel")), channels, kind)
            for row in rows.filtered(lambda r: r.kind not in ("code", "urgent")):  # those left at once
                mails, texts = self._queued(row)
                self.assertEqual(len(mails) + len(texts), 1, f"{kind}: its queue row carries its delivery row")

        link_mail = self._queued(self._rows("link").filtered(lambda r: r.channel == "email"))[0]
        self.assertTrue(link_mail.subject.endswith(": votre portail client"), link_mail.subject)
        self.assertEqual(link_mail.recipient_ids, self.client)
        link_text = self._queued(self._rows("link").filtered(lambda r: r.channel == "sms"))[1]
        self.assertTrue(link_text.body.startswith("Votre lien : "), link_text.body)
        self.assertIn("/portal/", link_text.body)
        reminder_text = self._queued(self._rows("reminder").filtered(lambda r: r.channel == "sms"))[1]
        self.assertIn("a reminder", reminder_text.body, "each kind its own template (no French given for it)")
        # The note owner's messages, in English, name no client.
        urgent = self.env["mail.mail"].sudo().search([("serene_notification_id", "in", self._rows("urgent").ids)])
        sent = urgent or self._new_mails.filtered(lambda m: self.user_owner.partner_id in m.recipient_ids)
        self.assertTrue(sent)
        for mail in sent:
            self.assertTrue(mail.subject.startswith("Urgent: "), mail.subject)
            self.assertNotIn("Carla", f"{mail.subject}{mail.body_html}")
        digest = self._queued(self._rows("digest"))[0]
        self.assertEqual(digest.subject, "Your clients' portal activity this past week")
        self.assertEqual(digest.recipient_ids, self.user_owner.partner_id)

    def test_the_code_is_sent_in_the_clients_language_and_never_after_it_expired(self):
        key = self.portal._new_access_url().rsplit("/", 1)[1]
        with self.mock_mail_gateway():
            self.valid_link(key)._send_identity_code()
        self.assertEqual(len(self._mails), 1)
        self.assertTrue(self._mails[0]["subject"].startswith("Votre code du portail"), self._mails[0]["subject"])

    def test_one_backoff_and_one_give_up_for_every_kind(self):
        Notification = self.env["serene.portal.notification"]
        self.user_owner._serene_queue_digest("weekly", [])
        self.portal._send_access_link()
        digest = self._queued(self._rows("digest"))[0]
        client_mail = self._queued(self._rows("link").filtered(lambda r: r.channel == "email"))[0]
        (digest | client_mail).write({"state": "exception", "failure_reason": "421 try later"})
        self.env.flush_all()
        with freeze_time(fields.Datetime.now() + timedelta(minutes=5)):
            Notification._cron_retry_failed_notifications()
        self.assertEqual(set((digest | client_mail).mapped("state")), {"exception"}, "too early: backoff")
        with freeze_time(fields.Datetime.now() + timedelta(minutes=20)):
            Notification._cron_retry_failed_notifications()
        self.assertEqual(set((digest | client_mail).mapped("state")), {"outgoing"}, "retried alike")
        (digest | client_mail).write({"state": "exception", "failure_reason": "550 no such user"})
        self.env.flush_all()
        with freeze_time(fields.Datetime.now() + timedelta(days=2)):
            Notification._cron_retry_failed_notifications()
        self.assertFalse((digest | client_mail).exists(), "given up after a day, the queue rows deleted")
        self.assertEqual(set((self._rows("digest") | self._rows("link")).mapped("state")) - {"queued"}, {"failed"})
        todos = self.portal.activity_ids
        self.assertEqual(len(todos), 1, "one to-do: for the client's email, none for the note owner's own digest")
        self.assertEqual(todos.user_id, self.user_owner)
