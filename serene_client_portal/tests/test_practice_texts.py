"""The texts the addon sends its clients are the practice's to reword: its practice managers
open them from the settings and edit them, with the placeholders and conditions the addon's
own texts use and no other code; nobody else edits them, and no manager edits Odoo's other
templates."""

import ast
import logging
import re
from pathlib import Path

from lxml import etree

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.rendering_tools import parse_inline_template
from odoo.tools.translate import PoFileReader

from ..tools.practice_text import unknown_code
from .common import SereneCase, SereneRpcMixin

_logger = logging.getLogger(__name__)

MAIL_TEMPLATES = (
    "mail_template_portal_items",
    "mail_template_identity_code",
    "mail_template_note_owner_urgent",
    "mail_template_digest_daily",
    "mail_template_digest_weekly",
    "mail_template_portal_message",
    "mail_template_note_owner_message",
    "mail_template_message_email_reply",
    "mail_template_booking_notice",
)
SMS_TEMPLATES = (
    "sms_template_portal_link",
    "sms_template_portal_items",
    "sms_template_portal_reminder",
    "sms_template_identity_code",
    "sms_template_portal_message",
    "sms_template_booking_notice",
)


def code_of(text):
    """The QWeb attributes and inline expressions of a piece of a template, whitespace aside."""
    norm = " ".join
    attributes = {
        (name, norm(value.split()))
        for node in etree.fromstring(f"<div>{text}</div>", etree.HTMLParser()).iter()
        for name, value in node.attrib.items()
        if name.startswith("t-")
    }
    expressions = {norm(expr.split()) for _text, expr, _default in parse_inline_template(text) if expr}
    return attributes, expressions


@tagged("post_install", "-at_install", "serene", "security")
class TestPracticeManagerEditsTheTexts(SereneRpcMixin, SereneCase, HttpCase):
    def login(self, login):
        self.authenticate(login, login + "x" * (8 - len(login)))

    def load_action(self, xmlid):
        action = self.env.ref(xmlid)
        return self.url_open(
            "/web/action/load",
            json={"params": {"action_id": action.id}},
            headers={"Content-Type": "application/json"},
        ).json()

    def test_settings_and_configuration_link_to_the_texts(self):
        for view, model in (
            ("serene_client_portal.res_config_settings_view_form", "res.config.settings"),
            ("serene_client_portal.res_company_view_form_serene_settings", "res.company"),
        ):
            arch = self.env[model].get_view(self.env.ref(view).id)["arch"]
            for action in ("mail_template_action_serene", "sms_template_action_serene"):
                self.assertIn(f'name="{self.env.ref(f"serene_client_portal.{action}").id}"', arch, view)
        Menu = self.env["ir.ui.menu"]
        for menu in ("serene_mail_templates_menu", "serene_sms_templates_menu"):
            menu_id = self.env.ref(f"serene_client_portal.{menu}").id
            self.assertIn(menu_id, Menu.with_user(self.user_manager)._visible_menu_ids())
            self.assertNotIn(menu_id, Menu.with_user(self.user_owner)._visible_menu_ids())

    def test_the_actions_list_the_addons_templates_and_no_other(self):
        self.login("t_manager")
        for xmlid, model, names in (
            ("serene_client_portal.mail_template_action_serene", "mail.template", MAIL_TEMPLATES),
            ("serene_client_portal.sms_template_action_serene", "sms.template", SMS_TEMPLATES),
        ):
            action = self.load_action(xmlid)["result"]
            self.assertEqual(action["res_model"], model)
            found = self.rpc(model, "search", None, ast.literal_eval(action["domain"]))["result"]
            expected = {self.env.ref(f"serene_client_portal.{name}").id for name in names}
            self.assertEqual(set(found), expected)

    def test_translations_carry_the_same_code(self):
        """A practice manager edits a translated text as the English one: the translations use
        the very placeholders and conditions of the texts they translate."""
        checked = 0
        for po in sorted((Path(__file__).parent.parent / "i18n").glob("*.po")):
            for entry in PoFileReader(str(po)):
                if entry["value"] and re.search(r"t-[a-z]|\{\{", entry["src"]):
                    checked += 1
                    self.assertEqual(code_of(entry["value"]), code_of(entry["src"]), f"{po.name}: {entry['src'][:80]}")
        _logger.info("practice texts: %s translated pieces with code checked", checked)

    def test_the_shipped_texts_use_only_their_own_code(self):
        for name in MAIL_TEMPLATES + SMS_TEMPLATES:
            template = self.env.ref(f"serene_client_portal.{name}")
            self.assertEqual(unknown_code(template), [], name)
            self.assertTrue(template.serene_practice_text)

    @mute_logger("odoo.http")
    def test_manager_rewords_an_email_and_a_text_message_and_clients_get_them(self):
        self.login("t_manager")
        email = self.env.ref("serene_client_portal.mail_template_portal_items")
        body = email.body_html.replace(
            "This link is personal: please do not forward it.", "Keep this link to yourself."
        )
        self.assertNotEqual(body, email.body_html)
        answer = self.rpc(
            "mail.template", "write", email.ids, {"body_html": body, "subject": "Your portal, as promised"}
        )
        self.assertIs(answer.get("result"), True, answer)
        sms = self.env.ref("serene_client_portal.sms_template_portal_link")
        answer = self.rpc(
            "sms.template",
            "write",
            sms.ids,
            {"body": "Your link from {{ object.company_id.name }}: {{ ctx.get('portal_url') }}"},
        )
        self.assertIs(answer.get("result"), True, answer)
        # What the client receives is the practice's wording.
        self.client.write({"email": "carla@example.com", "phone": "+32470000001"})
        self.company.serene_portal_notify_sms = True
        portal = self.client._serene_get_or_create_portals()
        outcome = portal._send_access_link()
        # sudo: mail.mail / sms.sms - what was queued for the client
        mail = self.env["mail.mail"].sudo().search([("serene_portal_id", "=", portal.id)])
        self.assertEqual(mail.subject, "Your portal, as promised")
        self.assertIn("Keep this link to yourself.", str(mail.body_html))
        self.assertIn(outcome["url"], str(mail.body_html))
        # sudo: sms.sms - what was queued for the client
        text = self.env["sms.sms"].sudo().search([("serene_portal_id", "=", portal.id)])
        self.assertEqual(text.body, f"Your link from {self.company.name}: {outcome['url']}")

    @mute_logger("odoo.http")
    def test_no_new_code_in_the_texts(self):
        self.login("t_manager")
        email = self.env.ref("serene_client_portal.mail_template_portal_items")
        for field, value in (
            ("body_html", str(email.body_html) + '<p t-out="object.partner_id.email">x</p>'),
            ("body_html", str(email.body_html) + '<p t-if="ctx.get(\'portal_reminder\')" t-out="user.env">x</p>'),
            ("subject", "{{ object.partner_id.serene_birthdate }}"),
        ):
            with self.subTest(field=field, value=value[-60:]):
                answer = self.rpc("mail.template", "write", email.ids, {field: value})
                self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        # The words only: not who receives a copy of every client's link, not what is attached.
        for values in (
            {"email_cc": "someone@example.com"},
            {"partner_to": "{{ object.partner_id.id }}", "subject": "Hi"},
            {"model_id": self.env.ref("base.model_res_partner").id},
            {"active": False},
        ):
            with self.subTest(values=values):
                answer = self.rpc("mail.template", "write", email.ids, values)
                self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        sms = self.env.ref("serene_client_portal.sms_template_portal_items")
        partner_model = self.env.ref("base.model_res_partner").id
        for values in ({"body": "{{ object.partner_id.comment }}"}, {"model_id": partner_model}):
            with self.subTest(values=values):
                answer = self.rpc("sms.template", "write", sms.ids, values)
                self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        email.invalidate_recordset()
        sms.invalidate_recordset()
        self.assertNotIn("partner_id.email", str(email.body_html))
        self.assertEqual(email.subject, "{{ object.company_id.name }}: your client portal")
        self.assertNotIn("comment", sms.body)
        self.assertFalse(email.email_cc)
        self.assertTrue(email.active)
        self.assertEqual(email.model, "serene.client.portal")
        self.assertEqual(sms.model, "serene.client.portal")

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule")
    def test_managers_edit_no_other_template_and_practitioners_none(self):
        other_mail = self.env["mail.template"].search([("serene_practice_text", "=", False)], limit=1)
        other_sms = self.env["sms.template"].search([("serene_practice_text", "=", False)], limit=1)
        self.assertTrue(other_mail)
        self.login("t_manager")
        answer = self.rpc("mail.template", "write", other_mail.ids, {"subject": "Changed"})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        if other_sms:
            answer = self.rpc("sms.template", "write", other_sms.ids, {"body": "Changed"})
            self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        model_id = self.env.ref("base.model_res_partner").id
        answer = self.rpc("sms.template", "create", None, {"name": "Mine", "model_id": model_id, "body": "Hi"})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        email = self.env.ref("serene_client_portal.mail_template_portal_items")
        sms = self.env.ref("serene_client_portal.sms_template_portal_items")
        self.login("t_owner")
        answer = self.rpc("mail.template", "write", email.ids, {"subject": "By a practitioner"})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        answer = self.rpc("sms.template", "write", sms.ids, {"body": "By a practitioner"})
        self.assertEqual(self.rpc_error(answer), "odoo.exceptions.AccessError", answer)
        email.invalidate_recordset()
        sms.invalidate_recordset()
        self.assertEqual(email.subject, "{{ object.company_id.name }}: your client portal")
        self.assertNotIn("practitioner", sms.body)
        other_mail.invalidate_recordset()
        self.assertNotEqual(other_mail.subject, "Changed")


@tagged("post_install", "-at_install", "serene", "security", "serene_slow")
class TestPracticeManagerEditsTheTextsInTheBrowser(SereneCase, HttpCase):
    def test_manager_rewords_an_email_in_the_browser(self):
        self.start_tour(
            "/odoo/action-serene_client_portal.res_partner_action_clients",
            "serene_manager_rewords_an_email",
            login="t_manager",
            timeout=120,
        )
        email = self.env.ref("serene_client_portal.mail_template_identity_code")
        self.assertEqual(email.subject, "Your portal code from {{ object.company_id.name }}")
        # The web client's editor kept the body's placeholders as they were.
        self.assertEqual(unknown_code(email), [])
        self.assertIn("ctx.get('portal_code')", str(email.body_html))
