from lxml import etree

from odoo.tests import HttpCase, tagged, users

from .common import PDF_BYTES, SereneCase, SereneTransactionCase

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

    @users("t_owner")
    def test_clients_list_costs_the_same_at_10_and_80_clients(self):
        """The Clients list's own fields, as the web client asks for them, plus the access and
        usage computes of the form: no query per client."""
        Partner = self.env["res.partner"]
        view = self.env.ref("serene_client_portal.res_partner_view_list_clients")
        arch = etree.fromstring(Partner.get_views([(view.id, "list")])["views"]["list"]["arch"])
        names = [node.get("name") for node in arch.iter("field")]
        names += ["serene_portal_access", "serene_usage_limit_message", "serene_portal_can_add"]
        spec = {
            name: {"fields": {"display_name": {}}} if Partner._fields[name].type == "many2one" else {} for name in names
        }
        # Some clients used their portal: the figures the scheduled action keeps are set.
        portals = self.clients[:160].sudo().client_portal_id
        self.env["serene.portal.activity"].sudo()._log(portals[::3], "portal_viewed", actor="client")
        self.env["serene.client.portal"].sudo()._cron_refresh_engagement()
        domain = [("is_client", "=", True), ("note_owner_id", "=", self.env.uid)]
        Partner.web_search_read(domain, spec, limit=10)  # warm the caches that do not depend on size
        counts = {}
        for limit in (10, 80):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            result = Partner.web_search_read(domain, spec, limit=limit)
            counts[limit] = self.env.cr.sql_log_count - before
            self.assertEqual(len(result["records"]), limit)
        self.assertTrue(any(row["serene_last_client_activity_at"] for row in result["records"]))
        self.assertEqual({row["serene_portal_state"] for row in result["records"]}, {"none", "active"})
        self.assertEqual(counts[10], counts[80], f"queries at 10 and 80 clients: {counts}")


@tagged("post_install", "-at_install", "serene")
class TestPortalPageQueries(SereneCase, HttpCase):
    """The client's portal home costs the same number of queries whatever its item count."""

    def _add_items(self, count, start=0):
        """``count`` items of every kind the home page shows: forms, requests, files, links,
        instructions, and some completed."""
        vals = []
        for n in range(start, start + count):
            base = {"partner_id": self.client.id, "name": f"Item {n}"}
            kind = n % 5
            if kind == 0:
                vals.append(dict(base, item_type="intake_form", survey_id=self.survey_intake.id))
            elif kind == 1:
                vals.append(dict(base, item_type="document_request", accepted_kind_ids=self._kinds("pdf", "image")))
            elif kind == 2:
                attachment = {"name": f"sheet-{n}.pdf", "raw": PDF_BYTES}
                vals.append(dict(base, item_type="resource", attachment_ids=[(0, 0, attachment)]))
            elif kind == 3:
                vals.append(dict(base, item_type="link", url=f"https://example.com/{n}"))
            else:
                vals.append(dict(base, item_type="instructions", description=f"<p>Step {n}</p>"))
        items = self.env["serene.portal.item"].create(vals)
        items.filtered(lambda item: item.item_type == "document_request")[::2].sudo().write(
            {"state": "completed", "completed_at": "2026-01-05 10:00:00"}
        )

    def _page_queries(self, key):
        self.url_open(f"/portal/{key}")  # warm-up: caches, and the link's last use (kept once a minute)
        self.env.flush_all()
        before = self.cr.sql_log_count
        response = self.url_open(f"/portal/{key}")
        count = self.cr.sql_log_count - before
        self.assertEqual(response.status_code, 200)
        return count, response.text

    def test_portal_home_costs_the_same_at_5_and_200_items(self):
        self.client.portal_item_limit = 300
        self._add_items(5)
        key = self.client.client_portal_id._new_access_url().rsplit("/", 1)[1]
        queries_5, page_5 = self._page_queries(key)
        self._add_items(195, start=5)
        queries_200, page_200 = self._page_queries(key)
        for n in (0, 1, 2, 3, 4, 195, 196, 197, 198, 199):
            self.assertIn(f"Item {n}<", page_200)
        self.assertGreater(len(page_200), len(page_5) * 10, "the 200 items are on the page")
        self.assertEqual(queries_5, queries_200, "queries at 5 and at 200 items")
