"""The fields that grant access are guarded: email, phone and date of birth."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import SereneTransactionCase


@tagged("post_install", "-at_install", "serene", "security")
class TestContactFieldsThatGrantAccess(SereneTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Others may read the contact here, so that the guard itself is what refuses.
        cls.company.serene_own_clients_only = False
        cls.client.serene_birthdate = "1990-04-12"

    def test_only_the_note_owner_or_a_manager_changes_them(self):
        portal = self._add().portal_id
        portal._new_access_url()
        for user in (self.user_other, self.user_team, self.user_internal):
            for vals in (
                {"email": "thief@example.com"},
                {"phone": "+32 470 99 99 99"},
                {"serene_birthdate": "2000-01-01"},
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    self.client.with_user(user).write(vals)
        self.assertEqual(self.client.email, "carla@example.com")
        self.assertTrue(portal.link_ids.filtered(lambda link: link._get_state() == "valid"), "nothing revoked")

    def test_a_change_is_recorded_and_revokes_the_live_links(self):
        portal = self._add().portal_id
        portal._new_access_url()
        self.client.with_user(self.user_owner).write({"email": "carla.new@example.com"})
        change = portal.sudo().activity_log_ids.filtered(lambda a: a.event_type == "contact_changed")
        self.assertEqual(change.detail, "Email")
        self.assertNotIn("carla.new", change.detail or "", "the audit trail names the field, not the value")
        self.assertFalse(portal.link_ids.filtered(lambda link: link._get_state() == "valid"))
        self.client.with_user(self.user_manager).write({"serene_birthdate": "1990-04-13"})
        self.assertEqual(str(self.client.with_user(self.user_owner).serene_birthdate), "1990-04-13")

    def test_date_of_birth_is_read_by_the_care_team_and_managers_only(self):
        for user, visible in (
            (self.user_owner, True),
            (self.user_team, True),
            (self.user_manager, True),
            (self.user_other, False),
            (self.user_manager_2, False),
        ):
            with self.subTest(user=user.login):
                try:
                    value = self.client.with_user(user).read(["serene_birthdate"])[0]["serene_birthdate"]
                except AccessError:
                    value = False
                self.assertEqual(bool(value), visible)
