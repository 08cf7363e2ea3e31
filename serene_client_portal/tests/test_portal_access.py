from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SereneTransactionCase

# Who may do what (read, write, create, unlink) on one client's portal records.
# The client's note owner is "owner", their care team "team"; "other" is a practitioner
# of the same practice with no link to the client; "internal" has no practice role;
# "manager_2" manages another company.
MATRIX = {
    # A portal keeps its audit trail: nobody deletes it (test_audit_trail_is_kept).
    "serene.client.portal": {
        "manager": "rwc",
        "owner": "rwc",
        "team": "r",
        "other": "",
        "internal": "",
        "manager_2": "",
    },
    "serene.portal.item": {
        "manager": "rwcu",
        "owner": "rwc",
        "team": "r",
        "other": "",
        "internal": "",
        "manager_2": "",
    },
    "serene.portal.activity": {
        "manager": "r",
        "owner": "r",
        "team": "r",
        "other": "",
        "internal": "",
        "manager_2": "",
    },
    # Links are minted by code only (their key hash is a system-only field).
    "serene.portal.link": {
        "manager": "rw",
        "owner": "rw",
        "team": "",
        "other": "",
        "internal": "",
        "manager_2": "",
    },
    # The client's answers: survey rights, narrowed to the client's practitioners; only the
    # system creates an answer for a portal item.
    "survey.user_input": {
        "manager": "rwu",
        "owner": "rwu",
        "team": "r",
        "other": "",
        "internal": "",
        "manager_2": "",
    },
}


@tagged("serene", "security")
class TestPortalAccess(SereneTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Item = cls.env["serene.portal.item"]
        cls.item = Item.create(
            {
                "partner_id": cls.client.id,
                "item_type": "intake_form",
                "survey_id": cls.survey_intake.id,
                "name": "Intake",
            }
        )
        cls.portal = cls.client.client_portal_id
        cls.portal._new_access_url()
        cls.answer = cls.item._portal_start_form()
        cls.records = {
            "serene.client.portal": cls.portal,
            "serene.portal.item": cls.item,
            "serene.portal.activity": cls.portal.activity_log_ids[:1],
            "serene.portal.link": cls.portal.link_ids[:1],
            "survey.user_input": cls.answer,
        }
        cls.users = {
            "manager": cls.user_manager,
            "owner": cls.user_owner,
            "team": cls.user_team,
            "other": cls.user_other,
            "internal": cls.user_internal,
            "manager_2": cls.user_manager_2,
        }

    def _write_vals(self, model):
        return {
            "serene.client.portal": {"show_appointments": False},
            "serene.portal.item": {"name": "Renamed"},
            "serene.portal.activity": {"detail": "changed"},
            # Nothing of a link is writable by hand (test_records_stay_with_their_client): the write right alone.
            "serene.portal.link": {},
            "survey.user_input": {"deadline": False},
        }[model]

    def _create(self, model, user):
        Model = self.env[model].with_user(user)
        if model == "serene.client.portal":
            # A portal for the same client is refused by the unique constraint, not by rights:
            # create for a fresh client of the same note owner instead.
            client = self.client.copy(
                {
                    "name": "Carla's sibling",
                    "note_owner_id": self.user_owner.id,
                    "care_team_user_ids": [(6, 0, self.user_team.ids)],
                }
            )
            return Model.create({"partner_id": client.id, "company_id": self.company.id})
        if model == "serene.portal.item":
            return Model.create(
                {"partner_id": self.client.id, "item_type": "link", "name": "L", "url": "https://example.com"}
            )
        if model == "serene.portal.link":
            return Model.create({"portal_id": self.portal.id, "key_hash": "0" * 64, "fingerprint": "0"})
        if model == "serene.portal.activity":
            return Model.create(
                {
                    "portal_id": self.portal.id,
                    "partner_id": self.client.id,
                    "company_id": self.company.id,
                    "event_type": "portal_viewed",
                    "actor": "client",
                }
            )
        return Model.create(
            {"survey_id": self.survey_intake.id, "partner_id": self.client.id, "serene_item_id": self.item.id}
        )

    def _do(self, op, model, record, user):
        """One operation as an RPC call would make it."""
        if op == "r":
            return record.read(["display_name"])
        if op == "w":
            return record.write(self._write_vals(model))
        if op == "c":
            return self._create(model, user)
        return record.unlink()

    def test_access_matrix(self):
        for model, rights in MATRIX.items():
            for role, allowed in rights.items():
                user = self.users[role]
                record = self.records[model].with_user(user)
                for op in "rwcu":
                    with self.subTest(model=model, role=role, op=op):
                        self.env.invalidate_all()
                        with self.env.cr.savepoint(flush=False) as savepoint:
                            if op in allowed:
                                self._do(op, model, record, user)
                            else:
                                # AccessError for a permission, UserError for a business refusal
                                # (an audited portal is archived, not deleted).
                                with self.assertRaises(UserError):
                                    self._do(op, model, record, user)
                            savepoint.rollback()

    def test_partner_portal_fields_hidden_from_non_practice_users(self):
        client = self.client.with_user(self.user_internal)
        self.assertEqual(client.read(["name"])[0]["name"], "Client Carla")
        for field in ("client_portal_id", "portal_item_ids", "serene_portal_state", "serene_record_input_ids"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                client.read([field])

    def test_other_practitioner_sees_no_portal_of_the_client(self):
        # With "own clients only" off, another practitioner reads the contact, not its portal.
        self.company.serene_own_clients_only = False
        client = self.client.with_user(self.user_other)
        self.assertEqual(client.serene_portal_access, "none")
        self.assertEqual(client.serene_portal_state, "none")
        self.assertFalse(client.serene_portal_activity_message)
        self.assertFalse(self.env["serene.portal.item"].with_user(self.user_other).search([]))
        self.assertFalse(self.env["serene.portal.activity"].with_user(self.user_other).search([]))
        with self.assertRaises(AccessError):
            client.get_client_portal_activity_summary()
        with self.assertRaises(AccessError):
            client.action_client_portal_view()

    def test_manager_sees_own_company_only(self):
        Item = self.env["serene.portal.item"]
        zoe_item = (
            Item.with_user(self.user_manager_2)
            .with_company(self.company_2)
            .create(
                {
                    "partner_id": self.client_company_2.id,
                    "item_type": "link",
                    "name": "Z",
                    "url": "https://example.com",
                }
            )
        )
        self.assertEqual(zoe_item.portal_id.company_id, self.company_2)
        seen_by_manager = Item.with_user(self.user_manager).search([])
        self.assertIn(self.item, seen_by_manager)
        self.assertNotIn(zoe_item, seen_by_manager)
        self.assertEqual(Item.with_user(self.user_manager_2).with_company(self.company_2).search([]), zoe_item)
        with self.assertRaises(AccessError):
            zoe_item.with_user(self.user_manager).read(["name"])


@tagged("serene", "security")
class TestPracticeFieldsWrite(SereneTransactionCase):
    """Every internal user may edit contacts; only the right people say who sees a client."""

    def _write(self, user, vals, partner=None):
        (partner or self.client).with_user(user).write(vals)

    def test_strangers_cannot_make_themselves_note_owner_or_team(self):
        for user in (self.user_internal, self.user_other, self.user_team):
            for vals in ({"note_owner_id": user.id}, {"care_team_user_ids": [(4, user.id)]}):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    self._write(user, vals)
        self.assertEqual(self.client.note_owner_id, self.user_owner)
        self.assertEqual(self.client.care_team_user_ids, self.user_team)
        # Other contact fields stay editable by everyone, as in Odoo.
        self._write(self.user_internal, {"street": "1 Harbour Lane"})

    def test_note_owner_manages_the_team_and_hands_over(self):
        self._write(self.user_owner, {"care_team_user_ids": [(4, self.user_other.id)]})
        self.assertIn(self.user_other, self.client.care_team_user_ids)
        self._write(self.user_owner, {"note_owner_id": self.user_other.id})
        self.assertEqual(self.client.note_owner_id, self.user_other)
        with self.assertRaises(AccessError):
            self._write(self.user_owner, {"note_owner_id": self.user_owner.id})

    def test_usage_limits_and_portal_link_are_not_the_owners(self):
        with self.assertRaises(AccessError):
            self._write(self.user_owner, {"portal_item_limit": 500})
        self._write(self.user_manager, {"portal_item_limit": 500, "portal_storage_limit_mb": 50})
        self.assertEqual(self.client.portal_item_limit, 500)
        other_portal = (
            self.env["serene.portal.item"]
            .create(
                {
                    "partner_id": self.client_other.id,
                    "item_type": "link",
                    "name": "L",
                    "url": "https://example.com",
                }
            )
            .portal_id
        )
        for user in (self.user_owner, self.user_manager):
            with self.subTest(user=user.login):
                portal = self.client.client_portal_id
                self._write(user, {"client_portal_id": other_portal.id})
                self.env.invalidate_all()
                self.assertEqual(self.client.client_portal_id, portal, "a portal stays linked to its own client")

    def test_creating_clients(self):
        Partner = self.env["res.partner"]
        mine = Partner.with_user(self.user_owner).create(
            {"name": "New Client", "is_client": True, "note_owner_id": self.user_owner.id},
        )
        self.assertEqual(mine.note_owner_id, self.user_owner)
        with self.assertRaises(AccessError):
            Partner.with_user(self.user_owner).create({"name": "Theirs", "note_owner_id": self.user_other.id})
        with self.assertRaises(AccessError):
            Partner.with_user(self.user_internal).create({"name": "Sneaky", "note_owner_id": self.user_internal.id})
        unowned = Partner.create({"name": "Walk-in", "is_client": True})
        self._write(self.user_other, {"note_owner_id": self.user_other.id}, partner=unowned)
        self.assertEqual(unowned.note_owner_id, self.user_other)

    def test_system_fields_of_portal_records(self):
        item = self.env["serene.portal.item"].create(
            {
                "partner_id": self.client.id,
                "item_type": "link",
                "name": "L",
                "url": "https://example.com",
            }
        )
        mine = self.client_other.copy({"name": "Another of mine", "note_owner_id": self.user_owner.id})
        key = item.portal_id._new_access_url().rsplit("/", 1)[1]
        link = self.env["serene.portal.link"].browse(self.valid_link(key).id)
        attempts = [
            (item, {"partner_id": mine.id}),
            (item, {"state": "completed"}),
            (item, {"item_type": "resource"}),
            (item.portal_id, {"partner_id": mine.id}),
            (link, {"portal_id": item.portal_id.id}),
        ]
        for record, vals in attempts:
            for user in (self.user_owner, self.user_manager):
                with self.subTest(model=record._name, vals=vals, user=user.login), self.assertRaises(AccessError):
                    record.with_user(user).write(vals)
        item.with_user(self.user_owner).write({"name": "Renamed", "due_date": "2030-01-01"})
        self.assertEqual(item.name, "Renamed")
