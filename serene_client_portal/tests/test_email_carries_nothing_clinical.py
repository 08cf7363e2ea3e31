"""Nothing clinical leaves by email: the note owner's to-do emails (Odoo's own "assigned to you"
and the urgent alert of a risk answer) carry a neutral line and a link to the record, never the
form, the answer, the score or the client."""

from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged

from odoo.addons.serene_client_portal.demo.serene_portal_demo import PHQ9_ITEMS

from .common import SereneCase

FORM = "Mood Check Nine"
RISK_QUESTION = PHQ9_ITEMS[-1]
RISK_ANSWER = "Nearly every day"


@tagged("post_install", "-at_install", "serene", "security")
class TestEmailCarriesNothingClinical(SereneCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_owner.notification_type = "email"
        cls.survey = cls.env["serene.portal.demo"]._create_phq9({"title": FORM})

    def _notify(self):
        """The scheduled action that sends the to-dos' "assigned to you" notifications."""
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *args, **kwargs: 60.0):
            self.env["serene.client.portal"]._cron_notify_note_owners()

    def _complete(self, value):
        """The client completes the form from their portal; returns the emails queued meanwhile."""
        item = self._add(item_type="assessment", survey_id=self.survey.id)
        Mail = self.env["mail.mail"].sudo()
        last = Mail.search([], order="id desc", limit=1).id or 0
        # The client is Odoo's public user, running the portal's sudo'd code.
        answer = item.with_user(self.env.ref("base.public_user")).sudo()._portal_start_form()
        question = self.survey.question_ids.filtered(lambda q: q.title == RISK_QUESTION)
        answer._save_lines(question, question.suggested_answer_ids.filtered(lambda a: a.value == value).id)
        answer._mark_done()
        # The to-dos' "assigned to you" emails go out from the scheduled action.
        self._notify()
        return answer, Mail.search([("id", ">", last)])

    def _assert_neutral(self, mails):
        owner_mails = mails.filtered(
            lambda m: self.user_owner.partner_id in m.recipient_ids or "olga@" in (m.email_to or "")
        )
        self.assertTrue(owner_mails, "the note owner is told")
        for mail in owner_mails:
            text = f"{mail.subject}\n{mail.body_html}"
            for secret in (FORM, RISK_QUESTION, RISK_ANSWER, "Carla", "carla@example.com", "score", "Urgent: Mood"):
                self.assertNotIn(secret, text, f"an email to the note owner names {secret!r}")
            self.assertTrue("/odoo/" in text or "/mail/view?" in text, "the email links to the record")
        return owner_mails

    def test_the_urgent_alert_and_its_assignment_email_name_nothing(self):
        answer, mails = self._complete(RISK_ANSWER)
        self.assertTrue(answer.serene_risk_flag)
        owner_mails = self._assert_neutral(mails)
        self.assertGreaterEqual(len(owner_mails), 1)
        self.assertNotIn("Urgent: ", " ".join(owner_mails.mapped("subject")).replace("Urgent: a ", ""))
        # Inside Odoo the to-do still says what it is about, where the record rules apply.
        todo = self.client.client_portal_id.activity_ids.filtered(lambda a: a.user_id == self.user_owner)
        self.assertIn(FORM, todo.summary)

    def test_the_review_todo_assignment_email_names_nothing(self):
        answer, mails = self._complete("Not at all")
        self.assertFalse(answer.serene_risk_flag)
        owner_mails = self._assert_neutral(mails)
        self.assertTrue(any(self.user_owner.partner_id in m.recipient_ids for m in owner_mails), "Odoo's own email")

    def test_a_consent_signature_assignment_email_names_nothing(self):
        portal = self.client.client_portal_id or self.client._serene_get_or_create_portals()
        Mail = self.env["mail.mail"].sudo()
        last = Mail.search([], order="id desc", limit=1).id or 0
        portal.with_user(self.user_team)._notify_note_owner(
            "Consent signed: Trauma therapy consent", note="Client Carla signed this consent in their portal."
        )
        self._notify()
        mails = Mail.search([("id", ">", last)])
        owner_mails = self._assert_neutral(mails)
        for mail in owner_mails:
            self.assertNotIn("Trauma", f"{mail.subject}{mail.body_html}")

    def test_the_job_leaves_the_assignment_emails_to_the_mail_queue(self):
        """Odoo's mail queue may run at the same moment in another cron thread: the job queues its
        emails and wakes the queue, it does not send them too when it commits (the same emails
        sent twice at once, and one side failing on the concurrent update)."""
        portal = self.client.client_portal_id or self.client._serene_get_or_create_portals()
        Mail = self.env["mail.mail"].sudo()
        last = Mail.search([], order="id desc", limit=1).id or 0
        portal.with_user(self.user_team)._notify_note_owner("Consent signed: Consent", note="Signed.")
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search_count([("cron_id", "=", queue.id)])
        self._notify()
        mails = Mail.search([("id", ">", last), ("recipient_ids", "in", self.user_owner.partner_id.ids)])
        self.assertTrue(mails, "the note owner's email")
        self.assertEqual(set(mails.mapped("state")), {"outgoing"}, "left to the mail queue")
        self.assertGreater(Trigger.search_count([("cron_id", "=", queue.id)]), before, "the queue is woken")

    def test_a_failed_delivery_todo_email_names_nothing(self):
        """The to-do about a client's email that could not be sent names the client in Odoo only."""
        portal = self.client.client_portal_id or self.client._serene_get_or_create_portals()
        Mail = self.env["mail.mail"].sudo()
        last = Mail.search([], order="id desc", limit=1).id or 0
        portal._notify_note_owner("Portal email to Client Carla could not be sent", note="550 No such user")
        self._notify()
        self._assert_neutral(Mail.search([("id", ">", last)]))
        self.assertIn("Carla", portal.activity_ids[-1:].summary, "the to-do itself says who")

    def test_odoo_assignment_email_of_a_todo_on_a_client_names_nothing(self):
        """A colleague's to-do on the client's contact: Odoo's own email says only that one waits."""
        Mail = self.env["mail.mail"].sudo()
        last = Mail.search([], order="id desc", limit=1).id or 0
        self.client.with_user(self.user_team).activity_schedule(
            "mail.mail_activity_data_todo", summary=f"{FORM} score 27", user_id=self.user_owner.id
        )
        mails = self._assert_neutral(Mail.search([("id", ">", last)]))
        self.assertNotIn("27", " ".join(mails.mapped("subject")))

    def test_digests_name_no_client(self):
        monday = datetime(2026, 11, 30, 8, 0)
        self.user_owner.write({"tz": "UTC", "serene_digest_daily": True, "serene_digest_weekly": True})
        portal = self.client.client_portal_id or self.client._serene_get_or_create_portals()
        with freeze_time(monday - timedelta(days=1)):
            self.env["serene.portal.activity"]._log(portal, "form_completed", actor="client")
        self.env["calendar.event"].create(
            {
                "name": "Session",
                "start": monday + timedelta(hours=2),
                "stop": monday + timedelta(hours=3),
                "partner_ids": [(6, 0, [self.client.id])],
            }
        )
        Mail = self.env["mail.mail"].sudo()
        last = Mail.search([], order="id desc", limit=1).id or 0
        with freeze_time(monday), patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 60.0):
            self.env["res.users"]._cron_send_portal_digests()
        mails = self._assert_neutral(Mail.search([("id", ">", last)]))
        self.assertEqual(len(mails), 2, "the daily and the weekly digest")
        for mail in mails:
            self.assertIn(f"/odoo/res.partner/{self.client.id}", mail.body_html)

    def test_a_todo_done_with_feedback_is_not_emailed_to_followers(self):
        """Odoo posts a to-do done, with its feedback, to the portal's followers: in their inbox only."""
        _answer, _mails = self._complete("Not at all")
        portal = self.client.client_portal_id
        self.assertIn(self.user_owner.partner_id, portal.message_partner_ids, "the note owner follows the portal")
        # ... and ticked every kind of message in the followers' menu.
        subtypes = [self.env.ref(f"mail.{xmlid}").id for xmlid in ("mt_activities", "mt_note", "mt_comment")]
        portal.message_subscribe(partner_ids=self.user_owner.partner_id.ids, subtype_ids=subtypes)
        todo = portal.activity_ids.filtered(lambda a: a.user_id == self.user_owner)
        Mail = self.env["mail.mail"].sudo()
        last = Mail.search([], order="id desc", limit=1).id or 0
        todo.with_user(self.user_manager).action_feedback(feedback=f"{FORM}: score 27, {RISK_ANSWER}")
        self.assertFalse(
            Mail.search([("id", ">", last), ("recipient_ids", "in", self.user_owner.partner_id.ids)]),
            "no email to the note owner",
        )
        inbox = self.env["mail.notification"].search(
            [
                ("res_partner_id", "=", self.user_owner.partner_id.id),
                ("mail_message_id.model", "=", portal._name),
                ("mail_message_id.subtype_id", "=", self.env.ref("mail.mt_activities").id),
            ]
        )
        self.assertEqual(inbox.mapped("notification_type"), ["inbox"], "told in Odoo instead")

    def test_no_text_message_goes_to_staff(self):
        Sms = self.env["sms.sms"].sudo()
        last = Sms.search([], order="id desc", limit=1).id or 0
        self._complete(RISK_ANSWER)
        self.assertFalse(Sms.search([("id", ">", last)]), "no text message about a form")
