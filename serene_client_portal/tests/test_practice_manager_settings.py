"""What a practice manager configures without being an administrator: the portal's settings of
their own practice (those only), the Clients list opening on their practice's clients, and a
packet assigned again that adds only what the client does not have open yet."""

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SereneCase, SereneRpcMixin, SereneTransactionCase


@tagged("post_install", "-at_install", "serene", "security")
class TestManagerChangesPortalSettings(SereneRpcMixin, SereneCase, HttpCase):
    def test_menu_opens_the_managers_own_company(self):
        menu = self.env.ref("serene_client_portal.serene_portal_settings_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.user_manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.user_owner)._visible_menu_ids())
        self.authenticate("t_manager", "t_manager")
        action = self.rpc("res.company", "action_serene_portal_settings", self.company.ids)["result"]
        self.assertEqual((action["res_model"], action["res_id"]), ("res.company", self.company.id))
        view = self.env.ref("serene_client_portal.res_company_view_form_serene_settings")
        answer = self.rpc("res.company", "get_views", None, [[view.id, "form"]])
        self.assertIn("serene_portal_link_expiry_days", answer["result"]["views"]["form"]["arch"])

    @mute_logger("odoo.http")
    def test_manager_writes_the_serene_settings_of_their_company_only(self):
        self.authenticate("t_manager", "t_manager")
        answer = self.rpc(
            "res.company",
            "write",
            self.company.ids,
            {"serene_portal_link_expiry_days": 12, "serene_portal_verify_code": "email"},
        )
        self.assertIs(answer.get("result"), True, answer)
        self.company.invalidate_recordset()
        self.assertEqual(self.company.serene_portal_link_expiry_days, 12)
        self.assertEqual(self.company.serene_portal_verify_code, "email")
        # Another company's settings, and the company's own fields, stay the administrator's.
        answer = self.rpc("res.company", "write", self.company_2.ids, {"serene_portal_link_expiry_days": 5})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        answer = self.rpc("res.company", "write", self.company.ids, {"name": "Renamed", "serene_reminder_max": 9})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        self.assertIn("Company Name", answer["error"]["data"]["message"])
        answer = self.rpc("res.company", "action_serene_portal_settings", self.company_2.ids)
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        self.company_2.invalidate_recordset()
        self.company.invalidate_recordset()
        self.assertEqual(self.company_2.serene_portal_link_expiry_days, 30)
        self.assertEqual(self.company.name, self.env.ref("base.main_company").name)
        self.assertNotEqual(self.company.name, "Renamed")
        self.assertNotEqual(self.company.serene_reminder_max, 9)
        # A practitioner changes none of them.
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc("res.company", "write", self.company.ids, {"serene_portal_link_expiry_days": 3})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        answer = self.rpc("res.company", "action_serene_portal_settings", self.company.ids)
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        self.company.invalidate_recordset()
        self.assertEqual(self.company.serene_portal_link_expiry_days, 12)

    def test_clients_list_opens_on_my_clients_for_practitioners_only(self):
        action = self.env.ref("serene_client_portal.res_partner_action_clients")
        search_view = action.search_view_id
        for login, opens_on_mine in (("t_owner", True), ("t_manager", False)):
            with self.subTest(login=login):
                self.authenticate(login, login)
                loaded = self.url_open(
                    "/web/action/load",
                    json={"params": {"action_id": action.id}},
                    headers={"Content-Type": "application/json"},
                ).json()["result"]
                self.assertIn("'search_default_my_clients': 1", loaded["context"])
                answer = self.rpc("res.partner", "get_views", None, [[search_view.id, "search"]])
                arch = answer["result"]["views"]["search"]["arch"]
                # The default applies to the filter of that name, which only practitioners have;
                # managers keep a "My Clients" filter of their own, off by default.
                self.assertEqual('name="my_clients"' in arch, opens_on_mine, arch)
                self.assertIn('string="My Clients"', arch)


@tagged("serene")
class TestPacketAssignedAgain(SereneTransactionCase):
    def test_a_packet_assigned_twice_does_not_double_its_items(self):
        packet = self.env["serene.portal.packet"].create(
            {
                "name": "Starter",
                "line_ids": [
                    (0, 0, {"item_type": "intake_form", "name": "Intake", "survey_id": self.survey_intake.id}),
                    (0, 0, {"item_type": "link", "name": "Breathe", "url": "https://example.com/breathe"}),
                ],
            }
        )
        Wizard = self.env["serene.portal.add.item"].with_user(self.user_owner)

        def assign():
            return Wizard.create(
                {"partner_id": self.client.id, "packet_ids": [(6, 0, packet.ids)], "notify_client": False}
            ).action_add()

        Item = self.env["serene.portal.item"].sudo()
        assign()
        self.assertEqual(Item.search_count([("packet_id", "=", packet.id)]), 2)
        with self.assertRaisesRegex(UserError, "already has every item"):
            assign()
        self.assertEqual(Item.search_count([("packet_id", "=", packet.id)]), 2)
        # Once the link is done, assigning the packet again gives only that one anew.
        Item.search([("packet_id", "=", packet.id), ("item_type", "=", "link")]).state = "completed"
        action = assign()
        self.assertIn("Skipped, as the client already has them open: Intake.", action["params"]["message"])
        items = Item.search([("packet_id", "=", packet.id)])
        self.assertEqual(sorted(items.mapped("item_type")), ["intake_form", "link", "link"])
        # Another client is not concerned by the first one's open items.
        other = (
            self.env["serene.portal.add.item"]
            .with_user(self.user_manager)
            .create({"partner_id": self.client_other.id, "packet_ids": [(6, 0, packet.ids)], "notify_client": False})
        )
        self.assertNotIn("Skipped", other.action_add()["params"]["message"])
