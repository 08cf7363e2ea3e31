"""Fields the system keeps are closed on create as on write: a caller who may create a record
cannot hand it another client's answers, a signature, a packet, a seal or a to-do flag. Each test
acts as the real role over JSON-RPC and checks that nothing was stored."""

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SereneCase, SereneRpcMixin

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install", "serene", "security")
class TestSystemFieldsOnCreate(SereneRpcMixin, SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The client's PHQ-9 as their own portal leaves it: started, then flagged at completion.
        cls.assessment = cls.env["serene.portal.item"].create(
            {"partner_id": cls.client.id, "item_type": "assessment", "survey_id": cls.survey_assessment.id}
        )
        cls.answer = cls.assessment._portal_start_form()
        cls.answer.sudo().write({"serene_risk_flag": True, "serene_severity": "Severe"})
        cls.portal = cls.assessment.portal_id
        cls.portal_other = (
            cls.env["serene.portal.item"]
            .create({"partner_id": cls.client_other.id, "item_type": "link", "name": "L", "url": "https://example.com"})
            .portal_id
        )

    def _count(self, model, domain=None):
        return self.env[model].sudo().with_context(active_test=False).search_count(domain or [])

    def _refused(self, model, vals, login="t_owner"):
        """Create ``vals`` on ``model`` over RPC as ``login``: refused, nothing stored."""
        self.authenticate(login, login)
        before = self._count(model)
        with mute_logger("odoo.http"):
            answer = self.rpc(model, "create", None, vals)
        self.assertEqual(self.rpc_error(answer), ACCESS_ERROR, answer)
        self.assertEqual(self._count(model), before, f"a {model} was stored")
        return answer

    def test_another_clients_phq9_is_not_taken_through_create(self):
        """Finding: a practitioner outside the client's care team created an item for their own
        client with the other client's answer and state 'completed', then read its score."""
        self._refused(
            "serene.portal.item",
            {
                "partner_id": self.client_other.id,
                "item_type": "assessment",
                "survey_id": self.survey_assessment.id,
                "user_input_id": self.answer.id,
                "state": "completed",
            },
            login="t_other",
        )
        self.assertFalse(
            self._count(
                "serene.portal.item", [("user_input_id", "=", self.answer.id), ("id", "!=", self.assessment.id)]
            )
        )
        # Neither the item's related fields nor the answer itself give the score or the flag away.
        answer = self.rpc(
            "serene.portal.item",
            "search_read",
            None,
            [("user_input_id", "=", self.answer.id)],
            ["score", "serene_risk_flag"],
        )
        self.assertEqual(answer.get("result"), [], answer)
        with mute_logger("odoo.http"):
            answer = self.rpc("survey.user_input", "read", self.answer.ids, ["scoring_percentage", "serene_risk_flag"])
        self.assertTrue(answer.get("error"), answer)

    def test_a_consent_signature_is_not_forged_through_create(self):
        self._refused(
            "serene.portal.item",
            {
                "partner_id": self.client.id,
                "item_type": "consent",
                "name": "Consent",
                "description": "<p>I agree.</p>",
                "signed_by": "Jane Client",
                "signed_at": fields.Datetime.to_string(fields.Datetime.now()),
                "signed_ip": "203.0.113.7",
                "completed_at": fields.Datetime.to_string(fields.Datetime.now()),
            },
        )
        self.assertFalse(self._count("serene.portal.item", [("signed_by", "=", "Jane Client")]))

    def test_item_packet_state_and_authorship_are_the_systems(self):
        packet = self.env["serene.portal.packet"].create(
            {"name": "Starter", "line_ids": [(0, 0, {"item_type": "link", "name": "L", "url": "https://example.com"})]}
        )
        base = {"partner_id": self.client.id, "item_type": "link", "name": "L", "url": "https://example.com"}
        for key, value in (
            ("packet_id", packet.id),
            ("state", "completed"),
            ("added_by_id", self.user_team.id),
            ("assigned_at", "2020-01-01 00:00:00"),
            ("review_pending_files", 3),
        ):
            with self.subTest(field=key):
                self._refused("serene.portal.item", dict(base, **{key: value}))
        # What the practitioner asks for is still theirs to create.
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc("serene.portal.item", "create", None, base)
        self.assertIsInstance(answer.get("result"), int, answer)

    def test_the_packet_is_the_systems_and_the_item_still_the_note_owners(self):
        """The addon's own code sets what the caller may not (the packet, through sudo), and only
        that: the items themselves are created as the caller, so record rules still apply."""
        packet = self.env["serene.portal.packet"].create(
            {"name": "Starter", "line_ids": [(0, 0, {"item_type": "link", "name": "L", "url": "https://example.com"})]}
        )
        Item = self.env["serene.portal.item"].sudo()
        before = Item.search_count([])
        # A care-team member may not add to the client's portal, by RPC or through the dialog.
        self._refused(
            "serene.portal.item",
            {"partner_id": self.client.id, "item_type": "link", "name": "L", "url": "https://example.com"},
            login="t_team",
        )
        wizard = (
            self.env["serene.portal.add.item"]
            .with_user(self.user_team)
            .create({"partner_id": self.client.id, "packet_ids": [(6, 0, packet.ids)], "notify_client": False})
        )
        with self.assertRaises(AccessError):
            wizard.action_add()
        self.assertEqual(Item.search_count([]), before)
        # The note owner's dialog adds the packet's items, recorded as from the packet.
        wizard = (
            self.env["serene.portal.add.item"]
            .with_user(self.user_owner)
            .create({"partner_id": self.client.id, "packet_ids": [(6, 0, packet.ids)], "notify_client": False})
        )
        wizard.action_add()
        added = Item.search([("packet_id", "=", packet.id)])
        self.assertEqual(len(added), 1)
        self.assertEqual(added.added_by_id, self.user_owner)
        self.assertEqual(added.partner_id, self.client)

    def test_a_portal_is_not_created_with_a_last_visit(self):
        self._refused(
            "serene.client.portal",
            {"partner_id": self.client.id, "company_id": self.company.id, "last_client_activity_at": "2020-01-01"},
        )

    def test_a_link_is_not_minted_through_create(self):
        self._refused(
            "serene.portal.link",
            {"portal_id": self.portal.id, "expires_at": "2999-01-01 00:00:00"},
        )

    def test_an_answer_is_not_tied_sealed_or_flagged_through_create(self):
        for key, value in (
            ("serene_item_id", self.assessment.id),
            ("serene_sha256", "0" * 64),
            ("serene_risk_flag", True),
            ("serene_severity", "Minimal"),
        ):
            with self.subTest(field=key):
                self._refused(
                    "survey.user_input",
                    {"survey_id": self.survey_assessment.id, "partner_id": self.client.id, key: value},
                )

    def test_audit_rows_and_notifications_are_not_written_through_create(self):
        self._refused(
            "serene.portal.activity",
            {
                "portal_id": self.portal.id,
                "company_id": self.company.id,
                "event_type": "portal_viewed",
                "actor": "client",
            },
        )
        self._refused(
            "serene.portal.notification",
            {"portal_id": self.portal.id, "channel": "email", "kind": "link", "state": "sent"},
        )

    def test_a_seal_is_not_forged_through_create(self):
        self._refused(
            "ir.attachment",
            {"name": "card.pdf", "raw": "JVBERi0=", "serene_sha256": "0" * 64},
        )
        self._refused(
            "ir.attachment",
            {"name": "card.pdf", "raw": "JVBERi0=", "serene_seal_checksum": "0" * 40},
        )

    def test_a_todo_is_not_flagged_for_the_notification_job_through_create(self):
        self._refused(
            "mail.activity",
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": self.client.id,
                "user_id": self.user_owner.id,
                "summary": "Call back",
                "serene_notify_pending": True,
            },
        )

    def test_a_duplicate_starts_afresh(self):
        """Duplicating an item is a create like any other: the copy is the practitioner's own,
        assigned now, with none of the original's progress."""
        item = self.env["serene.portal.item"].create(
            {"partner_id": self.client.id, "item_type": "link", "name": "L", "url": "https://example.com"}
        )
        item._mark_completed()
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc("serene.portal.item", "copy", item.ids)
        copy = self.env["serene.portal.item"].browse(answer["result"])
        self.assertEqual(copy.state, "assigned")
        self.assertFalse(copy.completed_at)
        self.assertEqual(copy.added_by_id, self.user_owner)


@tagged("post_install", "-at_install", "serene", "security")
class TestSystemFieldsDefaults(SereneRpcMixin, SereneCase, HttpCase):
    """A default is not a way around the guard: what a caller leaves out of ``create`` takes the
    field's own default, not one the caller chose in the context or as a personal default."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.assessment = cls.env["serene.portal.item"].create(
            {"partner_id": cls.client.id, "item_type": "assessment", "survey_id": cls.survey_assessment.id}
        )
        cls.answer = cls.assessment._portal_start_form()
        cls.answer.sudo().write({"serene_risk_flag": True, "serene_severity": "Severe"})

    def _create_item(self, vals, **kwargs):
        self.authenticate("t_other", "t_other")
        answer = self.rpc("serene.portal.item", "create", None, vals, **kwargs)
        self.assertIsInstance(answer.get("result"), int, answer)
        return self.env["serene.portal.item"].browse(answer["result"])

    def test_context_defaults_do_not_set_the_systems_fields(self):
        item = self._create_item(
            {"partner_id": self.client_other.id, "item_type": "assessment", "survey_id": self.survey_assessment.id},
            context={
                "default_user_input_id": self.answer.id,
                "default_state": "completed",
                "default_added_by_id": self.user_owner.id,
                "default_assigned_at": "2020-01-01 00:00:00",
            },
        )
        self.assertFalse(item.user_input_id)
        self.assertEqual(item.state, "assigned")
        self.assertEqual(item.added_by_id, self.user_other)
        self.assertGreater(item.assigned_at, fields.Datetime.to_datetime("2020-01-02"))
        self.assertEqual(self._count_items_with(self.answer), 1)

    def test_context_defaults_do_not_sign_a_consent(self):
        item = self._create_item(
            {
                "partner_id": self.client_other.id,
                "item_type": "consent",
                "name": "Consent",
                "description": "<p>I agree.</p>",
            },
            context={
                "default_signed_by": "Jane Client",
                "default_signed_at": "2020-01-01 00:00:00",
                "default_signed_ip": "203.0.113.7",
                "default_completed_at": "2020-01-01 00:00:00",
            },
        )
        self.assertFalse(item.signed_by or item.signed_at or item.signed_ip or item.completed_at)

    def test_a_personal_default_does_not_set_the_systems_fields(self):
        self.authenticate("t_other", "t_other")
        for name, value in (("user_input_id", self.answer.id), ("state", "completed")):
            answer = self.rpc("ir.default", "set", None, "serene.portal.item", name, value, user_id=True)
            self.assertNotIn("error", answer, answer)
        item = self._create_item(
            {"partner_id": self.client_other.id, "item_type": "assessment", "survey_id": self.survey_assessment.id}
        )
        self.assertFalse(item.user_input_id)
        self.assertEqual(item.state, "assigned")
        self.assertEqual(self._count_items_with(self.answer), 1)

    def test_context_defaults_do_not_flag_a_todo_or_seal_a_file(self):
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc(
            "mail.activity",
            "create",
            None,
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": self.client.id,
                "user_id": self.user_owner.id,
                "summary": "Call back",
            },
            context={"default_serene_notify_pending": True},
        )
        self.assertIsInstance(answer.get("result"), int, answer)
        self.assertFalse(self.env["mail.activity"].browse(answer["result"]).serene_notify_pending)
        answer = self.rpc(
            "ir.attachment",
            "create",
            None,
            {"name": "card.pdf", "raw": "JVBERi0="},
            context={"default_serene_sha256": "0" * 64, "default_serene_seal_checksum": "0" * 40},
        )
        self.assertIsInstance(answer.get("result"), int, answer)
        attachment = self.env["ir.attachment"].browse(answer["result"])
        self.assertFalse(attachment.serene_sha256 or attachment.serene_seal_checksum)

    def _count_items_with(self, user_input):
        return self.env["serene.portal.item"].search_count([("user_input_id", "=", user_input.id)])
