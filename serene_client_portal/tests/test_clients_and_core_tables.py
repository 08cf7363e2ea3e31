from odoo.tests import tagged

from .common import SereneTransactionCase


@tagged("post_install", "-at_install", "serene")
class TestAClientIsAClient(SereneTransactionCase):
    def test_a_portal_makes_a_client(self):
        """A contact that got a portal another way than the form (API, booking, import) is a
        client, and its Client Portal page shows."""
        contact = self.env["res.partner"].create({"name": "Imported Ivy", "company_id": self.company.id})
        self.assertFalse(contact.is_client)
        self.env["serene.portal.item"].with_user(self.user_manager).create(
            {"partner_id": contact.id, "item_type": "link", "name": "Welcome", "url": "https://example.com"}
        )
        self.assertTrue(contact.client_portal_id)
        self.assertTrue(contact.is_client, "a contact with a portal is a client")
        as_manager = contact.with_user(self.user_manager)
        self.assertEqual(as_manager.serene_portal_access, "manager")
        arch = (
            self.env["res.partner"].with_user(self.user_manager).get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="client_portal"', arch)
        self.assertEqual(as_manager.serene_portal_state, "active")

    def test_a_note_owner_or_care_team_makes_a_client(self):
        Partner = self.env["res.partner"]
        owned = Partner.with_user(self.user_owner).create({"name": "Owned Otis", "note_owner_id": self.user_owner.id})
        self.assertTrue(owned.is_client)
        cared = Partner.create({"name": "Cared Cleo", "care_team_user_ids": [(6, 0, self.user_team.ids)]})
        self.assertTrue(cared.is_client)
        plain = Partner.create({"name": "Plumber Pat"})
        self.assertFalse(plain.is_client)

    def test_plan_banner_only_on_clients(self):
        """A full plan stops new portals, and says so on clients, not on every supplier's contact."""
        portals = self.env["serene.client.portal"].search_count([("company_id", "=", self.company.id)])
        self.company.serene_portal_limit = max(portals, 1)
        if not portals:
            self._add()
        plain = self.env["res.partner"].create({"name": "Supplier Sam", "company_id": self.company.id})
        waiting = self.env["res.partner"].create(
            {"name": "Waiting Wren", "company_id": self.company.id, "is_client": True}
        )
        self.assertFalse(plain.with_user(self.user_manager).serene_usage_limit_message)
        self.assertIn("plan allows", waiting.with_user(self.user_manager).serene_usage_limit_message)


@tagged("post_install", "-at_install", "serene")
class TestCoreTables(SereneTransactionCase):
    def test_no_not_null_column_on_core_tables(self):
        """Other modules create companies, contacts and users without knowing this addon: the
        columns it adds to their tables accept NULL."""
        self.env.cr.execute(
            """
            SELECT c.table_name, c.column_name
              FROM ir_model_fields f
              JOIN ir_model m ON m.id = f.model_id
              JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id
              JOIN information_schema.columns c
                ON c.table_name = replace(m.model, '.', '_') AND c.column_name = f.name
             WHERE d.module = 'serene_client_portal'
               AND m.model NOT LIKE 'serene.%%'
               AND NOT m.transient
               AND f.name NOT IN ('id', 'create_uid', 'create_date', 'write_uid', 'write_date')
               AND c.is_nullable = 'NO'
            """
        )
        self.assertEqual(self.env.cr.fetchall(), [])

    def test_company_without_the_addons_values_works(self):
        """A company whose row another module's code wrote without this addon's columns."""
        bare = self.env["res.company"].create({"name": "Bare Practice"})
        self.env.cr.execute(
            "UPDATE res_company SET serene_portal_verify_code = NULL, serene_portal_item_limit = NULL WHERE id = %s",
            [bare.id],
        )
        bare.invalidate_recordset()
        self.assertFalse(bare.serene_portal_verify_code)
        contact = self.env["res.partner"].create({"name": "Shared Contact"})
        portal = self.env["serene.client.portal"].create({"partner_id": contact.id, "company_id": bare.id})
        key = portal._new_access_url().rsplit("/", 1)[1]
        link = self.valid_link(key)
        self.assertTrue(link)
        self.assertFalse(link._identity_check_required(), "no identity check unless the practice asks for one")
        self.assertFalse(contact._serene_limit_messages())
