from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree

from odoo import fields
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
        with self.assertQueryCount(t_owner=9):
            rows = self._list_read(self.clients[:10])
        self.assertEqual(len(rows), 10)
        with self.assertQueryCount(t_owner=9):
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
        # The week's activity, and the client's unread secure messages.
        with self.assertQueryCount(t_owner=11):
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


# The client form's own fields, with the subfields its lists show (views/res_partner_views.xml).
CLIENT_FORM_SPEC = {
    "display_name": {},
    "is_client": {},
    "serene_birthdate": {},
    "serene_emergency_contact": {},
    "note_owner_id": {"fields": {"display_name": {}}},
    "care_team_user_ids": {"fields": {"display_name": {}}},
    "serene_usage_limit_message": {},
    "serene_portal_can_add": {},
    "serene_add_disabled_reason": {},
    "serene_portal_access": {},
    "serene_portal_activity_message": {},
    "client_portal_id": {"fields": {"display_name": {}}},
    "serene_show_appointments": {},
    "portal_item_limit": {},
    "portal_storage_limit_mb": {},
    "portal_item_ids": {
        "fields": {
            "serene_risk_flag": {},
            "item_type": {},
            "name": {},
            "state": {},
            "assigned_at": {},
            "due_date": {},
            "completed_at": {},
            "reminder_display": {},
            "packet_id": {"fields": {"display_name": {}}},
        },
        "limit": 40,
    },
    "serene_notification_ids": {
        "fields": {"create_date": {}, "kind": {}, "channel": {}, "recipient": {}, "state": {}},
        "limit": 5,
    },
    "serene_record_input_ids": {
        "fields": {"survey_id": {"fields": {"display_name": {}}}, "serene_sha256": {}, "serene_seal_state": {}},
        "limit": 40,
    },
    "serene_record_attachment_ids": {
        "fields": {
            "name": {},
            "create_date": {},
            "serene_sha256": {},
            "serene_seal_state": {},
            "serene_seal_checked_at": {},
        },
        "limit": 40,
    },
}
CLIENT_FORM_QUERIES = 23


@tagged("post_install", "-at_install", "serene")
class TestClientFormQueries(SereneTransactionCase):
    """The client form costs a fixed number of queries, whatever the client's files, and showing
    their seals reads none of them."""

    def _upload(self, request, count, start=0):
        for n in range(start, start + count):
            request.sudo()._portal_upload([(f"scan-{n}.pdf", PDF_BYTES + f"%scan {n}\n".encode())])

    def _form_read(self, warmup=False):
        self.env.invalidate_all()
        client = self.client.with_user(self.env.user).with_context(bin_size=True)
        Attachment = type(self.env["ir.attachment"])
        with patch.object(Attachment, "_file_read", side_effect=AssertionError("the form read a file")):
            if warmup:
                [record] = client.web_read(CLIENT_FORM_SPEC)
            else:
                with self.assertQueryCount(t_owner=CLIENT_FORM_QUERIES):
                    [record] = client.web_read(CLIENT_FORM_SPEC)
            summary = client.get_client_portal_activity_summary()
        return record, summary

    @users("t_owner")
    def test_the_client_form_costs_the_same_with_more_files(self):
        request = self._add(item_type="document_request", name="Scans", accepted_kind_ids=self._kinds("pdf"))
        self._add(item_type="intake_form")
        self._upload(request, 2)
        self._form_read(warmup=True)  # the caches that do not depend on the files
        record, summary = self._form_read()
        self.assertEqual(len(record["serene_record_attachment_ids"]), 2)
        self.assertEqual({row["serene_seal_state"] for row in record["serene_record_attachment_ids"]}, {"verified"})
        self.assertEqual(summary["state"], "active")
        self._upload(request, 6, start=2)
        record, _summary = self._form_read()
        self.assertEqual(len(record["serene_record_attachment_ids"]), 8)
        self.assertEqual({row["serene_seal_state"] for row in record["serene_record_attachment_ids"]}, {"verified"})

    @users("t_owner")
    def test_the_activity_panel_of_a_quiet_portal_and_of_none(self):
        self._add()
        client = self.client.with_user(self.env.user)
        with freeze_time(fields.Datetime.now() + timedelta(days=8)):
            summary = client.get_client_portal_activity_summary()
        self.assertEqual((summary["state"], summary["new_items"]), ("inactive", 0))
        self.assertEqual(summary["message"], "No new activity on the client portal")
        newcomer = self.env["res.partner"].create(
            {"name": "New Nora", "is_client": True, "note_owner_id": self.env.uid, "company_id": self.company.id}
        )
        summary = newcomer.get_client_portal_activity_summary()
        self.assertEqual(summary["state"], "none")
        self.assertIn("not yet set up for New Nora", summary["message"])
        self.assertFalse(client.serene_portal_activity_message, "a portal speaks through its panel")


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
