"""Rules a caller cannot talk around: the client status, one company check at every entry, the
password asked before access is handed out, and the emergency contact guarded like the date of
birth. Each test acts as the real role over JSON-RPC and checks that nothing was stored or sent."""

import json

from odoo import http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SereneCase, SereneRpcMixin


class SereneRpcCase(SereneRpcMixin, SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The link and item of each test's client, through the addon's own path.
        cls.portal = (
            cls.env["serene.portal.item"]
            .create({"partner_id": cls.client.id, "item_type": "link", "name": "L", "url": "https://example.com"})
            .portal_id
        )

    def _links(self, portal=None):
        return (portal or self.portal).sudo().link_ids

    def _outgoing(self):
        """How many client emails, text messages and audit rows exist."""
        return (
            self.env["mail.mail"].sudo().search_count([]),
            self.env["sms.sms"].sudo().search_count([]),
            self.env["serene.portal.activity"].sudo().search_count([]),
        )


@tagged("post_install", "-at_install", "serene", "security")
class TestClientStatus(SereneRpcCase):
    """Finding: a care-team member or an internal user cleared "Is a Client" over RPC, and with it
    the guard on email/phone/date of birth and the "own clients only" rule."""

    def test_nobody_but_a_manager_clears_the_client_status(self):
        self.assertTrue(self.company.serene_own_clients_only)
        for login in ("t_team", "t_internal", "t_other", "t_owner"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                answer = self.rpc("res.partner", "write", self.client.ids, {"is_client": False})
                self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
                self.client.invalidate_recordset()
                self.assertTrue(self.client.is_client)

    def test_a_manager_clears_it_only_once_nobody_works_with_the_client(self):
        self.authenticate("t_manager", "t_manager")
        answer = self.rpc("res.partner", "write", self.client.ids, {"is_client": False})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.ValidationError", answer)
        # Without a portal, once the note owner and the care team are gone, the tick may go.
        plain = self.env["res.partner"].create(
            {"name": "Former Client", "is_client": True, "note_owner_id": self.user_owner.id}
        )
        answer = self.rpc("res.partner", "write", plain.ids, {"is_client": False})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.ValidationError", answer)
        answer = self.rpc("res.partner", "write", plain.ids, {"is_client": False, "note_owner_id": False})
        self.assertNotIn("error", answer)
        self.assertFalse(plain.is_client)

    def test_a_new_contact_cannot_be_created_with_a_note_owner_and_no_client_status(self):
        self.authenticate("t_owner", "t_owner")
        count = self.env["res.partner"].search_count([])
        answer = self.rpc(
            "res.partner", "create", None, {"name": "Sneaky", "is_client": False, "note_owner_id": self.user_owner.id}
        )
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.ValidationError", answer)
        self.assertEqual(self.env["res.partner"].search_count([]), count)

    def test_the_takeover_path_stays_shut(self):
        """The whole path of the finding: clear the tick, change the email, ask for a link."""
        self.company.serene_own_clients_only = True
        before = self._outgoing()
        self.authenticate("t_team", "t_team")
        self.rpc("res.partner", "write", self.client.ids, {"is_client": False})
        answer = self.rpc("res.partner", "write", self.client.ids, {"email": "thief@example.com"})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        self.client.invalidate_recordset()
        self.assertEqual(self.client.email, "carla@example.com")
        self.assertEqual(self._outgoing(), before, "nothing stored, nothing sent")
        # Another practitioner still does not see the client.
        self.authenticate("t_other", "t_other")
        answer = self.rpc("res.partner", "search", None, [("id", "=", self.client.id)])
        self.assertEqual(answer["result"], [])

    def test_the_guards_read_what_makes_a_client(self):
        """Even a contact whose tick the system itself cleared keeps the guard while someone works with it."""
        self.env.cr.execute("UPDATE res_partner SET is_client = FALSE WHERE id = %s", [self.client.id])
        self.client.invalidate_recordset()
        self.authenticate("t_team", "t_team")
        answer = self.rpc("res.partner", "write", self.client.ids, {"phone": "+32 470 99 99 99"})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        self.company.serene_own_clients_only = True
        self.authenticate("t_other", "t_other")
        answer = self.rpc("res.partner", "search", None, [("id", "=", self.client.id)])
        self.assertEqual(answer["result"], [], "the own-clients rule reads the note owner, not the tick")


@tagged("post_install", "-at_install", "serene", "security")
class TestOneCompanyCheck(SereneRpcCase):
    """Finding: a practice manager of another company read the activity panel of a client of the
    first company, opened its preview and printed its access letter."""

    def test_a_manager_of_another_company_gets_nothing(self):
        before = (self._outgoing(), len(self._links()))
        self.authenticate("t_manager2", "t_manager2")
        self.skip_identity_prompt()
        for method in (
            "get_client_portal_activity_summary",
            "action_client_portal_view",
            "action_client_portal_print_letter",
            "action_client_portal_resend_link",
            "action_client_portal_show_link",
            "action_client_portal_add_items",
            "action_client_portal_open_links",
            "action_client_portal_create",
        ):
            with self.subTest(method=method):
                answer = self.rpc("res.partner", method, self.client.ids)
                self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        for method in ("get_activity_summary", "action_open_preview", "action_revoke_links"):
            with self.subTest(method=method):
                answer = self.rpc("serene.client.portal", method, self.portal.ids)
                self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        answer = self.rpc("res.partner", "write", self.client.ids, {"note_owner_id": self.user_manager_2.id})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        self.assertEqual((self._outgoing(), len(self._links())), before, "nothing stored, nothing sent")
        self.assertEqual(self.client.note_owner_id, self.user_owner)

    def test_a_client_without_a_company_belongs_to_their_portals_practice(self):
        self.client.company_id = False
        self.authenticate("t_manager2", "t_manager2")
        answer = self.rpc("res.partner", "get_client_portal_activity_summary", self.client.ids)
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        answer = self.rpc("res.partner", "write", self.client.ids, {"serene_emergency_contact": "Mallory"})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        self.authenticate("t_manager", "t_manager")
        answer = self.rpc("res.partner", "get_client_portal_activity_summary", self.client.ids)
        self.assertNotIn("error", answer)


@tagged("post_install", "-at_install", "serene", "security")
class TestPasswordBeforeAccessIsHandedOut(SereneRpcCase):
    """Finding: no password was asked to print a letter, show a link, revoke all links, export the
    trail or change a client's email/phone/date of birth: a stolen session became client keys."""

    def test_printing_a_letter_asks_for_the_password_first(self):
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc("res.partner", "action_client_portal_print_letter", self.client.ids)
        self.assertEqual(answer["result"]["res_model"], "res.users.identitycheck")
        refused = self.confirm_identity(answer, "t_owner", "not the password")
        self.assertEqual(self.rpc_error(refused), "odoo.exceptions.UserError", refused)
        self.assertFalse(self._links(), "no key minted before the password")
        confirmed = self.confirm_identity(answer, "t_owner")
        self.assertEqual(confirmed["result"]["report_name"], "serene_client_portal.report_access_letter")

    def test_the_letter_itself_needs_a_recent_password(self):
        """The report route mints the key: it checks the password too, not only the button."""
        self.authenticate("t_owner", "t_owner")
        report_url = f"/report/pdf/serene_client_portal.report_access_letter/{self.portal.id}"
        with mute_logger("odoo.addons.web.controllers.report"):
            response = self.url_open(
                "/report/download",
                data={"data": json.dumps([report_url, "qweb-pdf"]), "csrf_token": http.Request.csrf_token(self)},
            )
        self.assertNotIn("/portal/", response.text)
        self.assertFalse(self._links(), "no key minted")

    def test_a_link_shown_to_copy_asks_for_the_password(self):
        self.client.email = False
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc("res.partner", "action_client_portal_resend_link", self.client.ids)
        self.assertEqual(answer["result"]["res_model"], "res.users.identitycheck")
        self.assertFalse(self._links())
        shown = self.confirm_identity(answer, "t_owner")["result"]
        self.assertEqual(shown["tag"], "serene_portal_link_dialog")
        self.assertIn("/portal/", shown["params"]["url"])
        self.assertEqual(len(self._links()), 1)

    def test_a_link_sent_by_email_asks_no_password(self):
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc("res.partner", "action_client_portal_resend_link", self.client.ids)
        self.assertEqual(answer["result"]["tag"], "display_notification")
        self.assertNotIn("/portal/", json.dumps(answer["result"]))

    def test_revoking_all_links_asks_for_the_password(self):
        self.portal._new_access_url()
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc("serene.client.portal", "action_revoke_links", self.portal.ids)
        self.assertEqual(answer["result"]["res_model"], "res.users.identitycheck")
        self.assertFalse(self._links().revoked_at)
        self.confirm_identity(answer, "t_owner")
        self.assertTrue(self._links().revoked_at)

    def test_the_auditors_export_asks_for_the_password(self):
        self.authenticate("t_manager", "t_manager")
        wizard = self.rpc("serene.portal.activity.export", "create", None, {})["result"]
        answer = self.rpc("serene.portal.activity.export", "action_export", [wizard])
        self.assertEqual(answer["result"]["res_model"], "res.users.identitycheck")
        self.assertFalse(self.env["ir.attachment"].search([("res_model", "=", "serene.portal.activity.export")]))
        exported = self.confirm_identity(answer, "t_manager")["result"]
        self.assertIn("/web/content/", exported["url"])

    def test_changing_contact_details_asks_for_the_password(self):
        self.portal._new_access_url()
        self.authenticate("t_owner", "t_owner")
        changes = (
            {"email": "carla.new@example.com"},
            {"phone": "+32 470 12 34 56"},
            {"serene_birthdate": "1990-01-02"},
        )
        for vals in changes:
            with self.subTest(vals=vals):
                answer = self.rpc("res.partner", "write", self.client.ids, vals)
                self.assertEqual(self.rpc_error(answer), "odoo.exceptions.RedirectWarning", answer)
        self.client.invalidate_recordset()
        self.assertEqual(self.client.email, "carla@example.com")
        self.assertEqual(len(self._links().filtered(lambda link: link._get_state() == "valid")), 1, "nothing revoked")
        # The warning's button: Odoo's password prompt, then the change goes through.
        answer = self.rpc("res.partner", "action_serene_confirm_identity", [])
        self.confirm_identity(answer, "t_owner")
        answer = self.rpc("res.partner", "write", self.client.ids, {"email": "carla.new@example.com"})
        self.assertNotIn("error", answer)
        self.client.invalidate_recordset()
        self.assertEqual(self.client.email, "carla.new@example.com")
        # Other contacts, and a client's other fields, ask nothing.
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc("res.partner", "write", self.client.ids, {"city": "Ghent"})
        self.assertNotIn("error", answer)


@tagged("post_install", "-at_install", "serene", "security")
class TestEmergencyContact(SereneRpcCase):
    """Finding: any practitioner who could read the contact read and changed the emergency
    contact, unaudited."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Others may read the contact here, so that the guard itself is what refuses.
        cls.company.serene_own_clients_only = False
        cls.client.serene_emergency_contact = "Sam Doe, +32 470 11 11 11"

    def _read_as(self, login):
        self.authenticate(login, login)
        answer = self.rpc("res.partner", "read", self.client.ids, ["serene_emergency_contact"])
        return answer.get("result", [{}])[0].get("serene_emergency_contact") or False

    def test_read_by_the_care_team_and_managers_only(self):
        for login, visible in (
            ("t_owner", True),
            ("t_team", True),
            ("t_manager", True),
            ("t_other", False),
            ("t_internal", False),
            ("t_manager2", False),
        ):
            with self.subTest(login=login):
                self.assertEqual(bool(self._read_as(login)), visible)

    def test_changed_by_the_note_owner_and_managers_only_and_audited(self):
        for login in ("t_team", "t_other", "t_internal"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                answer = self.rpc("res.partner", "write", self.client.ids, {"serene_emergency_contact": "Mallory"})
                self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        self.portal._new_access_url()
        self.authenticate("t_owner", "t_owner")
        answer = self.rpc("res.partner", "write", self.client.ids, {"serene_emergency_contact": "Alex Doe"})
        self.assertNotIn("error", answer)
        self.client.invalidate_recordset()
        self.assertEqual(self.client.serene_emergency_contact, "Alex Doe")
        change = self.portal.sudo().activity_log_ids.filtered(lambda a: a.event_type == "contact_changed")
        self.assertEqual(change.sorted("id")[-1].detail, "Emergency Contact", "the field, never the value")
        self.assertEqual(change.sorted("id")[-1].user_id, self.user_owner)
        self.assertEqual(len(self._links().filtered(lambda link: link._get_state() == "valid")), 1, "links stay")


@tagged("post_install", "-at_install", "serene", "security")
class TestMayManage(SereneRpcCase):
    """One computed "may manage this client's portal" drives the form's buttons, the portal icon
    and bookings; it says yes to the note owner and the managers of the client's practice only."""

    def test_who_may_manage(self):
        self.company.serene_own_clients_only = False
        for login, expected in (
            ("t_owner", True),
            ("t_manager", True),
            ("t_team", False),
            ("t_other", False),
            ("t_manager2", False),
        ):
            with self.subTest(login=login):
                self.authenticate(login, login)
                answer = self.rpc("res.partner", "read", self.client.ids, ["serene_portal_can_manage"])
                value = answer.get("result", [{}])[0].get("serene_portal_can_manage", False)
                self.assertEqual(value, expected, answer)

    def test_the_form_reads_it_and_nothing_else(self):
        arch = self.env.ref("serene_client_portal.view_partner_form").arch
        self.assertIn("serene_portal_can_manage", arch)
        self.assertNotIn("'owner', 'manager'", arch, "the rule is written once, on the contact")
