"""Details only for the care team: what everyone reads says nothing clinical, and the
"Practitioners see only their own clients" setting."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PDF_BYTES, SereneTransactionCase


@tagged("post_install", "-at_install", "serene", "security")
class TestDetailsStayWithTheCareTeam(SereneTransactionCase):
    def test_completed_forms_and_uploads_are_told_on_the_portal_not_the_contact(self):
        form = self._add(item_type="assessment", survey_id=self.survey_assessment.id, name="Mood Scale")
        request = self._add(item_type="document_request", name="Referral", accepted_kind_ids=self._kinds("pdf"))
        answer = form.sudo()._portal_start_form()
        question = self.survey_assessment.question_ids
        answer._save_lines(question, question.suggested_answer_ids[1].id)
        answer._mark_done()
        request.sudo()._portal_upload([("letter.pdf", PDF_BYTES)], note="about my panic attacks")
        self.env["serene.portal.item"]._raise_review_todos()
        contact_text = " ".join(self.client.message_ids.mapped(lambda m: str(m.body) + (m.subject or "")))
        for secret in ("Mood Scale", "score", "Referral", "panic"):
            self.assertNotIn(secret, contact_text)
        self.assertFalse(self.client.activity_ids, "no to-do on the contact everyone reads")
        portal = self.client.client_portal_id
        self.assertEqual(len(portal.activity_ids), 2, "review the form, review the upload")
        self.assertEqual(portal.activity_ids.user_id, self.user_owner)
        for user in (self.user_internal, self.user_other):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                portal.with_user(user).read(["message_ids"])
        self.assertTrue(portal.with_user(self.user_team).message_ids, "the care team reads the notes")


@tagged("post_install", "-at_install", "serene", "security")
class TestOwnClientsOnly(SereneTransactionCase):
    def test_the_setting_is_on_for_new_databases(self):
        self.assertTrue(self.env["res.company"].create({"name": "New Practice"}).serene_own_clients_only)

    def test_practitioners_see_their_own_clients(self):
        supplier = self.env["res.partner"].create({"name": "Paper Supplies Ltd"})
        unowned = self.env["res.partner"].create({"name": "Waiting List Wes", "is_client": True})
        Partner = self.env["res.partner"]
        for user, sees_carla in (
            (self.user_owner, True),
            (self.user_team, True),
            (self.user_manager, True),
            (self.user_other, False),
        ):
            with self.subTest(user=user.login):
                found = Partner.with_user(user).search([("id", "in", (self.client | supplier | unowned).ids)])
                self.assertEqual(self.client in found, sees_carla)
                self.assertIn(supplier, found, "contacts that are not clients stay visible")
                self.assertIn(unowned, found, "a client nobody owns yet can be taken on")
        with self.assertRaises(AccessError):
            self.client.with_user(self.user_other).read(["name"])

    def test_the_setting_off_shows_every_contact(self):
        self.company.serene_own_clients_only = False
        self.assertEqual(self.client.with_user(self.user_other).read(["name"])[0]["name"], "Client Carla")
        self.company.serene_own_clients_only = True
        with self.assertRaises(AccessError):
            self.client.with_user(self.user_other).read(["name"])
