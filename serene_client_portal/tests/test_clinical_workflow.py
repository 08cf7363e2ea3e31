"""Intake packets, signed consent, document requests that stay open, sealed files and portals
created for every new client."""

import base64
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import PDF_BYTES, PNG_BYTES, SereneCase, SereneTransactionCase

SIGNATURE = base64.b64encode(PNG_BYTES).decode()


class PacketMixin(SereneCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.packet = cls.env["serene.portal.packet"].create(
            {
                "name": "New client intake",
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "item_type": "consent",
                            "name": "Consent to treatment",
                            "description": "<p>I agree.</p>",
                            "due_days": 3,
                        },
                    ),
                    (0, 0, {"item_type": "assessment", "name": "Mood Scale", "survey_id": cls.survey_assessment.id}),
                    (
                        0,
                        0,
                        {
                            "item_type": "document_request",
                            "name": "Insurance card (both sides)",
                            "accepted_kind_ids": cls._kinds("pdf", "image"),
                        },
                    ),
                    (
                        0,
                        0,
                        {"item_type": "instructions", "name": "Before we meet", "description": "<p>Arrive early.</p>"},
                    ),
                ],
            }
        )

    def _assign(self, user=None, packets=None, partner=None):
        Wizard = self.env["serene.portal.add.item"].with_user(user or self.user_owner)
        wizard = Wizard.create(
            {"partner_id": (partner or self.client).id, "packet_ids": [(6, 0, (packets or self.packet).ids)]}
        )
        return wizard.action_add()

    def _items(self, partner=None):
        return self.env["serene.portal.item"].search([("partner_id", "=", (partner or self.client).id)])


@tagged("post_install", "-at_install", "serene")
class TestPackets(PacketMixin, SereneTransactionCase):
    def test_one_click_one_notification(self):
        self._assign()
        items = self._items()
        self.assertEqual(len(items), 4)
        self.assertEqual(set(items.mapped("packet_id")), {self.packet})
        consent = items.filtered(lambda i: i.item_type == "consent")
        # Due three days from the assigning practitioner's today (not the test runner's).
        today = fields.Date.context_today(consent.with_user(self.user_owner))
        self.assertEqual(consent.due_date, today + timedelta(days=3))
        mails = self.env["mail.mail"].sudo().search([("serene_portal_id", "=", self.client.client_portal_id.id)])
        self.assertEqual(len(mails), 1, "one notification for the whole packet")
        self.assertNotIn("Insurance", mails.body_html, "the email names no item")

    def test_the_portal_groups_a_packet_with_its_progress(self):
        self._assign()
        self._add(item_type="document_request", name="Referral letter")
        portal = self.client.client_portal_id.sudo()
        values = portal._get_portal_page_values()
        (group,) = values["todo_packets"]
        self.assertEqual((group["packet"], group["done"], group["total"]), (self.packet, 0, 3))
        consent = group["items"].filtered(lambda i: i.item_type == "consent")
        consent._portal_sign("Client Carla", SIGNATURE)
        (group,) = portal._get_portal_page_values()["todo_packets"]
        self.assertEqual((group["done"], group["total"], len(group["items"])), (1, 3, 2))

    def test_only_managers_edit_packets_and_a_packet_stays_in_its_practice(self):
        with self.assertRaises(AccessError):
            self.packet.with_user(self.user_owner).write({"name": "Mine"})
        self.assertTrue(self.packet.with_user(self.user_owner).read(["name"]))
        self.assertFalse(
            self.env["serene.portal.packet"].with_user(self.user_manager_2).search([("id", "=", self.packet.id)])
        )

    def test_a_service_carries_a_packet_assigned_once(self):
        service = self.env["calendar.event.type"].create({"name": "First session", "serene_packet_id": self.packet.id})
        start = fields.Datetime.now() + timedelta(days=3)
        Event = self.env["calendar.event"].with_user(self.user_owner)
        for day in (0, 7):
            Event.create(
                {
                    "name": "First session",
                    "start": start + timedelta(days=day),
                    "stop": start + timedelta(days=day, hours=1),
                    "categ_ids": [(6, 0, service.ids)],
                    "partner_ids": [(6, 0, self.client.ids)],
                }
            )
        self.assertEqual(len(self._items()), 4, "booked twice, the packet is assigned once")

    def test_the_packets_files_are_copied_for_each_client(self):
        sheet = self.env["ir.attachment"].create({"name": "sheet.pdf", "raw": PDF_BYTES})
        self.packet.write(
            {
                "line_ids": [
                    (0, 0, {"item_type": "resource", "name": "Worksheet", "attachment_ids": [(6, 0, sheet.ids)]})
                ]
            }
        )
        self._assign()
        self._assign(partner=self.client_other, user=self.user_other)
        files = (
            self.env["serene.portal.item"]
            .sudo()
            .search([("item_type", "=", "resource"), ("packet_id", "=", self.packet.id)])
            .attachment_ids
        )
        self.assertEqual(len(files), 2)
        self.assertNotIn(sheet, files)
        self.assertEqual(set(files.mapped("res_model")), {"serene.portal.item"})


@tagged("post_install", "-at_install", "serene")
class TestConsentAndRecords(PacketMixin, SereneTransactionCase):
    def setUp(self):
        super().setUp()
        self._assign()
        self.consent = self._items().filtered(lambda i: i.item_type == "consent")
        self.request = self._items().filtered(lambda i: i.item_type == "document_request")

    def test_signing_seals_a_pdf_completes_and_tells_the_owner(self):
        consent_sudo = self.consent.sudo().with_context(force_report_rendering=True)
        signed = consent_sudo._portal_sign("Carla Client", SIGNATURE, ip_address="203.0.113.9")
        self.assertEqual(self.consent.state, "completed")
        self.assertEqual((self.consent.signed_by, self.consent.signed_ip), ("Carla Client", "203.0.113.9"))
        self.assertTrue(signed.raw.startswith(b"%PDF"), "a real PDF")
        self.assertEqual(signed.with_user(self.user_team).serene_seal_state, "verified")
        records = self.client.with_user(self.user_team).serene_record_attachment_ids
        self.assertIn(signed, records)
        todo = self.client.client_portal_id.activity_ids.filtered(lambda a: a.summary.startswith("Consent signed"))
        self.assertEqual(todo.user_id, self.user_owner)
        self.assertIn("consent_signed", self.client.client_portal_id.sudo().activity_log_ids.mapped("event_type"))
        with self.assertRaisesRegex(UserError, "already signed"):
            consent_sudo._portal_sign("Carla Client", SIGNATURE)

    def test_no_signature_no_name_nothing_signed(self):
        for name, signature, message in [
            ("", SIGNATURE, "full name"),
            ("Carla", "", "draw or type"),
            ("Carla", base64.b64encode(b"<svg onload=alert(1)>").decode(), "draw or type"),
        ]:
            with self.subTest(message=message), self.assertRaisesRegex(UserError, message):
                self.consent.sudo()._portal_sign(name, signature)
        self.assertEqual(self.consent.state, "assigned")
        self.assertFalse(self.consent.attachment_ids)

    def test_files_sent_before_a_request_is_removed_are_still_reviewed(self):
        self.request.sudo()._portal_upload([("front.png", PNG_BYTES)])
        self.request.with_user(self.user_owner).action_remove()
        self.env["serene.portal.item"]._raise_review_todos()
        todos = self.client.client_portal_id.activity_ids.filtered(lambda a: a.summary.startswith("Review upload"))
        self.assertEqual(todos.user_id, self.user_owner)
        self.assertEqual(self.request.review_pending_files, 0)

    def test_a_request_takes_several_files_until_done(self):
        request_sudo = self.request.sudo()
        request_sudo._portal_upload([("front.png", PNG_BYTES)])
        self.assertEqual(self.request.state, "in_progress")
        request_sudo._portal_upload([("back.pdf", PDF_BYTES)])
        self.assertEqual(len(self.request.attachment_ids), 2)
        self.env["serene.portal.item"]._raise_review_todos()
        todos = self.client.client_portal_id.activity_ids.filtered(lambda a: a.summary.startswith("Review upload"))
        self.assertEqual(len(todos), 1, "the files sent before the job ran make one to-do")
        self.assertIn("2 file(s)", str(todos.note))
        request_sudo._portal_upload([("third.pdf", PDF_BYTES)])
        self.env["serene.portal.item"]._raise_review_todos()
        todos = self.client.client_portal_id.activity_ids.filtered(lambda a: a.summary.startswith("Review upload"))
        self.assertEqual(len(todos), 2, "a later upload, a new to-do")
        self.assertIn("1 file(s)", str(todos.sorted("id")[-1].note))
        request_sudo._portal_mark_done()
        self.assertEqual(self.request.state, "completed")
        with self.assertRaisesRegex(UserError, "already complete"):
            request_sudo._portal_upload([("late.pdf", PDF_BYTES)])

    def test_staff_mark_a_request_received(self):
        self.request.sudo()._portal_upload([("front.png", PNG_BYTES)])
        with self.assertRaises(AccessError):
            self.request.with_user(self.user_team).action_mark_received()
        self.request.with_user(self.user_owner).action_mark_received()
        self.assertEqual(self.request.state, "completed")

    def test_a_client_cannot_mark_an_empty_request_done(self):
        with self.assertRaisesRegex(UserError, "at least one file"):
            self.request.sudo()._portal_mark_done()

    def test_records_flag_a_file_changed_after_it_was_sealed(self):
        (upload,) = self.request.sudo()._portal_upload([("front.png", PNG_BYTES)])
        team_view = self.client.with_user(self.user_team).serene_record_attachment_ids
        self.assertEqual(team_view.serene_seal_state, "verified")
        upload.sudo().raw = PNG_BYTES + b"tampered"
        upload.invalidate_recordset()
        self.assertEqual(upload.with_user(self.user_team).serene_seal_state, "changed")
        self.assertFalse(self.client.with_user(self.user_other).serene_record_attachment_ids)
        with self.assertRaises(AccessError):
            upload.with_user(self.user_team).write({"serene_sha256": "0" * 64})

    def test_showing_a_seal_reads_no_file(self):
        (upload,) = self.request.sudo()._portal_upload([("front.png", PNG_BYTES)])
        self.assertEqual(upload.sudo().serene_seal_checksum, upload.sudo().checksum, "Odoo's checksum, sealed")
        upload.sudo().raw = PNG_BYTES + b"changed through Odoo"
        Attachment = type(self.env["ir.attachment"])
        with patch.object(Attachment, "_file_read", side_effect=AssertionError("a seal's state read the file")):
            self.env.invalidate_all()
            records = self.client.with_user(self.user_team).serene_record_attachment_ids
            self.assertEqual(records.mapped("serene_seal_state"), ["changed"], "a change through Odoo shows at once")

    def _check_seals(self):
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *args, **kwargs: 60.0):
            self.env["ir.attachment"]._cron_check_seals()
        self.env.invalidate_all()

    def test_the_check_flags_a_file_changed_behind_odoos_back(self):
        data = PDF_BYTES + b"%changed on disk test\n"
        (upload,) = self.request.sudo()._portal_upload([("card.pdf", data)])
        path = upload.sudo()._full_path(upload.sudo().store_fname)
        team_view = upload.with_user(self.user_team)
        try:
            with open(path, "wb") as stored:
                stored.write(data.replace(b"changed", b"CHANGED"))
            self._check_seals()
            self.assertEqual(team_view.serene_seal_state, "verified", "checked when sealed: not due for a week")
            upload.sudo().serene_seal_checked_at = fields.Datetime.now() - timedelta(days=8)
            self._check_seals()
            self.assertEqual(team_view.serene_seal_state, "changed", "the weekly check reads the bytes")
            self.assertTrue(upload.sudo().serene_seal_broken)
            with open(path, "wb") as stored:
                stored.write(data)
            team_view.action_serene_check_seal()
            self.env.invalidate_all()
            self.assertEqual(team_view.serene_seal_state, "verified", "checked again from the Records page")
        finally:
            with open(path, "wb") as stored:
                stored.write(data)
        with self.assertRaises(AccessError):
            upload.with_user(self.user_other).action_serene_check_seal()

    def test_seals_are_kept_by_the_system(self):
        (upload,) = self.request.sudo()._portal_upload([("front.png", PNG_BYTES)])
        for user in (self.user_owner, self.user_manager):
            for vals in (
                {"serene_seal_broken": True},
                {"serene_seal_checksum": upload.sudo().checksum},
                {"serene_seal_checked_at": fields.Datetime.now()},
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    upload.with_user(user).write(vals)
        with self.assertRaises(AccessError):
            self.env["ir.attachment"].with_user(self.user_owner).create(
                {"name": "forged.pdf", "raw": PDF_BYTES, "serene_sha256": "0" * 64}
            )

    def test_the_note_owner_hears_of_an_upload_after_the_clients_request(self):
        portal = self.client.client_portal_id
        cron = self.env.ref("serene_client_portal.ir_cron_notify_note_owners")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        self.request.sudo()._portal_upload([("front.png", PNG_BYTES)])

        def todo():
            return portal.activity_ids.filtered(lambda a: a.summary.startswith("Review upload"))

        self.assertFalse(todo(), "not raised in the client's request")
        self.assertEqual(self.request.review_pending_files, 1)
        self.assertGreater(Trigger.search_count([("cron_id", "=", cron.id)]), triggers, "the job is woken")

        def assigned():
            return self.env["mail.message"].search(
                [
                    ("model", "=", "serene.client.portal"),
                    ("res_id", "=", portal.id),
                    ("partner_ids", "in", self.user_owner.partner_id.ids),
                    ("subject", "=", "A to-do was assigned to you"),
                ]
            )

        self.assertFalse(assigned(), "not rendered in the client's request")
        with patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *args, **kwargs: 60.0):
            self.env["serene.client.portal"]._cron_notify_note_owners()
            self.assertEqual(todo().user_id, self.user_owner, "raised by the job")
            self.assertEqual(self.request.review_pending_files, 0)
            self.assertEqual(len(assigned()), 1)
            self.assertNotIn(self.request.name, assigned().subject, "the notification names no item")
            self.assertFalse(todo().serene_notify_pending)
            self.env["serene.client.portal"]._cron_notify_note_owners()
        self.assertEqual(len(todo()), 1, "once")
        self.assertEqual(len(assigned()), 1, "once")


@tagged("post_install", "-at_install", "serene")
class TestPortalsForEveryNewClient(SereneTransactionCase):
    def test_a_new_client_gets_a_portal_when_the_practice_wants_it(self):
        Partner = self.env["res.partner"].with_user(self.user_owner)
        before = Partner.create({"name": "Before", "is_client": True, "note_owner_id": self.user_owner.id})
        self.assertFalse(before.client_portal_id)
        self.company.serene_portal_auto_create = True
        client = Partner.create({"name": "New Nina", "is_client": True, "note_owner_id": self.user_owner.id})
        self.assertTrue(client.client_portal_id)
        plain = Partner.create({"name": "A supplier"})
        self.assertFalse(plain.sudo().serene_portal_ids)
        plain.sudo().write({"is_client": True})
        self.assertTrue(plain.sudo().serene_portal_ids, "becoming a client")

    def test_over_the_plan_the_client_is_saved_without_a_portal(self):
        self.company.write({"serene_portal_auto_create": True})
        self.company.serene_portal_limit = (
            self.env["serene.client.portal"].sudo().search_count([("company_id", "=", self.company.id)])
        )
        client = (
            self.env["res.partner"]
            .with_user(self.user_owner)
            .create({"name": "Over Oona", "is_client": True, "note_owner_id": self.user_owner.id})
        )
        self.assertFalse(client.sudo().serene_portal_ids)
        self.assertIn("No client portal was created", client.sudo().message_ids[0].body)


@tagged("post_install", "-at_install", "serene")
class TestConsentPages(PacketMixin, HttpCase):
    def setUp(self):
        super().setUp()
        self._assign()
        portal = self.client.client_portal_id
        self.key = portal._new_access_url().rsplit("/", 1)[1]
        self.consent = self._items().filtered(lambda i: i.item_type == "consent")

    def test_the_consent_page_signs_through_odoos_signature_call(self):
        page = self.url_open(f"/portal/{self.key}/item/{self.consent.id}/consent")
        self.assertEqual(page.status_code, 200)
        self.assertIn("portal.signature_form", page.text)
        self.assertIn("I agree.", page.text)
        answer = self.make_jsonrpc_request(
            f"/portal/{self.key}/item/{self.consent.id}/sign", {"name": "Carla Client", "signature": SIGNATURE}
        )
        self.assertEqual(answer["redirect_url"], f"/portal/{self.key}?done=consent")
        self.assertEqual(self.consent.state, "completed")
        home = self.url_open(answer["redirect_url"])
        self.assertIn("your signed consent was sent", home.text)

    def test_a_wrong_key_signs_nothing(self):
        answer = self.make_jsonrpc_request(
            f"/portal/{'x' * 43}/item/{self.consent.id}/sign", {"name": "Mallory", "signature": SIGNATURE}
        )
        self.assertIn("not valid", answer["error"])
        self.assertEqual(self.consent.state, "assigned")

    def test_the_client_says_a_request_is_complete(self):
        request = self._items().filtered(lambda i: i.item_type == "document_request")
        request.sudo()._portal_upload([("front.png", PNG_BYTES)])
        home = self.url_open(f"/portal/{self.key}")
        self.assertIn("I have sent everything", home.text)
        self.assertIn("New client intake", home.text)
        self.assertIn("0 of 3 done", " ".join(home.text.split()))
        response = self.url_open(
            f"/portal/{self.key}/item/{request.id}/done",
            data={"csrf_token": self._csrf(home.text)},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(request.state, "completed")

    def _csrf(self, html):
        return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
