from odoo.tests import tagged, users

from .common import SereneTransactionCase

LIST_FIELDS = [
    "display_name",
    "note_owner_id",
    "serene_portal_state",
    "serene_portal_new_items_7d",
    "serene_portal_last_activity_at",
    "serene_usage_limit_message",
    "serene_portal_can_add",
]


@tagged("serene")
class TestQueryCounts(SereneTransactionCase):
    """Client lists and the activity panel cost a fixed number of queries, whatever their size."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.clients = Partner.create(
            [
                {
                    "name": f"Client {n:04d}",
                    "is_client": True,
                    "note_owner_id": cls.user_owner.id,
                    "company_id": cls.company.id,
                }
                for n in range(1000)
            ]
        )
        # Every other client has a portal with two items.
        with_portal = cls.clients[::2]
        cls.env["serene.portal.item"].create(
            [
                {"partner_id": client.id, "item_type": "link", "name": f"Link {n}", "url": "https://example.com"}
                for client in with_portal
                for n in range(2)
            ]
        )

    def _list_read(self, clients):
        clients = clients.with_user(self.user_owner)
        clients.invalidate_recordset()
        self.env.invalidate_all()
        return clients.read(LIST_FIELDS)

    @users("t_owner")
    def test_client_list_is_constant(self):
        self._list_read(self.clients[:10])  # warm the caches that do not depend on size
        with self.assertQueryCount(t_owner=12):
            rows = self._list_read(self.clients[:10])
        self.assertEqual(len(rows), 10)
        with self.assertQueryCount(t_owner=12):
            rows = self._list_read(self.clients)
        self.assertEqual(len(rows), 1000)
        states = {row["serene_portal_state"] for row in rows}
        self.assertEqual(states, {"none", "active"})
        self.assertEqual(rows[0]["serene_portal_new_items_7d"], 2)

    @users("t_owner")
    def test_activity_panel_is_constant(self):
        client = self.clients[0].with_user(self.env.user)
        client.get_client_portal_activity_summary()
        self.env.invalidate_all()
        with self.assertQueryCount(t_owner=12):
            summary = client.get_client_portal_activity_summary()
        self.assertEqual(summary["message"], "2 new items added to the portal just now")
