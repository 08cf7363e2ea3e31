"""Records stay with their client: files, answers and link state change only through the system,
the activity summary answers only the care team, a booking assigns forms only within the booker's rights."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PDF_BYTES, SereneTransactionCase


@tagged("post_install", "-at_install", "serene", "security")
class TestRecordsStayWithTheirClient(SereneTransactionCase):
    def test_items_share_only_files_uploaded_for_them(self):
        foreign = self.env["ir.attachment"].create(
            {"name": "other.pdf", "raw": PDF_BYTES, "res_model": "res.partner", "res_id": self.client_other.id}
        )
        someone_elses = self.env["ir.attachment"].with_user(self.user_other).create({"name": "x.pdf", "raw": PDF_BYTES})
        for attachment in (foreign, someone_elses):
            with self.subTest(attachment=attachment.name), self.assertRaises(AccessError):
                self._add(item_type="resource", name="Sneaky", attachment_ids=[(6, 0, attachment.ids)])
        self.assertEqual((foreign.res_model, foreign.res_id), ("res.partner", self.client_other.id), "not moved")
        mine = self.env["ir.attachment"].with_user(self.user_owner).create({"name": "mine.pdf", "raw": PDF_BYTES})
        item = self._add(item_type="resource", name="Worksheet", attachment_ids=[(6, 0, mine.ids)])
        self.assertEqual((mine.res_model, mine.res_id), ("serene.portal.item", item.id))
        other_item = self._add(item_type="resource", name="Copy")
        with self.assertRaises(AccessError):
            other_item.with_user(self.user_owner).write({"attachment_ids": [(4, mine.id)]})

    def test_a_to_do_is_flagged_for_its_notification_by_the_system_only(self):
        request = self._add(item_type="document_request", name="Referral", accepted_kind_ids=self._kinds("pdf"))
        request.sudo()._portal_upload([("letter.pdf", PDF_BYTES)])
        self.env["serene.portal.item"]._raise_review_todos()
        todo = self.client.client_portal_id.activity_ids
        self.assertTrue(todo.serene_notify_pending)
        todo.sudo().write({"serene_notify_pending": False})
        todo.with_user(self.user_owner).write({"summary": "Review the referral"})
        with self.assertRaises(AccessError):
            todo.with_user(self.user_owner).write({"serene_notify_pending": True})
        self.assertFalse(todo.serene_notify_pending)

    def test_only_the_system_links_answers_to_items(self):
        form = self._add(item_type="assessment", survey_id=self.survey_assessment.id)
        other_form = self._add(partner=self.client_other, user=self.user_other, item_type="intake_form")
        answer = form.sudo()._portal_start_form()
        Answer = self.env["survey.user_input"].with_user(self.user_owner)
        with self.assertRaises(AccessError):
            Answer.create({"survey_id": self.survey_assessment.id, "serene_item_id": form.id})
        with self.assertRaises(AccessError):
            answer.with_user(self.user_owner).write({"serene_item_id": other_form.id})
        self.assertEqual(answer.serene_item_id, form)

    def test_link_state_changes_only_through_its_actions(self):
        portal = self._add().portal_id
        portal._new_access_url()
        link = portal.link_ids
        link.with_user(self.user_owner).action_revoke()
        self.assertTrue(link.revoked_at)
        for vals in ({"revoked_at": False}, {"expires_at": False}, {"locked_until": False}, {"failed_checks": 0}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                link.with_user(self.user_owner).write(vals)
        self.assertEqual(link._get_state(), "revoked")

    def test_activity_summary_answers_only_the_care_team(self):
        portal = self._add().portal_id
        portal_user = self.env["res.users"].create(
            {"name": "Portal Paula", "login": "t_portal", "group_ids": [(6, 0, self.env.ref("base.group_portal").ids)]}
        )
        for user in (self.user_other, self.user_internal, self.user_manager_2, portal_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                portal.with_user(user).get_activity_summary()
        self.assertEqual(portal.with_user(self.user_team).get_activity_summary()["state"], "active")

    def test_booking_assigns_forms_only_within_the_bookers_rights(self):
        # A practitioner who sees the client (practice setting off) but does not own them.
        self.company.serene_own_clients_only = False
        service = self.env["calendar.event.type"].create(
            {"name": "Intake", "serene_survey_ids": [(6, 0, self.survey_intake.ids)]}
        )
        Event = self.env["calendar.event"]
        values = {
            "name": "Session",
            "start": "2030-01-07 10:00:00",
            "stop": "2030-01-07 11:00:00",
            "categ_ids": [(6, 0, service.ids)],
            "partner_ids": [(6, 0, self.client.ids)],
        }
        Event.with_user(self.user_other).create(values)
        self.assertFalse(self.client.client_portal_id, "another practitioner's booking assigns nothing")
        Event.with_user(self.user_owner).create(values)
        self.assertEqual(self.client.client_portal_id.item_ids.survey_id, self.survey_intake)
