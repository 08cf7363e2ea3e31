"""Secure messages between a client and their care team (issue 21): the thread lives on the
portal under its rules, the files go through the upload checks, the notices carry no content,
an email reply imports nothing, and every message sent and read is in the audit trail."""

import os
import shutil
import tempfile
import threading
from datetime import timedelta
from email.message import EmailMessage
from unittest.mock import patch

from odoo import fields, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import HTML_AS_PNG, PDF_BYTES, SereneCase, SereneRpcMixin, SereneTransactionCase
from .test_client_portal import EICAR, ClamdPeer
from .test_forms_by_keyboard import PhoneJourneyMixin
from .test_ui import TourCase

CLINICAL_TEXT = "I have been feeling low since the accident"


class SecureMessagesMixin:
    @classmethod
    def _setup_thread(cls):
        cls.env["serene.portal.item"].create(
            {"partner_id": cls.client.id, "item_type": "link", "name": "Help", "url": "https://example.com"}
        )
        cls.portal = cls.client.client_portal_id
        cls.Message = cls.env["serene.portal.message"]
        # The hourly count is committed apart (as every limit of the portal): tested on its own portal.
        cls.company.serene_message_rate_per_hour = 0

    def _client_post(self, body=CLINICAL_TEXT, files=(), portal=None):
        # sudo: serene.client.portal - what the controller hands over after the key was checked
        return self.Message._portal_post((portal or self.portal).sudo(), body, list(files))

    def _queued_mail(self):
        # sudo: mail.mail - the outgoing queue as the mail server would read it
        return self.env["mail.mail"].sudo().search([], order="id desc")


@tagged("serene", "security")
class TestSecureMessages(SecureMessagesMixin, SereneTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_thread()

    def test_client_message_is_logged_and_the_note_owner_told_without_content(self):
        before = self._queued_mail()
        message = self._client_post()
        self.assertEqual(message.author, "client")
        self.assertFalse(message.author_user_id)
        self.assertEqual(message.body, CLINICAL_TEXT)
        sent = self.portal.activity_log_ids.filtered(lambda a: a.event_type == "message_sent")
        self.assertEqual(sent.actor, "client")
        self.assertNotIn("feeling", sent.detail or "")
        mails = self._queued_mail() - before
        self.assertEqual(mails.recipient_ids, self.user_owner.partner_id)
        self.assertEqual(mails.subject, "You have a new secure message")
        self.assertIn(f"/odoo/serene.client.portal/{self.portal.id}", mails.body_html)
        self.assertNotIn("feeling", mails.body_html)
        self.assertNotIn(self.client.name, mails.body_html)
        self.assertIn("serene-secure-message", mails.message_id)
        row = self.portal.notification_ids.filtered(lambda n: n.kind == "message_staff")
        self.assertEqual(row.recipient, self.user_owner.email)

    def test_reply_tells_the_client_by_email_and_sms_never_what_it_says(self):
        self.company.serene_portal_notify_sms = True
        before_mail = self._queued_mail()
        # sudo: sms.sms - the outgoing text messages
        before_sms = self.env["sms.sms"].sudo().search([])
        reply = self.Message.with_user(self.user_owner).create(
            {"portal_id": self.portal.id, "body": "Your medication dose: 20 mg"}
        )
        self.assertEqual(reply.author, "staff")
        self.assertEqual(reply.author_user_id, self.user_owner)
        mail = self._queued_mail() - before_mail
        self.assertEqual(mail.recipient_ids, self.client)
        self.assertEqual(mail.subject, "You have a new secure message")
        self.assertRegex(mail.body_html, r"/portal/[\w-]{20,}/messages")
        # sudo: sms.sms - the outgoing text messages
        sms = self.env["sms.sms"].sudo().search([]) - before_sms
        self.assertEqual(len(sms), 1)
        self.assertIn("/messages", sms.body)
        for text in (mail.body_html, mail.subject, sms.body):
            self.assertNotIn("medication", text)
            self.assertNotIn("20 mg", text)
        self.assertFalse(mail.attachment_ids)
        kinds = self.portal.notification_ids.filtered(lambda n: n.kind == "message").mapped("channel")
        self.assertEqual(sorted(kinds), ["email", "sms"])

    def test_who_reads_and_who_answers(self):
        message = self._client_post()
        Message = self.Message
        for user in (self.user_owner, self.user_team, self.user_manager):
            self.assertEqual(Message.with_user(user).search([("portal_id", "=", self.portal.id)]), message, user.name)
            self.assertEqual(message.with_user(user).body, CLINICAL_TEXT)
        for user in (self.user_other, self.user_manager_2):
            self.assertFalse(Message.with_user(user).search([]), user.name)
            with self.assertRaises(AccessError):
                message.with_user(user).read(["body"])
        portal_user = new_test_user(self.env, "t_msg_portal", groups="base.group_portal")
        for user in (self.user_internal, portal_user, self.env.ref("base.public_user")):
            with self.assertRaises(AccessError):
                Message.with_user(user).search([])
            with self.assertRaises(AccessError):
                message.with_user(user).read(["body"])
        # The care team answers only when the practice allows it.
        with self.assertRaises(AccessError):
            Message.with_user(self.user_team).create({"portal_id": self.portal.id, "body": "From the team"})
        self.company.serene_message_team_can_reply = True
        reply = Message.with_user(self.user_team).create({"portal_id": self.portal.id, "body": "From the team"})
        self.assertEqual(reply.author_user_id, self.user_team)
        with self.assertRaises(AccessError):
            Message.with_user(self.user_other).create({"portal_id": self.portal.id, "body": "Not mine"})
        # Nobody changes or deletes a message, managers included.
        for user in (self.user_owner, self.user_manager):
            with self.assertRaises(AccessError):
                message.with_user(user).write({"body": "changed"})
            with self.assertRaises(AccessError):
                message.with_user(user).unlink()
        # Never on the contact's chatter.
        self.assertNotIn(CLINICAL_TEXT, "".join(self.client.message_ids.mapped("body")))
        self.assertNotIn(CLINICAL_TEXT, "".join(self.portal.message_ids.mapped("body")))

    def test_forged_author_or_read_state_is_refused(self):
        for vals in ({"author": "client"}, {"read_at": fields.Datetime.now()}, {"author_user_id": self.user_team.id}):
            with self.assertRaises(AccessError):
                self.Message.with_user(self.user_owner).create(dict(vals, portal_id=self.portal.id, body="x"))

    def test_opening_marks_read_both_ways_with_audit_rows(self):
        message = self._client_post()
        self.assertEqual(self.portal.with_user(self.user_owner).secure_message_unread_count, 1)
        self.assertEqual(self.client.with_user(self.user_owner).serene_message_unread_count, 1)
        summary = self.portal.with_user(self.user_owner).get_activity_summary()
        self.assertEqual(summary["unread_messages"], 1)
        # The care team opens the thread: read, in its name.
        action = self.portal.with_user(self.user_team).action_open_messages()
        self.assertEqual(action["res_model"], "serene.portal.message")
        self.assertEqual(message.read_by_id, self.user_team)
        self.assertTrue(message.read_at)
        read = self.portal.activity_log_ids.filtered(lambda a: a.event_type == "message_read")
        self.assertEqual((read.actor, read.user_id, read.detail), ("staff", self.user_team, "1"))
        self.env.invalidate_all()
        self.assertEqual(self.client.with_user(self.user_owner).serene_message_unread_count, 0)
        # Opening again reads nothing more.
        self.portal.with_user(self.user_owner).action_open_messages()
        self.assertEqual(message.read_by_id, self.user_team)
        # The client opens their page: the practice's message is read, logged.
        reply = self.Message.with_user(self.user_owner).create({"portal_id": self.portal.id, "body": "Hi"})
        self.assertEqual(self.portal.sudo()._count_unread_for_client(), 1)
        values = self.portal.sudo()._portal_messages(link=None)
        self.assertEqual(values["thread"], message | reply)
        self.assertTrue(reply.read_at)
        self.assertFalse(reply.read_by_id)
        self.assertEqual(
            len(
                self.portal.activity_log_ids.filtered(lambda a: a.event_type == "message_read" and a.actor == "client")
            ),
            1,
        )
        # Another practitioner cannot open it.
        with self.assertRaises(AccessError):
            self.portal.with_user(self.user_other).action_open_messages()

    def test_text_is_plain_and_limited(self):
        message = self._client_post("  Hello\r\nthere\x00\u202e  ")
        self.assertEqual(message.body, "Hello\nthere")
        with self.assertRaisesRegex(UserError, "up to 5000 characters"):
            self._client_post("x" * 5001)
        with self.assertRaisesRegex(UserError, "Write a message or add a file"):
            self._client_post("   ")

    def test_rate_limit_per_portal(self):
        self.company.serene_message_rate_per_hour = 2
        Item = self.env["serene.portal.item"]
        portals = [
            Item.create(
                {"partner_id": client.id, "item_type": "link", "name": "Help", "url": "https://example.com"}
            ).portal_id
            for client in (self.client.copy({"name": "Rita Rate"}), self.client.copy({"name": "Otto Other"}))
        ]
        self._client_post("one", portal=portals[0])
        self._client_post("two", portal=portals[0])
        with self.assertRaisesRegex(UserError, "sent 2 messages in the last hour"):
            self._client_post("three", portal=portals[0])
        self.assertEqual(len(portals[0].secure_message_ids), 2)
        # Another client's thread has its own count.
        self._client_post("elsewhere", portal=portals[1])

    def test_files_go_through_the_upload_checks_and_the_quota(self):
        message = self._client_post("My letter", [("letter.exe", PDF_BYTES)])
        self.assertEqual(message.attachment_ids.name, "letter.pdf")
        self.assertEqual(message.attachment_ids.res_model, "serene.portal.message")
        self.assertEqual(message.attachment_ids.res_id, message.id)
        self.assertTrue(message.attachment_ids.serene_sha256)
        with self.assertRaisesRegex(UserError, "not a file this request accepts"):
            self._client_post("A page", [("page.png", HTML_AS_PNG)])
        # The client's storage quota counts the files sent with messages.
        self.company.serene_portal_storage_limit_mb = 1
        big = PDF_BYTES + b"0" * 600_000
        self._client_post("Scan 1", [("scan.pdf", big)])
        self.assertGreater(self.portal._get_storage_used()[self.portal.id], 600_000)
        count = len(self.portal.secure_message_ids)
        with self.assertRaisesRegex(UserError, "no room left"):
            self._client_post("Scan 2", [("scan.pdf", big)])
        self.assertEqual(len(self.portal.secure_message_ids), count)
        request = self.env["serene.portal.item"].create(
            {
                "partner_id": self.client.id,
                "item_type": "document_request",
                "name": "Docs",
                "accepted_kind_ids": self._kinds("pdf"),
            }
        )
        with self.assertRaisesRegex(UserError, "no room left"):
            request.sudo()._portal_upload([("scan.pdf", big)])

    def test_virus_check_holds_for_message_files(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        address = os.path.join(folder, "clamd.sock")
        server = ClamdPeer(address)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.env["ir.config_parameter"].sudo().set_param("serene_client_portal.clamd_address", address)
        with (
            self.assertRaisesRegex(UserError, "refused by the virus check"),
            mute_logger("odoo.addons.serene_client_portal.models.serene_client_portal"),
        ):
            self._client_post("Infected", [("bad.pdf", PDF_BYTES + EICAR)])
        self.assertFalse(self.portal.secure_message_ids)
        self.assertTrue(self._client_post("Clean", [("ok.pdf", PDF_BYTES)]).attachment_ids)

    def test_archived_portal_thread_is_read_only(self):
        message = self._client_post()
        self.portal.active = False
        with self.assertRaisesRegex(UserError, "archived"):
            self.Message.with_user(self.user_owner).create({"portal_id": self.portal.id, "body": "Late reply"})
        self.assertEqual(self.Message.with_user(self.user_owner).search([]), message)

    def _run_followups(self):
        # The job's batches commit through Odoo's _commit_progress, which a test may not do.
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *args, **kwargs: 60.0):
            self.Message._cron_message_followups()

    def test_unread_message_raises_one_todo_for_the_note_owner(self):
        message = self._client_post()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE serene_portal_message SET create_date = %s WHERE id = %s",
                fields.Datetime.now() - timedelta(hours=49),
                message.id,
            )
        )
        message.invalidate_recordset()
        run = self._run_followups
        run()
        todos = self.portal.activity_ids.filtered(lambda a: a.user_id == self.user_owner)
        self.assertEqual(len(todos), 1)
        self.assertIn("Unread secure messages", todos.summary)
        self.assertNotIn("feeling", todos.note or "")
        self.assertTrue(message.followup_at)
        run()
        self.assertEqual(len(self.portal.activity_ids.filtered(lambda a: a.user_id == self.user_owner)), 1)

    def test_retention_removes_old_messages_and_their_files(self):
        old = self._client_post("Old", [("old.pdf", PDF_BYTES)])
        recent = self._client_post("Recent")
        attachment = old.attachment_ids
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE serene_portal_message SET create_date = %s WHERE id = %s",
                fields.Datetime.now() - timedelta(days=366 * 7),
                old.id,
            )
        )
        self.env["serene.portal.activity"]._cron_apply_retention()
        self.assertFalse(old.exists())
        self.assertFalse(attachment.exists())
        self.assertTrue(recent.exists())
        cleanup = self.env["serene.portal.activity"].search([("event_type", "=", "retention_cleanup")])
        self.assertIn("1 secure messages", " ".join(cleanup.mapped("detail")))

    def test_thread_prints_for_readers_only_and_is_logged(self):
        self._client_post()
        Report = self.env["ir.actions.report"].with_user(self.user_owner)
        html, _kind = Report._render_qweb_html("serene_client_portal.action_report_portal_messages", self.portal.ids)
        self.assertIn(CLINICAL_TEXT, html.decode())
        printed = self.portal.activity_log_ids.filtered(lambda a: a.event_type == "messages_printed")
        self.assertEqual(printed.user_id, self.user_owner)
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.user_other)._render_qweb_html(
                "serene_client_portal.action_report_portal_messages", self.portal.ids
            )

    def test_office_hours_answer_outside_them_only(self):
        company = self.company
        company.partner_id.tz = "Europe/Brussels"
        company.write({"serene_message_office_hours": True, "serene_message_crisis_line": "0800 123"})
        monday_noon = fields.Datetime.to_datetime("2026-12-07 11:00:00")  # 12:00 in Brussels
        saturday = fields.Datetime.to_datetime("2026-12-05 11:00:00")
        monday_night = fields.Datetime.to_datetime("2026-12-07 21:00:00")
        self.assertFalse(company._serene_out_of_hours_answer(monday_noon))
        for moment in (saturday, monday_night):
            answer = company._serene_out_of_hours_answer(moment)
            self.assertIn("outside our office hours", answer)
            self.assertIn("call 0800 123 or your local emergency number", answer)
        company.serene_message_office_hours = False
        self.assertFalse(company._serene_out_of_hours_answer(saturday))

    def test_digests_count_messages_never_quote_them(self):
        self._client_post()
        self._client_post("Second")
        now = fields.Datetime.now()
        [weekly] = self.user_owner._serene_digest_rows("weekly", now)
        self.assertEqual((weekly["messages"], weekly["unread"]), (2, 2))
        self.env["calendar.event"].create(
            {
                "name": "Session",
                "start": now + timedelta(hours=3),
                "stop": now + timedelta(hours=4),
                "partner_ids": [(6, 0, self.client.ids)],
            }
        )
        [daily] = self.user_owner._serene_digest_rows("daily", now)
        self.assertEqual(daily["unread"], 2)
        before = self._queued_mail()
        self.user_owner._serene_queue_digest("weekly", [weekly])
        mail = self._queued_mail() - before
        self.assertIn("Unread messages", mail.body_html)
        self.assertNotIn("feeling", mail.body_html)

    def test_auditor_export_counts_messages_without_their_text(self):
        self._client_post()
        self.Message.with_user(self.user_owner).create({"portal_id": self.portal.id, "body": "A reply"})
        export = (
            self.env["serene.portal.activity.export"]
            .with_user(self.user_manager)
            .create({"partner_id": self.client.id})
        )
        csv = export._to_csv(
            self.env["serene.portal.activity"].search([("portal_id", "=", self.portal.id)], order="event_at, id")
        ).decode()
        self.assertEqual(csv.count("Secure message sent"), 2)
        self.assertNotIn("feeling", csv)
        self.assertNotIn("A reply", csv)


@tagged("serene", "security")
class TestEmailRepliesImportNothing(SecureMessagesMixin, SereneTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_thread()
        cls.env["mail.alias.domain"].create({"name": "practice.example.com", "catchall_alias": "catchall"})

    def _reply(self, notice, sender, body):
        """A reply to ``notice`` (a mail.mail) as a mail client writes it, to the catchall."""
        email = EmailMessage()
        email["From"] = sender
        email["To"] = "catchall@practice.example.com"
        email["Subject"] = f"Re: {notice.subject}"
        email["Message-Id"] = f"<reply-{notice.id}-{sender}@client.example.org>"
        email["In-Reply-To"] = notice.message_id
        email["References"] = notice.message_id
        email.set_content(body)
        return email.as_string()

    def _counts(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT (SELECT count(*) FROM serene_portal_message), (SELECT count(*) FROM mail_message),"
            " (SELECT count(*) FROM ir_attachment), (SELECT count(*) FROM res_partner)"
        )
        return self.env.cr.fetchone()

    def test_a_reply_to_a_notice_stores_nothing_and_is_answered_once(self):
        before = self._queued_mail()
        self.Message.with_user(self.user_owner).create({"portal_id": self.portal.id, "body": "Hello Carla"})
        notice = self._queued_mail() - before
        self.assertEqual(notice.recipient_ids, self.client)
        counts = self._counts()
        mails = self._queued_mail()
        result = self.env["mail.thread"].message_process(
            None, self._reply(notice, self.client.email, "Thanks, I took the pills and feel suicidal")
        )
        self.assertFalse(result)
        answer = self._queued_mail() - mails
        self.assertEqual(answer.recipient_ids, self.client)
        self.assertIn("not delivered", answer.subject)
        self.assertIn("/portal/link-not-valid", answer.body_html)
        self.assertIn("serene-secure-message-auto-reply", answer.message_id)
        self.assertIn("Auto-Submitted", answer.headers)
        self.assertNotIn("pills", answer.body_html)
        # Only the answer's own queue row and its delivery message were added: no thread, no file,
        # no contact, nothing on the portal or the client.
        portal_messages, mail_messages, attachments, partners = self._counts()
        self.assertEqual((portal_messages, attachments, partners), (counts[0], counts[2], counts[3]))
        self.assertEqual(mail_messages, counts[1] + 1)
        # sudo: mail.message - whatever Odoo stored anywhere
        self.assertFalse(self.env["mail.message"].sudo().search([("body", "ilike", "pills")]))
        # A second reply within the hour is dropped without another answer; a reply to the answer too.
        mails = self._queued_mail()
        self.env["mail.thread"].message_process(None, self._reply(notice, self.client.email, "Again"))
        self.env["mail.thread"].message_process(None, self._reply(answer, self.client.email, "And again"))
        self.assertEqual(self._queued_mail(), mails)
        self.assertEqual(self._counts()[0], counts[0])

    def test_a_note_owner_replying_to_their_notice_stores_nothing(self):
        before = self._queued_mail()
        self._client_post()
        notice = (self._queued_mail() - before).filtered(lambda m: m.recipient_ids == self.user_owner.partner_id)
        counts = self._counts()
        mails = self._queued_mail()
        self.env["mail.thread"].message_process(None, self._reply(notice, self.user_owner.email, "Noted, see you"))
        answer = self._queued_mail() - mails
        self.assertEqual(answer.recipient_ids, self.user_owner.partner_id)
        self.assertIn("answer in Odoo", answer.body_html)
        self.assertEqual(self._counts()[0], counts[0])
        # sudo: mail.message - whatever Odoo stored anywhere
        self.assertFalse(self.env["mail.message"].sudo().search([("body", "ilike", "see you")]))

    def test_an_unknown_sender_gets_no_answer(self):
        before = self._queued_mail()
        self._client_post()
        notice = self._queued_mail() - before
        mails = self._queued_mail()
        self.env["mail.thread"].message_process(None, self._reply(notice, "stranger@elsewhere.example", "Hi"))
        self.assertEqual(self._queued_mail(), mails)


@tagged("post_install", "-at_install", "serene", "security")
class TestSecureMessagesHttp(SecureMessagesMixin, SereneRpcMixin, SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_thread()
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]

    def _post(self, body, files=(), key=None):
        self.authenticate(None, None)
        return self.url_open(
            f"/portal/{key or self.key}/messages",
            data={"body": body, "csrf_token": http.Request.csrf_token(self)},
            files=[("files", (name, content)) for name, content in files] or None,
            allow_redirects=False,
        )

    def test_client_writes_and_sees_read_over_http(self):
        page = self.url_open(f"/portal/{self.key}/messages", allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Messages are not read around the clock", page.text)
        self.assertIn("your local emergency number", page.text)
        home = self.url_open(f"/portal/{self.key}", allow_redirects=False)
        self.assertIn(f"/portal/{self.key}/messages", home.text)
        response = self._post(CLINICAL_TEXT, [("letter.pdf", PDF_BYTES)])
        self.assertEqual(response.status_code, 303, response.text[:500])
        message = self.portal.secure_message_ids
        self.assertEqual((message.author, message.body), ("client", CLINICAL_TEXT))
        self.assertEqual(message.attachment_ids.name, "letter.pdf")
        page = self.url_open(f"/portal/{self.key}/messages?sent=1")
        self.assertIn("Your message was sent", page.text)
        self.assertIn("o_serene_message_sent", page.text)
        self.assertNotIn("o_serene_message_read", page.text)
        # The note owner opens the thread over RPC: the client sees "Read".
        self.authenticate("t_owner", "t_ownerx")
        answer = self.rpc("serene.client.portal", "action_open_messages", self.portal.ids)
        self.assertNotIn("error", answer)
        self.authenticate(None, None)
        page = self.url_open(f"/portal/{self.key}/messages")
        self.assertIn("o_serene_message_read", page.text)
        # The file downloads as an attachment; another message's id or another client's file does not.
        file_url = f"/portal/{self.key}/messages/{message.id}/file/{message.attachment_ids.id}"
        download = self.url_open(file_url)
        self.assertEqual(download.content, PDF_BYTES)
        self.assertIn("attachment", download.headers["Content-Disposition"])
        self.assertEqual(self.url_open(f"/portal/{self.key}/messages/{message.id}/file/1").status_code, 404)

    def test_out_of_hours_answer_after_sending(self):
        page = self.url_open(f"/portal/{self.key}/messages?sent=1")
        self.assertNotIn("o_serene_out_of_hours", page.text)
        # Office hours that never open: every message arrives outside them.
        self.company.write({"serene_message_office_hours": True, "serene_message_hours_to": 0.0})
        self.assertEqual(self._post("Are you there?").status_code, 303)
        page = self.url_open(f"/portal/{self.key}/messages?sent=1")
        self.assertIn("o_serene_out_of_hours", page.text)
        self.assertIn("outside our office hours", page.text)

    def test_post_needs_csrf_and_a_valid_key(self):
        self.authenticate(None, None)
        with mute_logger("odoo.http"):
            response = self.url_open(f"/portal/{self.key}/messages", data={"body": "no token"}, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        self.portal.link_ids.action_revoke()
        response = self._post("after revocation")
        self.assertEqual(response.status_code, 303)
        self.assertIn("/portal/link-not-valid", response.headers["Location"])
        self.assertFalse(self.portal.secure_message_ids)

    def test_refused_file_keeps_the_text(self):
        response = self._post("Please see the page", [("page.png", HTML_AS_PNG)])
        self.assertEqual(response.status_code, 400)
        self.assertIn("not a file this request accepts", response.text)
        self.assertIn("Please see the page", response.text)
        self.assertFalse(self.portal.secure_message_ids)

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models")
    def test_only_the_care_team_and_managers_read_over_rpc(self):
        message = self._client_post()
        user_portal = new_test_user(self.env, "t_msg_portal", groups="base.group_portal")
        readers = {"t_owner": True, "t_team": True, "t_manager": True, "t_other": False, "t_manager2": False}
        for login, reads in readers.items():
            self.authenticate(login, login + "x" * (8 - len(login)))
            found = self.rpc("serene.portal.message", "search_read", None, [], ["body"])
            self.assertEqual(bool(found.get("result")), reads, (login, found))
            answer = self.rpc("serene.portal.message", "read", message.ids, ["body"])
            self.assertEqual("error" not in answer, reads, login)
        for login in ("t_internal", user_portal.login, None):
            self.authenticate(login, login and login + "x" * (8 - len(login)))
            answer = self.rpc("serene.portal.message", "read", message.ids, ["body"])
            self.assertIn(
                self.rpc_error(answer),
                ("odoo.exceptions.AccessError", "odoo.http.SessionExpiredException"),
                login,
            )


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestSecureMessagesTours(SecureMessagesMixin, TourCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_thread()

    def test_note_owner_reads_and_answers(self):
        message = self._client_post("Could we move Monday?")
        self.run_tour(self.clients_url, "serene_note_owner_answers_a_message", "t_owner")
        self.assertEqual(message.read_by_id, self.user_owner)
        reply = self.portal.secure_message_ids.filtered(lambda m: m.author == "staff")
        self.assertEqual((reply.body, reply.author_user_id), ("Yes, Tuesday at 10 works.", self.user_owner))
        self.assertTrue(self.portal.notification_ids.filtered(lambda n: n.kind == "message"))

    def test_care_team_reads_and_cannot_answer(self):
        message = self._client_post("Could we move Monday?")
        self.run_tour(self.clients_url, "serene_care_team_reads_a_message", "t_team")
        self.assertEqual(message.read_by_id, self.user_team)
        with self.assertRaises(AccessError):
            self.Message.with_user(self.user_team).create({"portal_id": self.portal.id, "body": "From the team"})


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestSecureMessagesJourney(SecureMessagesMixin, PhoneJourneyMixin, TourCase):
    """Issue 21's journey in real browsers: the client writes with a PDF on a 390 px touch screen,
    keyboard only; the note owner sees the unread count, reads and answers in the backend; the
    client sees the answer and "Read"; a care-team member reads and may not answer (the setting
    is off). axe-core finds no violation of any impact on the client's pages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_thread()
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]

    def _attach_by_keyboard(self, client, path):
        """The file input has the focus (reached with Tab); headless Chrome has no file dialog, so
        the file is chosen through DevTools, as the person's dialog would."""
        client.tab_to("#serene_message_files")
        element = client.browser._websocket_request(
            "Runtime.evaluate", params={"expression": "document.activeElement"}, timeout=30
        )
        client.browser._websocket_request(
            "DOM.setFileInputFiles", params={"files": [path], "objectId": element["result"]["objectId"]}
        )
        self.assertEqual(client.eval("document.activeElement.files[0].name"), os.path.basename(path))

    def _send_by_keyboard(self, client, text, path=None):
        client.tab_to("#serene_message_body")
        client.type(text)
        if path:
            self._attach_by_keyboard(client, path)
        client.tab_to("button.o_serene_message_send")
        client.press("Enter")
        client.wait_for("document.querySelector('.o_serene_success')", what="the confirmation")

    def test_client_and_care_team_on_both_sides(self):
        self.assertFalse(self.company.serene_message_team_can_reply, "the care team may not answer")
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        pdf_path = os.path.join(folder, "letter.pdf")
        with open(pdf_path, "wb") as pdf:
            pdf.write(PDF_BYTES)

        # The client: from the portal to Messages with Tab and Enter, writes, attaches, sends.
        def write(client):
            client.open(f"/portal/{self.key}")
            client.tab_to("a.o_serene_open_messages")
            client.press("Enter")
            client.wait_for("document.querySelector('#serene_message_body')", what="the messages page")
            self._axe_clean(client, "before writing")
            self._send_by_keyboard(client, "Could we move Monday?", pdf_path)
            self.assertIn("Your message was sent", client.eval("document.querySelector('.o_serene_success').innerText"))
            self.assertTrue(client.eval("!!document.querySelector('.o_serene_message_client .o_serene_message_sent')"))
            self._axe_clean(client, "after sending")

        self._as_client(write)
        message = self.portal.secure_message_ids
        self.assertEqual((message.author, message.body, message.read_at), ("client", "Could we move Monday?", False))
        self.assertEqual(message.attachment_ids.mapped("mimetype"), ["application/pdf"])
        self.assertEqual(message.attachment_ids.raw, PDF_BYTES)
        self.assertEqual(self.client.serene_message_unread_count, 1)

        # The note owner: the count on the Clients list and the portal form, then reads and answers.
        self.run_tour(self.clients_url, "serene_note_owner_answers_a_message", "t_owner")
        self.env.invalidate_all()
        self.assertEqual(message.read_by_id, self.user_owner)
        self.assertTrue(message.read_at)
        reply = self.portal.secure_message_ids - message
        self.assertEqual((reply.author, reply.body, reply.read_at), ("staff", "Yes, Tuesday at 10 works.", False))

        # The client: the answer, and "Read" on their message; then a thank-you, keyboard only.
        def read_and_thank(client):
            client.open(f"/portal/{self.key}/messages")
            client.wait_for("document.querySelector('.o_serene_message_staff')", what="the answer")
            thread = client.eval("document.querySelector('.o_serene_thread').innerText")
            self.assertIn("Yes, Tuesday at 10 works.", thread)
            self.assertIn("Owner Olga", thread)
            self.assertEqual(
                client.eval(f"document.querySelector('#message-{message.id} .o_serene_message_read').innerText"),
                "Read",
            )
            self._axe_clean(client, "with the answer read")
            self._send_by_keyboard(client, "Thank you.")

        self._as_client(read_and_thank)
        self.assertTrue(reply.read_at, "the client read the answer")
        thanks = self.portal.secure_message_ids - message - reply
        self.assertEqual((thanks.author, thanks.body), ("client", "Thank you."))

        # A care-team member reads the thread; the practice does not let the care team answer.
        self.run_tour(self.clients_url, "serene_care_team_reads_a_message", "t_team")
        self.env.invalidate_all()
        self.assertEqual(thanks.read_by_id, self.user_team)
        self.assertEqual(message.read_by_id, self.user_owner, "read once, by the first reader")
        with self.assertRaises(AccessError):
            self.Message.with_user(self.user_team).create({"portal_id": self.portal.id, "body": "From the team"})
        self.assertEqual(len(self.portal.secure_message_ids), 3)

        # The audit trail: each message sent and each reading, who and when, never the text.
        # sudo: serene.portal.activity - the audit trail as the auditor reads it
        audit = self.env["serene.portal.activity"].sudo().search([("portal_id", "=", self.portal.id)])
        events = sorted(
            (row.event_type, row.actor, row.detail or "")
            for row in audit
            if row.event_type in ("message_sent", "message_read")
        )
        self.assertEqual(
            events,
            [
                ("message_read", "client", "1"),
                ("message_read", "staff", "1"),
                ("message_read", "staff", "1"),
                ("message_sent", "client", ""),
                ("message_sent", "client", ""),
                ("message_sent", "staff", ""),
            ],
        )
        self.assertTrue(all(row.event_at for row in audit))
        self.assertFalse(audit.filtered(lambda row: "Monday" in (row.detail or "") or "Thank" in (row.detail or "")))
