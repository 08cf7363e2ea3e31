import threading

from psycopg2.errors import SerializationFailure

from odoo import api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

from .common import replay_like_a_request


@tagged("post_install", "-at_install", "serene")
class TestPortalConcurrency(BaseCase):
    """Two requests adding an item at the same moment, with real transactions on real connections."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            owner = env.ref("base.user_admin")
            self.client_id = (
                env["res.partner"]
                .create(
                    {
                        "name": "Concurrent Client",
                        "is_client": True,
                        "note_owner_id": owner.id,
                        "portal_item_limit": 2,
                        "company_id": env.company.id,
                    }
                )
                .id
            )
            env["serene.portal.item"].create(
                {
                    "partner_id": self.client_id,
                    "item_type": "link",
                    "name": "First",
                    "url": "https://example.com/1",
                }
            )
            self.owner_id = owner.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env.cr.execute("DELETE FROM serene_portal_activity WHERE partner_id = %s", [self.client_id])
            env.cr.execute("DELETE FROM serene_client_portal WHERE partner_id = %s", [self.client_id])
            env.cr.execute("DELETE FROM mail_message WHERE model = 'res.partner' AND res_id = %s", [self.client_id])
            env.cr.execute("DELETE FROM res_partner WHERE id = %s", [self.client_id])

    def test_two_adds_at_limit_minus_one_accept_exactly_one(self):
        barrier = threading.Barrier(2, timeout=30)
        outcomes = []

        def add(name):
            def attempt(cr):
                env = api.Environment(cr, self.owner_id, {})
                env["res.partner"].browse(self.client_id).name  # noqa: B018 - the transaction's snapshot starts here
                if not getattr(local, "synced", False):
                    local.synced = True
                    barrier.wait()
                env["serene.portal.item"].create(
                    {
                        "partner_id": self.client_id,
                        "item_type": "link",
                        "name": name,
                        "url": "https://example.com/2",
                    }
                )
                return "accepted"

            local = threading.local()
            try:
                outcomes.append(replay_like_a_request(self.registry, attempt))
            except UserError as error:
                outcomes.append(f"refused: {error.args[0]}")
            except SerializationFailure:
                outcomes.append("serialization failure")
            except Exception as error:  # reported by the assertion below
                outcomes.append(f"error: {error!r}")

        threads = [threading.Thread(target=add, args=(f"Concurrent {n}",)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(sorted(o.split(":")[0] for o in outcomes), ["accepted", "refused"], outcomes)
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM serene_portal_item WHERE partner_id = %s AND active", [self.client_id])
            self.assertEqual(cr.fetchone()[0], 2, "exactly the limit, never more")
