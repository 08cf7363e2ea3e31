"""Delivery staff can see, the portal in booking emails, the activity panel's engagement, the
note owners' digests and scheduled actions that speak up at their first failure."""

from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.tests import tagged

from odoo.addons.base.models.ir_cron import CompletionStatus
from odoo.addons.base.models.ir_mail_server import IrMail_Server
from odoo.addons.mail.tests.common import MockEmail

from .common import SereneTransactionCase


def keep_going(*args, **kwargs):
    return 60.0


@tagged("post_install", "-at_install", "serene")
class TestDeliveryStaffCanSee(MockEmail, SereneTransactionCase):
    def _resend(self):
        return self.client.with_user(self.user_owner).action_client_portal_resend_link()

    def _mail(self):
        return self.env["mail.mail"].sudo().search([("serene_portal_id", "=", self.client.client_portal_id.id)])

    def test_an_email_shows_queued_then_sent(self):
        self._resend()
        seen = self.client.with_user(self.user_owner).serene_notification_ids
        self.assertEqual(len(seen), 1)
        self.assertEqual(
            (seen.channel, seen.kind, seen.recipient, seen.state), ("email", "link", "carla@example.com", "queued")
        )
        with self.mock_mail_gateway(mail_unlink_sent=True):
            self._mail().send()
        self.assertEqual(seen.state, "sent")
        self.assertTrue(seen.sent_at)
        self.assertFalse(self._mail().exists(), "the mail with the link is gone, the row saying it went stays")
        self.assertNotIn("/portal/", str(seen.read()), "no link on the row staff read")

    def test_queued_mail_wakes_the_mail_queue_once_per_transaction(self):
        mail_queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        Trigger = self.env["ir.cron.trigger"].sudo()
        before = Trigger.search_count([("cron_id", "=", mail_queue.id)])
        self._resend()
        self._resend()
        self.assertEqual(Trigger.search_count([("cron_id", "=", mail_queue.id)]) - before, 1)

    def test_a_failure_shows_failed_then_queued_again_by_the_retry(self):
        self._resend()
        mail = self._mail()
        # The SMTP server does not answer.
        with patch.object(IrMail_Server, "_connect__", side_effect=ConnectionRefusedError("Connection refused")):
            mail.send(raise_exception=False)
        notification = mail.serene_notification_id
        self.assertEqual(notification.state, "failed")
        self.assertIn("Connection refused", notification.failure_reason)
        self.env.flush_all()
        with freeze_time(fields.Datetime.now() + timedelta(minutes=30)):
            self.env["serene.portal.notification"]._cron_retry_failed_notifications()
        self.assertEqual(notification.state, "queued")

    def test_the_client_portal_page_shows_why_a_delivery_failed(self):
        """With no mail server (a new install, the demo) every row says "Failed": the reason shows
        beside it, not in a column to find first."""
        arch = self.env["res.partner"].with_user(self.user_owner).get_views([(False, "form")])["views"]["form"]["arch"]
        reason = etree.fromstring(arch).xpath(
            "//field[@name='serene_notification_ids']/list/field[@name='failure_reason']"
        )
        self.assertEqual(len(reason), 1, "the notification rows have a failure reason column")
        self.assertNotIn(reason[0].get("optional"), ("hide", "hidden"))
        self.assertFalse(reason[0].get("column_invisible"))

    def test_a_code_that_could_not_go_out_in_time_shows_failed(self):
        self.company.serene_portal_verify_code = "email"
        portal = self.client._serene_get_or_create_portals()
        key = portal._new_access_url().rsplit("/", 1)[1]
        self.valid_link(key)._send_identity_code()
        notification = portal.sudo().notification_ids.filtered(lambda n: n.kind == "code")
        self.assertEqual(notification.state, "queued")
        self.env.flush_all()
        with freeze_time(fields.Datetime.now() + timedelta(minutes=15)):
            self.env["serene.portal.notification"]._cron_retry_failed_notifications()
        self.assertEqual(notification.state, "failed")
        self.assertIn("expired", notification.failure_reason)

    def test_a_text_message_that_fails_says_why(self):
        self.company.serene_portal_notify_sms = True
        self._resend()
        sms = self.env["sms.sms"].sudo().search([("serene_portal_id", "=", self.client.client_portal_id.id)])
        notification = sms.serene_notification_id
        self.assertEqual((notification.channel, notification.recipient), ("sms", sms.number))
        # What Odoo's SMS gateway writes on an answer it cannot deliver.
        sms.write({"state": "error", "failure_type": "sms_number_format"})
        self.assertEqual(notification.state, "failed")
        self.assertEqual(notification.failure_reason, "Wrong Number Format")

    def test_only_the_care_team_sees_deliveries(self):
        self._resend()
        Notification = self.env["serene.portal.notification"]
        carla = [("partner_id", "=", self.client.id)]
        self.assertEqual(len(Notification.with_user(self.user_team).search(carla)), 1)
        self.assertEqual(len(Notification.with_user(self.user_manager).search(carla)), 1)
        self.assertFalse(Notification.with_user(self.user_other).search(carla))
        self.assertFalse(Notification.with_user(self.user_manager_2).search(carla), "never across practices")


@tagged("post_install", "-at_install", "serene")
class TestBookingEmailsCarryThePortal(MockEmail, SereneTransactionCase):
    def setUp(self):
        super().setUp()
        self.client._serene_get_or_create_portals()
        self.other = self.env["res.partner"].create({"name": "Partner Pat", "email": "pat@example.com"})

    def _book(self):
        return (
            self.env["calendar.event"]
            .with_user(self.user_owner)
            .create(
                {
                    "name": "Session",
                    "start": fields.Datetime.now() + timedelta(days=2),
                    "stop": fields.Datetime.now() + timedelta(days=2, hours=1),
                    "partner_ids": [(6, 0, [self.client.id, self.other.id, self.user_owner.partner_id.id])],
                }
            )
        )

    def _mails_to(self, partner, event):
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("recipient_ids", "in", partner.id), ("model", "=", "calendar.event"), ("res_id", "=", event.id)])
        )

    def _key_in(self, body):
        for chunk in body.split('href="')[1:]:
            url = chunk.split('"', 1)[0]
            if "/portal/" in url:
                return url.rsplit("/", 1)[1]
        return None

    def test_the_invitation_to_a_client_carries_a_working_link(self):
        event = self._book()
        mail = self._mails_to(self.client, event)
        self.assertEqual(len(mail), 1)
        key = self._key_in(mail.body_html)
        self.assertTrue(key and self.valid_link(key), "the link opens the portal")
        self.assertIn("Open my portal", mail.body_html)
        self.assertEqual(mail.serene_notification_id.kind, "appointment")
        # The event's own message, read by the organiser and others, never holds the key.
        self.assertFalse(any(key in str(message.body) for message in event.sudo().message_ids))
        self.assertFalse(self._key_in(self._mails_to(self.other, event).body_html or ""), "not for non-clients")

    def test_a_reminder_carries_a_fresh_link_too(self):
        event = self._book()
        template = self.env.ref("calendar.calendar_template_meeting_reminder")
        event.attendee_ids.filtered(lambda a: a.partner_id == self.client)._notify_attendees(template)
        mails = self._mails_to(self.client, event)
        self.assertEqual(len(mails), 2)
        keys = {self._key_in(mail.body_html) for mail in mails}
        self.assertEqual(len(keys), 2, "each email its own link")

    def test_no_link_for_an_archived_portal(self):
        self.client.client_portal_id.sudo().active = False
        event = self._book()
        self.assertFalse(self._key_in(self._mails_to(self.client, event).body_html))


@tagged("post_install", "-at_install", "serene")
class TestEngagement(SereneTransactionCase):
    def _summary(self):
        return self.client.with_user(self.user_team).get_client_portal_activity_summary()

    def _client_did(self, event_type, when=None):
        with freeze_time(when or fields.Datetime.now()):
            return self.env["serene.portal.activity"]._log(self.client.client_portal_id, event_type, actor="client")

    def test_green_for_new_items_with_what_the_client_did_beneath(self):
        self._add(item_type="document_request", name="ID card")
        summary = self._summary()
        self.assertEqual(summary["state"], "active")
        self.assertEqual(summary["message"], "1 new items added to the portal just now")
        self.assertEqual(summary["client_lines"], [])
        self._client_did("portal_viewed")
        self._client_did("form_completed")
        summary = self._summary()
        self.assertEqual(summary["message"], "2 new items added to the portal just now")
        self.assertEqual(
            summary["client_lines"],
            ["Last visit by the client: just now", "Forms completed in the last 7 days: 1"],
        )

    def test_blue_only_when_neither_side_did_anything(self):
        old = fields.Datetime.now() - timedelta(days=8)
        with freeze_time(old):
            self._add()
        self._client_did("portal_viewed", when=old)
        self.assertEqual(self._summary()["state"], "inactive")
        self.assertEqual(self._summary()["message"], "No new activity on the client portal")
        self._client_did("portal_viewed")
        summary = self._summary()
        self.assertEqual((summary["state"], summary["message"]), ("active", "The client used the portal just now"))

    def test_clients_list_figures_show_and_filter(self):
        request = self._add(item_type="document_request", name="ID card")
        self._add()
        Partner = self.env["res.partner"].with_user(self.user_owner)
        self.assertEqual(self.client.with_user(self.user_owner).serene_pending_item_count, 1)
        self.assertIn(self.client, Partner.search([("serene_pending_item_count", ">", 0)]))
        self.assertNotIn(
            self.client,
            self.env["res.partner"].with_user(self.user_other).search([("serene_pending_item_count", ">", 0)]),
        )
        request.sudo().state = "completed"
        self.assertEqual(self.client.with_user(self.user_owner).serene_pending_item_count, 0)
        self.assertFalse(self.client.with_user(self.user_owner).serene_last_client_activity_at)
        seen = self._client_did("portal_viewed")
        self._client_did("verification_failed")  # not the client's doing on the portal
        Portal = self.env["serene.client.portal"]
        Portal._cron_refresh_engagement()
        self.assertEqual(self.client.with_user(self.user_owner).serene_last_client_activity_at, seen.event_at)
        week_ago = fields.Datetime.now() - timedelta(days=7)
        self.assertIn(self.client, Partner.search([("serene_last_client_activity_at", ">=", week_ago)]))
        Portal._cron_refresh_engagement()
        self.assertEqual(
            self.client.client_portal_id.last_client_activity_at, seen.event_at, "a re-run changes nothing"
        )


@tagged("post_install", "-at_install", "serene")
class TestNoteOwnerDigests(MockEmail, SereneTransactionCase):
    # A Monday, 08:00 UTC.
    MONDAY = datetime(2026, 11, 30, 8, 0)

    def setUp(self):
        super().setUp()
        self.user_owner.write({"tz": "UTC", "serene_digest_daily": True, "serene_digest_weekly": True})
        with freeze_time(self.MONDAY - timedelta(days=2)):
            self._add(item_type="document_request", name="Insurance card")
        with freeze_time(self.MONDAY - timedelta(days=1)):
            self.env["serene.portal.activity"]._log(self.client.client_portal_id, "form_completed", actor="client")
        self.env["calendar.event"].create(
            {
                "name": "Session",
                "start": self.MONDAY + timedelta(days=1, hours=2),
                "stop": self.MONDAY + timedelta(days=1, hours=3),
                "partner_ids": [(6, 0, [self.client.id])],
            }
        )

    def _run(self, when):
        with freeze_time(when), patch.object(type(self.env["ir.cron"]), "_commit_progress", keep_going):
            self.env["res.users"]._cron_send_portal_digests()
        return self.env["mail.mail"].sudo().search([("recipient_ids", "in", self.user_owner.partner_id.id)])

    def test_each_morning_and_each_monday_once(self):
        self.assertFalse(self._run(self.MONDAY - timedelta(hours=2)), "not before the morning")
        mails = self._run(self.MONDAY)
        self.assertEqual(len(mails), 2)
        daily = mails.filtered(lambda m: "today and tomorrow" in m.subject)
        weekly = mails - daily
        self.assertEqual((len(daily), len(weekly)), (1, 1), "one daily and one weekly digest")
        for mail in mails:
            self.assertIn(f"/odoo/res.partner/{self.client.id}", mail.body_html)
            self.assertNotIn("Client Carla", mail.body_html, "links and counts, never a client's name")
            self.assertNotIn("Insurance card", mail.body_html, "links and counts, never what an item is")
        self.assertEqual(self._run(self.MONDAY + timedelta(hours=3)), mails, "a re-run sends nothing twice")
        tuesday = self._run(self.MONDAY + timedelta(days=1))
        self.assertEqual(len(tuesday - mails), 1, "daily again on Tuesday, weekly not")

    def test_only_who_opted_in(self):
        self.user_owner.write({"serene_digest_daily": False, "serene_digest_weekly": False})
        self.assertFalse(self._run(self.MONDAY))

    def test_a_practitioner_turns_it_on_in_their_preferences(self):
        self.user_team.with_user(self.user_team).write({"serene_digest_daily": True})
        self.assertTrue(self.user_team.serene_digest_daily)


@tagged("post_install", "-at_install", "serene")
class TestScheduledActionsSpeakUp(SereneTransactionCase):
    def _fail(self, cron, failure_count=0):
        job = {
            "id": cron.id,
            "cron_name": cron.cron_name,
            "failure_count": failure_count,
            "first_failure_date": None,
            "active": True,
        }
        self.env["ir.cron"]._update_failure_count(job, CompletionStatus.FAILED)

    def _admin_posts(self):
        return self.env.ref("mail.channel_admin").message_ids

    def test_a_portal_action_tells_the_administrators_at_its_first_failure(self):
        cron = self.env.ref("serene_client_portal.ir_cron_send_reminders")
        before = self._admin_posts()
        self._fail(cron)
        posted = self._admin_posts() - before
        self.assertEqual(len(posted), 1)
        self.assertIn("remind clients of pending items", posted.body)
        self.assertEqual(cron.activity_ids.user_id, self.env.ref("base.user_admin"))
        self._fail(cron, failure_count=1)
        self.assertEqual(self._admin_posts() - before, posted, "once, not at every failure")
        self.assertEqual(len(cron.activity_ids), 1)

    def test_other_actions_keep_odoos_rule(self):
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action")
        before = self._admin_posts()
        self._fail(cron)
        self.assertEqual(self._admin_posts(), before)
