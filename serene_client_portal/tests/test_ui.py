import logging
import unittest

from odoo.tests import HttpCase, tagged

from .common import XSS, SereneCase

_logger = logging.getLogger(__name__)


class TourCase(SereneCase, HttpCase):
    """Tours that must run: a missing browser is a failure, never a skip."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

    def run_tour(self, url, name, login):
        try:
            self.start_tour(url, name, login=login, timeout=120)
        except unittest.SkipTest as skip:
            self.fail(f"tour {name} could not run: {skip}")
        _logger.info("tour %s succeeded", name)

    @property
    def clients_url(self):
        return "/odoo/action-serene_client_portal.res_partner_action_clients"


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestClientPortalTours(TourCase):
    def test_therapist_opens_client_form(self):
        self.run_tour(self.clients_url, "serene_therapist_opens_client", "t_owner")

    def test_resend_link_says_why_nothing_was_sent(self):
        self._add()
        self.company.serene_portal_notify_email = False
        self.run_tour(self.clients_url, "serene_resend_link_without_email", "t_owner")
        self.assertEqual(len(self.client.client_portal_id.link_ids), 1, "the link shown is the one minted")

    def test_changing_a_clients_email_asks_for_the_password(self):
        self._add()
        self.run_tour(self.clients_url, "serene_contact_change_asks_password", "t_owner")
        self.assertEqual(self.client.email, "carla.new@example.com")
        changed = self.client.sudo().serene_portal_ids.activity_log_ids.filtered(
            lambda a: a.event_type == "contact_changed"
        )
        self.assertEqual(changed.detail, "Email")

    def test_note_owner_adds_items(self):
        self.run_tour(self.clients_url, "serene_note_owner_adds_items", "t_owner")
        portal = self.client.client_portal_id
        self.assertTrue(portal, "the dialog created the portal")
        self.assertEqual(sorted(portal.item_ids.mapped("item_type")), ["intake_form", "link"])
        self.assertEqual(portal.item_ids.filtered(lambda i: i.item_type == "link").url, "https://example.com/breathe")

    def test_manager_changes_a_portal_setting(self):
        self.run_tour(self.clients_url, "serene_manager_changes_a_setting", "t_manager")
        self.assertEqual(self.company.serene_portal_link_expiry_days, 45)

    def test_team_member_sees_disabled_buttons(self):
        self.env["serene.portal.item"].create(
            {
                "partner_id": self.client.id,
                "item_type": "link",
                "name": "Shared",
                "url": "https://example.com",
            }
        )
        self.run_tour(self.clients_url, "serene_team_member_read_only", "t_team")

    def test_client_visit_then_note_owner_sees_records(self):
        Item = self.env["serene.portal.item"]
        Item.create({"partner_id": self.client.id, "item_type": "intake_form", "survey_id": self.survey_intake.id})
        Item.create(
            {
                "partner_id": self.client.id,
                "item_type": "document_request",
                "name": "ID card",
                "accepted_kind_ids": self._kinds("pdf"),
            }
        )
        Item.create({"partner_id": self.client.id, "item_type": "link", "name": XSS, "url": "https://example.com"})
        portal = self.client.client_portal_id
        key = portal._new_access_url().rsplit("/", 1)[1]
        self.env.cr.execute("UPDATE serene_portal_activity SET event_at = event_at - interval '30 days'")
        self.env.invalidate_all()
        self.assertEqual(portal.get_activity_summary()["state"], "inactive")
        self.run_tour(f"/portal/{key}", "serene_client_visit", None)
        self.assertEqual(
            set(portal.item_ids.filtered(lambda i: i.item_type != "link").mapped("state")),
            {"completed"},
        )
        answer = self.client.with_user(self.user_owner).serene_record_input_ids
        self.assertEqual(len(answer), 1)
        self.assertEqual(answer.user_input_line_ids.value_char_box, '"><svg onload=alert(1)>')
        self.assertEqual(portal.get_activity_summary()["state"], "active")
        self.run_tour(self.clients_url, "serene_note_owner_sees_records", "t_owner")


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestClinicalWorkflowTour(TourCase):
    browser_size = "375x740"
    touch_enabled = True

    def test_packet_consent_phq9_and_two_files_on_a_phone(self):
        phq9 = self.env["serene.portal.demo"]._create_phq9()
        packet = self.env["serene.portal.packet"].create(
            {
                "name": "New client intake",
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "item_type": "consent",
                            "name": "Consent to treatment",
                            "description": "<p>I agree to take part in therapy.</p>",
                        },
                    ),
                    (0, 0, {"item_type": "assessment", "name": "PHQ-9", "survey_id": phq9.id}),
                    (
                        0,
                        0,
                        {
                            "item_type": "document_request",
                            "name": "Insurance card",
                            "accepted_kind_ids": self._kinds("pdf", "image"),
                        },
                    ),
                ],
            }
        )
        self.env["serene.portal.add.item"].with_user(self.user_owner).create(
            {"partner_id": self.client.id, "packet_ids": [(6, 0, packet.ids)]}
        ).action_add()
        portal = self.client.client_portal_id
        key = portal._new_access_url().rsplit("/", 1)[1]
        self.run_tour(f"/portal/{key}", "serene_client_packet_on_phone", None)
        items = portal.item_ids
        self.assertEqual(set(items.mapped("state")), {"completed"})
        answer = items.filtered(lambda i: i.survey_id == phq9).user_input_id
        self.assertTrue(answer.serene_risk_flag)
        todo = portal.activity_ids.filtered(lambda a: a.summary.startswith("Urgent"))
        self.assertEqual(todo.user_id, self.user_owner)
        files = self.client.with_user(self.user_owner).serene_record_attachment_ids
        self.assertEqual(len(files), 3, "the signed consent and both sides of the card")
        self.assertEqual(set(files.mapped("serene_seal_state")), {"verified"})
        self.browser_size = "1366x768"
        self.touch_enabled = False
        self.run_tour(self.clients_url, "serene_note_owner_sees_clinical_records", "t_owner")
