import os
import shutil
import socketserver
import struct
import tempfile
import threading
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HTML_AS_PNG, PDF_BYTES, PNG_BYTES, XSS, SereneTransactionCase


@tagged("serene")
class TestClientPortal(SereneTransactionCase):
    # ------------------------------------------------------------------
    # Portal status and automatic creation
    # ------------------------------------------------------------------

    def test_not_set_up_message_until_first_item(self):
        client = self.client.with_user(self.user_owner)
        self.assertFalse(client.client_portal_id)
        self.assertEqual(client.serene_portal_state, "none")
        self.assertEqual(
            client.serene_portal_activity_message,
            "Client portal is not yet set up for Client Carla. "
            "A portal will be automatically created when you add items.",
        )
        with self.assertRaisesRegex(UserError, "not yet set up"):
            client.action_client_portal_view()

    def test_adding_an_item_creates_the_portal(self):
        item = self._add()
        portal = self.client.client_portal_id
        self.assertTrue(portal, "adding the first item creates the client's portal")
        self.assertEqual(item.portal_id, portal)
        self.assertEqual(portal.company_id, self.company)
        self.assertEqual(item.state, "assigned")
        events = portal.sudo().activity_log_ids.mapped("event_type")
        self.assertIn("portal_created", events)
        self.assertIn("item_added", events)
        second = self._add(name="Another link")
        self.assertEqual(second.portal_id, portal, "one portal per client")

    def test_portal_icon_creates_then_opens_preview(self):
        action = self.client.with_user(self.user_owner).action_client_portal_create()
        portal = self.client.client_portal_id
        self.assertTrue(portal)
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["target"], "new")
        self.assertEqual(action["url"], f"/portal/preview/{portal.id}")
        # A second click opens the same portal.
        self.client.with_user(self.user_owner).action_client_portal_create()
        self.assertEqual(self.env["serene.client.portal"].search_count([("partner_id", "=", self.client.id)]), 1)

    def test_team_member_cannot_create_portal_or_add(self):
        client = self.client.with_user(self.user_team)
        self.assertEqual(client.serene_portal_access, "team")
        self.assertFalse(client.serene_portal_can_add)
        self.assertEqual(client.serene_add_disabled_reason, "Only the client's note owner can add items to the portal.")
        with self.assertRaises(AccessError):
            client.action_client_portal_create()
        with self.assertRaises(AccessError):
            client.action_client_portal_add_items()
        with self.assertRaises(AccessError):
            self._add(user=self.user_team)
        self.assertFalse(self.client.client_portal_id)

    # ------------------------------------------------------------------
    # Activity summary (the panel)
    # ------------------------------------------------------------------

    def test_activity_summary_messages_and_time_ago(self):
        start = fields.Datetime.now()
        with freeze_time(start):
            self._add(name="One")
            self._add(name="Two")
        portal = self.client.client_portal_id
        with freeze_time(start + timedelta(seconds=20)):
            summary = portal.get_activity_summary()
            self.assertEqual(summary["message"], "2 new items added to the portal just now")
        with freeze_time(start + timedelta(hours=2, minutes=5)):
            summary = portal.get_activity_summary()
            self.assertEqual(summary["state"], "active")
            self.assertEqual(summary["new_items"], 2)
            self.assertEqual(summary["last_activity_at"], start.replace(microsecond=0))
            self.assertEqual(summary["message"], "2 new items added to the portal 2 hours ago")
        with freeze_time(start + timedelta(days=3)):
            self.assertEqual(portal.get_activity_summary()["message"], "2 new items added to the portal 3 days ago")
        with freeze_time(start + timedelta(days=7, minutes=1)):
            summary = portal.get_activity_summary()
            self.assertEqual(summary["state"], "inactive")
            self.assertEqual(summary["new_items"], 0)
            self.assertIsNone(summary["last_activity_at"])
            self.assertEqual(summary["message"], "No new activity on the client portal")
            partner = self.client.with_user(self.user_team)
            self.assertEqual(partner.serene_portal_state, "inactive")
            self.assertEqual(
                partner.get_client_portal_activity_summary()["message"],
                "No new activity on the client portal",
            )

    def test_summary_counts_uploads_and_completed_forms(self):
        request = self._add(item_type="document_request", name="ID card", accepted_kind_ids=self._kinds("pdf"))
        form = self._add(item_type="intake_form")
        portal = self.client.client_portal_id
        self.assertEqual(portal.get_activity_summary()["new_items"], 2)
        request.sudo()._portal_upload([("id.pdf", PDF_BYTES)])
        answer = form.sudo()._portal_start_form()
        answer._mark_done()
        self.assertEqual(portal.get_activity_summary()["new_items"], 4)

    def test_activity_is_append_only(self):
        self._add()
        activity = self.client.client_portal_id.sudo().activity_log_ids[:1]
        with self.assertRaises(AccessError):
            activity.write({"detail": "tampered"})
        with self.assertRaises(AccessError):
            activity.unlink()
        with self.assertRaises(AccessError):
            self.env["serene.portal.activity"].with_user(self.user_owner).create(
                {
                    "event_type": "portal_viewed",
                    "portal_id": activity.portal_id.id,
                    "partner_id": self.client.id,
                    "company_id": self.company.id,
                    "actor": "client",
                }
            )

    # ------------------------------------------------------------------
    # Add Item dialog
    # ------------------------------------------------------------------

    def _wizard(self, user=None, **vals):
        Wizard = self.env["serene.portal.add.item"].with_user(user or self.user_owner)
        return Wizard.create(dict({"partner_id": self.client.id}, **vals))

    def test_dialog_adds_everything_in_one_action_with_one_notification(self):
        self.company.serene_portal_notify_sms = True
        mails_before = self.env["mail.mail"].sudo().search_count([("serene_portal_id", "!=", False)])
        resource = (
            self.env["ir.attachment"].with_user(self.user_owner).create({"name": "worksheet.pdf", "raw": PDF_BYTES})
        )
        wizard = self._wizard(
            survey_ids=[(6, 0, (self.survey_intake | self.survey_assessment).ids)],
            resource_attachment_ids=[(6, 0, resource.ids)],
            line_ids=[
                (
                    0,
                    0,
                    {
                        "line_type": "document_request",
                        "name": "Insurance card",
                        "accepted_kind_ids": self._kinds("pdf", "image"),
                    },
                ),
                (0, 0, {"line_type": "link", "name": "Breathing", "url": "https://example.org/breathe"}),
            ],
            instructions_title="Before we meet",
            instructions="<p>Bring <b>water</b><script>alert(1)</script></p>",
            due_date=fields.Date.today() + timedelta(days=3),
            notify_client=True,
        )
        self.assertFalse(wizard.portal_exists)
        wizard.action_add()
        items = self.client.client_portal_id.item_ids
        self.assertEqual(
            sorted(items.mapped("item_type")),
            ["assessment", "document_request", "instructions", "intake_form", "link", "resource"],
        )
        request = items.filtered(lambda i: i.item_type == "document_request")
        self.assertEqual(request.accepted_kind_ids.mapped("code"), ["pdf", "image"])
        instructions = items.filtered(lambda i: i.item_type == "instructions")
        self.assertIn("<b>water</b>", instructions.description)
        self.assertNotIn("script", instructions.description)
        self.assertEqual(
            items.filtered(lambda i: i.item_type == "resource").attachment_ids.res_model, "serene.portal.item"
        )
        mails = self.env["mail.mail"].sudo().search([("serene_portal_id", "!=", False)])
        self.assertEqual(len(mails) - mails_before, 1, "several items added at once: one email")
        self.assertIn("6 new item(s)", str(mails[0].body_html))
        self.assertNotIn("Insurance card", str(mails[0].body_html), "no health details in email")
        sms = self.env["sms.sms"].sudo().search([("partner_id", "=", self.client.id)])
        self.assertEqual(len(sms), 1, "one SMS for the batch")
        self.assertIn("/portal/", sms.body)

    def test_dialog_without_notification_and_empty_dialog(self):
        wizard = self._wizard(survey_ids=[(6, 0, self.survey_intake.ids)], notify_client=False)
        wizard.action_add()
        self.assertFalse(
            self.env["mail.mail"].sudo().search([("serene_portal_id", "=", self.client.client_portal_id.id)])
        )
        with self.assertRaisesRegex(UserError, "Pick at least one"):
            self._wizard().action_add()

    def test_links_must_be_http(self):
        for bad in ("javascript:alert(1)", "ftp://example.com/x", "example.com", "data:text/html,hi", "https://"):
            with self.subTest(url=bad), self.assertRaises(ValidationError):
                self._add(url=bad)
        item = self._add(url="  https://example.com/ok  ")
        self.assertEqual(item.url, "https://example.com/ok")
        with self.assertRaises(ValidationError):
            self._wizard(line_ids=[(0, 0, {"line_type": "link", "name": "Bad", "url": "javascript:alert(1)"})])

    def test_remove_item_archives_it(self):
        item = self._add()
        item.with_user(self.user_owner).action_remove()
        self.assertFalse(item.active)
        self.assertIn("item_removed", self.client.client_portal_id.sudo().activity_log_ids.mapped("event_type"))
        with self.assertRaises(AccessError):
            self._add(name="Team").with_user(self.user_team).action_remove()

    # ------------------------------------------------------------------
    # Usage limits
    # ------------------------------------------------------------------

    def test_item_limit_refuses_new_items_but_keeps_the_rest_working(self):
        self.client.portal_item_limit = 2
        form = self._add(item_type="intake_form")
        self._add()
        client = self.client.with_user(self.user_owner)
        client.invalidate_recordset()
        message = (
            "Usage limit exceeded: Client Carla already has 2 active portal items (limit 2). "
            "Remove items or raise the limit to add more."
        )
        self.assertEqual(client.serene_usage_limit_message, message)
        self.assertFalse(client.serene_portal_can_add)
        self.assertEqual(client.serene_add_disabled_reason, message)
        with self.assertRaisesRegex(UserError, "Usage limit exceeded"):
            self._add(name="Third")
        with self.assertRaisesRegex(Exception, "Usage limit exceeded"):
            client.action_client_portal_add_items()
        # Viewing, activity and completing what was sent still work.
        self.assertTrue(client.action_client_portal_view())
        self.assertEqual(client.get_client_portal_activity_summary()["state"], "active")
        form.sudo()._portal_start_form()._mark_done()
        self.assertEqual(form.state, "completed")
        # Removing an item frees a place.
        form.with_user(self.user_owner).action_remove()
        self._add(name="Now it fits")

    def test_company_default_item_limit(self):
        self.company.serene_portal_item_limit = 1
        self._add()
        with self.assertRaisesRegex(UserError, r"\(limit 1\)"):
            self._add(name="Second")

    def test_storage_limit(self):
        self.client.portal_storage_limit_mb = 1
        request = self._add(item_type="document_request", name="Scans", accepted_kind_ids=self._kinds("pdf"))
        big = PDF_BYTES + b"0" * (700 * 1024)
        request.sudo()._portal_upload([("a.pdf", big)])
        second = self._add(item_type="document_request", name="More scans", accepted_kind_ids=self._kinds("pdf"))
        with self.assertRaisesRegex(UserError, "no room left"):
            second.sudo()._portal_upload([("b.pdf", big)])
        self.assertFalse(second.attachment_ids)

    def test_company_portal_plan(self):
        plan = self.env["serene.client.portal"].search_count([("company_id", "=", self.company.id)]) + 1
        self.company.serene_portal_limit = plan
        self._add()
        other = self.client_other.with_user(self.user_other)
        self.assertEqual(
            other.serene_usage_limit_message,
            f"Usage limit exceeded: your practice's plan allows {plan} active client portals.",
        )
        with self.assertRaisesRegex(UserError, f"plan allows {plan} active client portals"):
            self._add(partner=self.client_other, user=self.user_other)
        self.assertFalse(self.client_other.client_portal_id)

    # ------------------------------------------------------------------
    # Access links
    # ------------------------------------------------------------------

    def test_access_links_are_random_hashed_expiring_and_revocable(self):
        self._add()
        portal = self.client.client_portal_id
        url = portal._new_access_url()
        key = url.rsplit("/", 1)[1]
        self.assertTrue(url.startswith(portal.get_base_url() + "/portal/"))
        self.assertGreaterEqual(len(key), 43, "256 bits, URL-safe")
        Link = self.env["serene.portal.link"]
        self.assertFalse(Link.sudo().search([("key_hash", "=", key)]), "the key itself is never stored")
        link = self.valid_link(key)
        self.assertEqual(link.portal_id, portal)
        self.assertNotIn(key, str(link.read()))
        other_key = portal._new_access_url(expiry_days=0).rsplit("/", 1)[1]
        self.assertNotEqual(key, other_key)
        self.assertFalse(self.valid_link(key[:-1] + ("A" if key[-1] != "A" else "B")))
        self.assertFalse(self.valid_link(""))
        self.assertFalse(self.valid_link("x" * 500))
        with freeze_time(fields.Datetime.now() + timedelta(days=31)):
            self.assertFalse(self.valid_link(key), "expired after the company's 30 days")
            self.assertTrue(self.valid_link(other_key), "expiry_days=0 never expires")
        portal.with_user(self.user_owner).link_ids.action_revoke()
        self.assertFalse(self.valid_link(other_key))
        self.assertIn("link_revoked", portal.sudo().activity_log_ids.mapped("event_type"))

    def test_resend_link_queues_an_email(self):
        self.client.with_user(self.user_owner).action_client_portal_resend_link()
        portal = self.client.client_portal_id
        mail = self.env["mail.mail"].sudo().search([("serene_portal_id", "=", portal.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing", "queued, sent by the mail queue cron")
        self.assertIn("/portal/", str(mail.body_html))

    def test_failed_notification_is_retried_then_owner_alerted(self):
        self.client.with_user(self.user_owner).action_client_portal_resend_link()
        portal = self.client.client_portal_id
        mail = self.env["mail.mail"].sudo().search([("serene_portal_id", "=", portal.id)])
        message = mail.mail_message_id
        self.assertFalse(message.model, "the mail hangs on no document the care team reads")
        mail.write({"state": "exception", "failure_reason": "SMTP down"})
        self.env.flush_all()
        later = fields.Datetime.now() + timedelta(minutes=30)
        with freeze_time(later):
            self.env["serene.portal.notification"]._cron_retry_failed_notifications()
        self.assertEqual(mail.state, "outgoing")
        mail.write({"state": "exception"})
        with freeze_time(fields.Datetime.now() + timedelta(days=2)):
            self.env["serene.portal.notification"]._cron_retry_failed_notifications()
        self.assertFalse(mail.exists(), "given up: the only copy of the link is deleted")
        self.assertFalse(message.exists())
        activity = self.client.client_portal_id.activity_ids.filtered(lambda a: "could not be sent" in a.summary)
        self.assertEqual(activity.user_id, self.user_owner)

    # ------------------------------------------------------------------
    # Forms, records, uploads
    # ------------------------------------------------------------------

    def test_form_completion_notifies_owner_and_lands_in_records(self):
        item = self._add(item_type="assessment", survey_id=self.survey_assessment.id)
        item_sudo = item.sudo()
        answer = item_sudo._portal_start_form()
        self.assertEqual(item.state, "in_progress")
        self.assertEqual(answer.partner_id, self.client)
        self.assertEqual(item_sudo._portal_start_form(), answer, "resuming keeps the same answers")
        question = self.survey_assessment.question_ids
        answer._save_lines(question, question.suggested_answer_ids[1].id)
        answer._mark_done()
        self.assertEqual(item.state, "completed")
        self.assertTrue(item.completed_at)
        self.assertEqual(item.score, 100.0)
        client = self.client.with_user(self.user_owner)
        self.assertEqual(client.serene_record_input_ids, answer)
        self.assertEqual(client.serene_record_input_ids.scoring_percentage, 100.0)
        todo = self.client.client_portal_id.activity_ids.filtered(lambda a: a.user_id == self.user_owner)
        self.assertEqual(todo.summary, "Review Mood Scale")
        self.assertIn("Completed the form", self.client.client_portal_id.message_ids[0].body)
        self.assertIn("score 100.0%", self.client.client_portal_id.message_ids[0].body)
        action = item.with_user(self.user_owner).action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("survey.user_input", answer.id))
        # Completing twice (a retried request) notifies once.
        answer._mark_done()
        self.assertEqual(
            len(self.client.client_portal_id.activity_ids.filtered(lambda a: a.user_id == self.user_owner)), 1
        )

    def test_upload_accepts_real_files_and_sanitises_names(self):
        request = self._add(item_type="document_request", name="Docs", accepted_kind_ids=self._kinds("pdf", "image"))
        attachments = request.sudo()._portal_upload(
            [(f"../../etc/{XSS}.pdf", PDF_BYTES), ("scan.png", PNG_BYTES)],
            note="here you go",
        )
        self.assertEqual(len(attachments), 2)
        self.assertEqual(attachments.mapped("mimetype"), ["application/pdf", "image/png"])
        self.assertNotIn("<", attachments[0].name)
        self.assertNotIn("/", attachments[0].name)
        self.assertTrue(attachments[0].name.endswith(".pdf"))
        self.assertEqual(request.state, "in_progress", "open for more files until the client says it is complete")
        client = self.client.with_user(self.user_owner)
        self.assertEqual(client.serene_record_attachment_ids, attachments)
        self.assertEqual(attachments.with_user(self.user_owner).read(["name"])[0]["name"], attachments[0].name)
        with self.assertRaises(AccessError):
            attachments.with_user(self.user_other).read(["name"])

    def test_upload_refusals_store_nothing(self):
        request = self._add(item_type="document_request", name="Docs", accepted_kind_ids=self._kinds("image"))
        Attachment = self.env["ir.attachment"].sudo()
        before = Attachment.search_count([])
        cases = [
            ([("scan.png", HTML_AS_PNG)], "is not a file this request accepts"),
            ([("doc.pdf", PDF_BYTES)], "is not a file this request accepts"),
            ([("ok.png", PNG_BYTES), ("big.png", PNG_BYTES + b"0" * (1024 * 1024 + 1))], "too large"),
            ([("empty.png", b"")], "is empty"),
            ([], "Choose at least one file"),
        ]
        for files, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(UserError, message):
                request.sudo()._portal_upload(files)
        self.assertEqual(Attachment.search_count([]), before, "nothing stored after a refusal")
        self.assertEqual(request.state, "assigned")

    def test_request_accepts_some_kind(self):
        with self.assertRaises(ValidationError):
            self._add(item_type="document_request", name="X", accepted_kind_ids=[(5, 0, 0)])

    # ------------------------------------------------------------------
    # Assign to service
    # ------------------------------------------------------------------

    def test_booking_a_service_assigns_its_forms_once_and_never_again(self):
        service = self.env["calendar.event.type"].create(
            {
                "name": "Assessment Session",
                "serene_survey_ids": [(6, 0, self.survey_intake.ids)],
            }
        )
        start = fields.Datetime.now() + timedelta(days=2)

        def book():
            return self.env["calendar.event"].create(
                {
                    "name": "Session",
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "categ_ids": [(6, 0, service.ids)],
                    "partner_ids": [(6, 0, self.client.ids)],
                }
            )

        book()
        items = self.client.client_portal_id.item_ids
        self.assertEqual(len(items), 1)
        self.assertEqual((items.item_type, items.survey_id), ("intake_form", self.survey_intake))
        book()
        self.assertEqual(len(self.client.client_portal_id.item_ids), 1, "not again while one is pending")
        items.sudo()._portal_start_form()._mark_done()
        book()
        self.assertEqual(len(self.client.client_portal_id.item_ids), 1, "not again once completed")
        items.with_user(self.user_owner).action_remove()
        book()
        self.assertFalse(self.client.client_portal_id.item_ids, "not again once removed")

    def test_booking_over_limit_keeps_the_booking(self):
        self.client.portal_item_limit = 1
        self._add()
        service = self.env["calendar.event.type"].create(
            {
                "name": "Intake",
                "serene_survey_ids": [(6, 0, self.survey_intake.ids)],
            }
        )
        start = fields.Datetime.now() + timedelta(days=2)
        event = self.env["calendar.event"].create(
            {
                "name": "Session",
                "start": start,
                "stop": start + timedelta(hours=1),
                "categ_ids": [(6, 0, service.ids)],
                "partner_ids": [(6, 0, self.client.ids)],
            }
        )
        self.assertTrue(event.exists())
        self.assertEqual(len(self.client.client_portal_id.item_ids), 1)
        self.assertIn("were not assigned", self.client.message_ids[0].body)

    def test_appointments_toggle_and_links_page_from_the_client(self):
        self._add()
        client = self.client.with_user(self.user_owner)
        client.serene_show_appointments = False
        self.assertFalse(self.client.client_portal_id.show_appointments)
        action = client.action_client_portal_open_links()
        self.assertEqual((action["res_model"], action["res_id"]), ("serene.client.portal", client.client_portal_id.id))
        with self.assertRaises(AccessError):
            self.client.with_user(self.user_team).serene_show_appointments = True
        with self.assertRaises(AccessError):
            self.client.with_user(self.user_team).action_client_portal_open_links()

    def test_upcoming_appointments_leave_out_past_and_cancelled(self):
        self._add()
        portal = self.client.client_portal_id
        now = fields.Datetime.now()
        Event = self.env["calendar.event"]
        future = Event.create(
            {
                "name": "Next",
                "start": now + timedelta(days=1),
                "stop": now + timedelta(days=1, hours=1),
                "partner_ids": [(6, 0, self.client.ids)],
            }
        )
        Event.create(
            {
                "name": "Past",
                "start": now - timedelta(days=1),
                "stop": now - timedelta(days=1, hours=-1),
                "partner_ids": [(6, 0, self.client.ids)],
            }
        )
        cancelled = Event.create(
            {
                "name": "Cancelled",
                "start": now + timedelta(days=2),
                "stop": now + timedelta(days=2, hours=1),
                "partner_ids": [(6, 0, self.client.ids)],
            }
        )
        cancelled.action_archive()
        Event.create(
            {
                "name": "Someone else",
                "start": now + timedelta(days=1),
                "stop": now + timedelta(days=1, hours=1),
                "partner_ids": [(6, 0, self.client_other.ids)],
            }
        )
        self.assertEqual(portal.sudo()._get_upcoming_appointments(), future)
        portal.show_appointments = False
        self.assertFalse(portal.sudo()._get_portal_page_values()["appointments"])


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class ClamdPeer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """A clamd speaking its INSTREAM protocol on a unix socket, flagging the EICAR test string.

    ClamAV's daemon needs its signature database from the internet, which this machine does
    not reach: this peer speaks the same protocol so the addon's client code runs for real.
    """

    daemon_threads = True

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            command = b""
            while not command.endswith(b"\0"):
                command += self.request.recv(1)
            assert command == b"zINSTREAM\0", command
            data = b""
            while True:
                size = struct.unpack("!L", self._read(4))[0]
                if not size:
                    break
                data += self._read(size)
            verdict = b"stream: Eicar-Test-Signature FOUND" if EICAR in data else b"stream: OK"
            self.request.sendall(verdict + b"\0")

        def _read(self, size):
            buf = b""
            while len(buf) < size:
                buf += self.request.recv(size - len(buf))
            return buf

    def __init__(self, path):
        super().__init__(path, self.Handler)


@tagged("serene", "security")
class TestUploadVirusScan(SereneTransactionCase):
    def setUp(self):
        super().setUp()
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        self.address = os.path.join(folder, "clamd.sock")
        server = ClamdPeer(self.address)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.request = self._add(item_type="document_request", name="Docs", accepted_kind_ids=self._kinds("pdf"))

    def test_infected_upload_is_refused_and_clean_one_stored(self):
        self.env["ir.config_parameter"].sudo().set_param("serene_client_portal.clamd_address", self.address)
        with (
            self.assertRaisesRegex(UserError, "refused by the virus check"),
            mute_logger("odoo.addons.serene_client_portal.models.serene_client_portal"),
        ):
            self.request.sudo()._portal_upload([("ok.pdf", PDF_BYTES), ("bad.pdf", PDF_BYTES + EICAR)])
        self.assertFalse(self.request.attachment_ids)
        self.request.sudo()._portal_upload([("ok.pdf", PDF_BYTES)])
        self.assertEqual(len(self.request.attachment_ids), 1)

    def test_unreachable_scanner_refuses_uploads(self):
        self.env["ir.config_parameter"].sudo().set_param("serene_client_portal.clamd_address", self.address + ".gone")
        with (
            self.assertRaisesRegex(UserError, "cannot be checked right now"),
            mute_logger("odoo.addons.serene_client_portal.models.serene_client_portal"),
        ):
            self.request.sudo()._portal_upload([("ok.pdf", PDF_BYTES)])
        self.assertFalse(self.request.attachment_ids)
