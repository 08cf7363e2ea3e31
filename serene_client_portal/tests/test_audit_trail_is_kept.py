"""Nothing an auditor needs is deleted: through the ORM, the delete button's path and RPC."""

import json

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import SereneCase, SereneTransactionCase


@tagged("post_install", "-at_install", "serene", "security")
class TestNothingAnAuditorNeedsIsDeleted(SereneTransactionCase):
    def test_practitioners_archive_clients(self):
        for user in (self.user_owner, self.user_other):
            with self.subTest(user=user.login), self.assertRaises(UserError):
                self.client.with_user(user).unlink()
        self.assertTrue(self.client.exists())
        self.client.with_user(self.user_owner).action_archive()
        self.assertFalse(self.client.active)

    def test_nobody_deletes_a_client_or_portal_with_an_audit_trail(self):
        portal = self._add().portal_id
        trail = portal.sudo().activity_log_ids
        self.assertTrue(trail)
        with self.assertRaises(UserError):
            self.client.with_user(self.user_manager).unlink()
        with self.assertRaises(UserError):
            portal.with_user(self.user_manager).unlink()
        with self.assertRaises(UserError):
            portal.sudo().unlink()
        self.assertTrue(trail.exists() == trail, "every audit row is still there")

    def test_managers_delete_clients_without_a_portal(self):
        walk_in = self.env["res.partner"].create({"name": "Walk-in", "is_client": True, "company_id": self.company.id})
        walk_in.with_user(self.user_manager).unlink()
        self.assertFalse(walk_in.exists())
        supplier = self.env["res.partner"].create({"name": "Supplier"})
        supplier.with_user(self.user_other).unlink()
        self.assertFalse(supplier.exists(), "contacts that are not clients stay deletable as in Odoo")


@tagged("post_install", "-at_install", "serene", "security")
class TestDeletionOverRpc(SereneCase, HttpCase):
    def _call(self, login, model, method, ids):
        self.authenticate(login, login)
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"model": model, "method": method, "args": [ids], "kwargs": {}},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def test_the_delete_button_path(self):
        portal = (
            self.env["serene.portal.item"]
            .create({"partner_id": self.client.id, "item_type": "link", "name": "L", "url": "https://example.com"})
            .portal_id
        )
        for login, model, ids in (
            ("t_owner", "res.partner", self.client.ids),
            ("t_manager", "res.partner", self.client.ids),
            ("t_manager", "serene.client.portal", portal.ids),
        ):
            with self.subTest(login=login, model=model):
                answer = self._call(login, model, "unlink", ids)
                self.assertIn("error", answer)
                self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.UserError")
        self.assertTrue(self.client.exists() and portal.exists())
