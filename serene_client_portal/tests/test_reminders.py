"""Reminders for pending forms and document requests: one message per client per run, at
most K per item, never to a client who opted out, safe to stop and run again."""

from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import SereneTransactionCase


class Killed(Exception):
    """The cron's process was stopped."""


class RemindersCase(SereneTransactionCase):
    def _run(self):
        """Run the scheduled action as the cron worker would, each batch's commit standing in
        for the worker's (a test may not commit)."""
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *args, **kwargs: 60.0):
            self.env["serene.client.portal"]._cron_send_reminders()

    def _mails(self, portal=None):
        domain = [("serene_portal_id", "=", portal.id)] if portal else [("serene_portal_id", "!=", False)]
        # The calendar's own invitations carry a portal link too; reminders hang on no document.
        return self.env["mail.mail"].sudo().search([*domain, ("model", "=", False)])

    def _backdate(self, items, days):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE serene_portal_item SET assigned_at = %s WHERE id IN %s",
            [fields.Datetime.now() - timedelta(days=days), tuple(items.ids)],
        )
        items.invalidate_recordset()


@tagged("post_install", "-at_install", "serene")
class TestReminders(RemindersCase):
    def test_one_message_per_client_at_most_k_per_item(self):
        form = self._add(item_type="intake_form")
        request = self._add(item_type="document_request", name="Insurance card", accepted_kind_ids=self._kinds("pdf"))
        self._add(name="Read me")  # a link: nothing to remind
        self._backdate(form | request, 4)
        portal = form.portal_id
        before = len(self._mails(portal))
        self._run()
        mails = self._mails(portal)
        self.assertEqual(len(mails) - before, 1, "one message for both pending items")
        body = str(mails.sorted("id")[-1].body_html)
        self.assertIn("A reminder from", body)
        self.assertIn("/portal/", body)
        self.assertNotIn("Insurance card", body, "no item titles in the email")
        self.assertNotIn("Intake Basics", body)
        self.assertEqual((form.reminder_count, request.reminder_count), (1, 1))
        self.assertEqual(form.reminder_display, "reminded 1× · last just now")
        self._run()
        self.assertEqual(len(self._mails(portal)) - before, 1, "not again the same day")
        now = fields.Datetime.now()
        for day in (4, 8, 12, 16):
            with freeze_time(now + timedelta(days=day)):
                self._run()
        self.assertEqual(form.reminder_count, 3, "at most 3 reminders an item")
        self.assertEqual(len(self._mails(portal)) - before, 3)

    def test_before_the_next_appointment(self):
        form = self._add(item_type="intake_form")
        portal = form.portal_id
        before = len(self._mails(portal))
        self._run()
        self.assertEqual(len(self._mails(portal)), before, "assigned today: not yet")
        start = fields.Datetime.now() + timedelta(hours=20)
        self.env["calendar.event"].create(
            {
                "name": "Session",
                "start": start,
                "stop": start + timedelta(hours=1),
                "partner_ids": [(4, self.client.id)],
            }
        )
        self._run()
        self.assertEqual(len(self._mails(portal)) - before, 1, "20 hours before the appointment")

    def test_never_to_a_client_who_opted_out(self):
        form = self._add(item_type="intake_form")
        self._backdate(form, 4)
        self.env["mail.blacklist"].sudo()._add("carla@example.com")
        before = len(self._mails(form.portal_id))
        self._run()
        self.assertEqual(len(self._mails(form.portal_id)), before)
        self.assertEqual(form.reminder_count, 0)

    def test_never_to_a_discharged_client(self):
        form = self._add(item_type="intake_form")
        self._backdate(form, 4)
        form.portal_id.sudo().active = False
        self._run()
        self.assertEqual(form.reminder_count, 0)

    def test_staff_send_one_now(self):
        form = self._add(item_type="intake_form")
        before = len(self._mails(form.portal_id))
        form.with_user(self.user_owner).action_send_reminder()
        self.assertEqual(len(self._mails(form.portal_id)) - before, 1)
        self.assertEqual(form.reminder_count, 1)

    def test_a_batch_gives_each_client_their_own_link_and_count(self):
        """The reminders of a batch are rendered and queued together, yet each client's email
        carries their own fresh link and number of items, and is tracked on their own portal."""
        form = self._add(item_type="intake_form")
        request = self._add(item_type="document_request", name="Insurance card", accepted_kind_ids=self._kinds("pdf"))
        other = self._add(partner=self.client_other, user=self.user_manager, item_type="intake_form")
        self._backdate(form | request | other, 4)
        before = self._mails()
        self._run()
        for portal, count in ((form.portal_id, 2), (other.portal_id, 1)):
            mail = self._mails(portal) - before
            self.assertEqual(len(mail), 1)
            body = str(mail.body_html)
            self.assertIn(f"{count} item(s) are waiting", body)
            key = body.split("/portal/", 1)[1].split('"', 1)[0]
            self.assertEqual(self.valid_link(key).portal_id, portal, "their own link")
            self.assertEqual(mail.recipient_ids, portal.partner_id)
            notification = mail.serene_notification_id
            self.assertEqual(
                (notification.portal_id, notification.kind, notification.recipient),
                (portal, "reminder", portal.partner_id.email),
            )
            logged = portal.sudo().activity_log_ids.filtered(lambda a: a.event_type == "reminder_sent")
            self.assertEqual(logged.mapped("detail"), [str(count)])

    def test_each_more_client_costs_three_queries(self):
        """A batch's emails are rendered and queued together: a client more costs the rows that
        are their own (the new link, its log row, the email's delivery row), nothing else."""
        self.company.serene_portal_item_limit = 0
        clients = self.env["res.partner"].create(
            [
                {
                    "name": f"Batch {n}",
                    "email": f"batch{n}@example.com",
                    "company_id": self.company.id,
                    "is_client": True,
                }
                for n in range(17)
            ]
        )
        items = self.env["serene.portal.item"].create(
            [
                {"partner_id": client.id, "item_type": "intake_form", "survey_id": self.survey_intake.id}
                for client in clients
                for _n in range(2)
            ]
        )
        self._backdate(items, 4)
        portals = clients.client_portal_id

        def queries(batch):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            batch._send_reminders()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        queries(portals[:2])  # the caches that do not depend on the batch's size
        five, ten = queries(portals[2:7]), queries(portals[7:17])
        self.assertLessEqual(ten - five, 3 * 5)
        self.assertEqual(set(items.mapped("reminder_count")), {1})


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestRemindersAtScale(RemindersCase):
    def test_thousands_of_items_interrupted_and_resumed_remind_nobody_twice(self):
        self.company.serene_portal_item_limit = 0
        Partner = self.env["res.partner"]
        clients = Partner.create(
            [
                {"name": f"Bulk {n}", "email": f"bulk{n}@example.com", "company_id": self.company.id, "is_client": True}
                for n in range(400)
            ]
        )
        items = self.env["serene.portal.item"].create(
            [
                {"partner_id": client.id, "item_type": "intake_form", "survey_id": self.survey_intake.id}
                for client in clients
                for _n in range(5)
            ]
        )
        self.assertEqual(len(items), 2000)
        self._backdate(items, 4)
        cr = self.env.cr
        calls = []

        announced = []

        def stopped_after_first_batch(cron_self, processed=0, **kwargs):
            if not processed:
                announced.append(kwargs.get("remaining"))
                return 60.0
            calls.append(processed)
            if len(calls) == 1:
                self.env.flush_all()
                cr.execute("SAVEPOINT serene_committed")  # the first batch is committed
                return 60.0
            raise Killed()

        Cron = type(self.env["ir.cron"])
        # (Not assertRaises: Odoo's rolls its block back, first batch included.)
        killed = False
        with patch.object(Cron, "_commit_progress", stopped_after_first_batch):
            try:
                self.env["serene.client.portal"]._cron_send_reminders()
            except Killed:
                killed = True
        self.assertTrue(killed)
        cr.execute("ROLLBACK TO SAVEPOINT serene_committed")  # the second batch dies with the process
        self.env.invalidate_all(flush=False)
        self.assertEqual(calls, [200, 200])
        self.assertGreaterEqual(announced[0], 400, "Odoo is told how many clients are due: it runs again at once")
        reminded = self.env["mail.mail"].sudo().search([("serene_portal_id", "in", clients.client_portal_id.ids)])
        self.assertTrue(150 <= len(reminded) <= 200, "the first batch (200 clients, demo ones included) went out")
        self._run()
        reminded = self.env["mail.mail"].sudo().search([("serene_portal_id", "in", clients.client_portal_id.ids)])
        self.assertEqual(len(reminded), 400)
        self.assertEqual(set(reminded.mapped("serene_portal_id")), set(clients.client_portal_id), "each client once")
        self.assertEqual(set(items.mapped("reminder_count")), {1})
