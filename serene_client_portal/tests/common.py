import json
import logging
import time

from psycopg2.errors import SerializationFailure

import odoo.http
from odoo.fields import Domain
from odoo.orm.environments import Transaction
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import mute_logger

from odoo.addons.serene_client_portal.models.serene_portal_link import hash_key
from odoo.addons.serene_client_portal.tools import RedactPortalTokens

PRACTICE_USER = "serene_client_portal.group_practice_user"
PRACTICE_MANAGER = "serene_client_portal.group_practice_manager"

# The smallest real files of each kind, made here rather than shipped.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
HTML_AS_PNG = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
XSS = '"><svg onload=alert(1)>'


def logged_request_line(path):
    """The werkzeug access-log line for a GET of ``path``, as the request log writes it."""
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '"%s" %s %s', (f"GET {path} HTTP/1.1", "200", "-"), None
    )
    RedactPortalTokens().filter(record)
    return record.getMessage()


def replay_like_a_request(registry, attempt, tries=5):
    """``attempt(cr)`` in a transaction of its own, as Odoo runs a request
    (``odoo.service.model.retrying``): rolled back and run again on a serialization failure, then
    committed. Odoo's own helper would wait here on the registry lock that the test runner holds.
    Returns what the attempt returned; raises the last failure when every try failed to serialize."""
    with registry.cursor() as cr:
        for try_number in range(tries):
            cr.transaction = Transaction(registry)
            try:
                with mute_logger("odoo.sql_db"):
                    result = attempt(cr)
                cr.flush()
                return result
            except SerializationFailure:
                cr.rollback()
                if try_number == tries - 1:
                    raise
                time.sleep(0.2)
    return None


class SereneCase:
    """Users of every role, clients and library forms shared by the addon's tests: mix it in
    before Odoo's test case (``class TestX(SereneCase, HttpCase)``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_serene()

    @classmethod
    def _kinds(cls, *codes):
        """The x2many command for the upload kinds ``codes`` ('pdf', 'image', 'docx')."""
        return [(6, 0, cls.env["serene.upload.kind"].search([("code", "in", codes)]).ids)]

    @classmethod
    def _setup_serene(cls):
        env = cls.env
        cls.company = env.ref("base.main_company")
        cls.company.write(
            {
                "serene_portal_limit": 0,
                "serene_portal_item_limit": 20,
                "serene_portal_storage_limit_mb": 5,
                "serene_portal_upload_max_mb": 1,
                "serene_portal_link_expiry_days": 30,
                "serene_portal_notify_email": True,
                "serene_portal_notify_sms": False,
                "serene_portal_show_appointments": True,
            }
        )
        cls.company_2 = env["res.company"].create({"name": "Another Practice"})
        company_kw = {"company_id": cls.company.id, "company_ids": [(6, 0, cls.company.ids)]}
        cls.user_manager = new_test_user(env, "t_manager", groups=PRACTICE_MANAGER, name="Manager Mia", **company_kw)
        cls.user_owner = new_test_user(
            env,
            "t_owner",
            groups=PRACTICE_USER,
            name="Owner Olga",
            email="olga@example.com",
            **company_kw,
        )
        cls.user_team = new_test_user(env, "t_team", groups=PRACTICE_USER, name="Team Tim", **company_kw)
        cls.user_other = new_test_user(env, "t_other", groups=PRACTICE_USER, name="Other Otto", **company_kw)
        cls.user_internal = new_test_user(
            env,
            "t_internal",
            groups="base.group_user,base.group_partner_manager",
            name="Clerk Cleo",
            **company_kw,
        )
        cls.user_manager_2 = new_test_user(
            env,
            "t_manager2",
            groups=PRACTICE_MANAGER,
            name="Manager Max",
            company_id=cls.company_2.id,
            company_ids=[(6, 0, cls.company_2.ids)],
        )
        Partner = env["res.partner"]
        cls.client = Partner.create(
            {
                "name": "Client Carla",
                "email": "carla@example.com",
                "phone": "+32470000001",
                "is_client": True,
                "company_id": cls.company.id,
                "note_owner_id": cls.user_owner.id,
                "care_team_user_ids": [(6, 0, cls.user_team.ids)],
            }
        )
        cls.client_other = Partner.create(
            {
                "name": "Client Oscar",
                "email": "oscar@example.com",
                "is_client": True,
                "company_id": cls.company.id,
                "note_owner_id": cls.user_other.id,
            }
        )
        cls.client_company_2 = Partner.create(
            {
                "name": "Client Zoe",
                "email": "zoe@example.com",
                "is_client": True,
                "company_id": cls.company_2.id,
                "note_owner_id": cls.user_manager_2.id,
            }
        )
        cls.survey_intake = cls._make_survey("Intake Basics", "intake_form", scored=False)
        cls.survey_assessment = cls._make_survey("Mood Scale", "assessment", scored=True)

    @classmethod
    def _make_survey(cls, title, kind, scored):
        answers = [(0, 0, {"value": "Low", "answer_score": 0}), (0, 0, {"value": "High", "answer_score": 3})]
        return cls.env["survey.survey"].create(
            {
                "title": title,
                "serene_form_kind": kind,
                "access_mode": "token",
                "users_login_required": False,
                "questions_layout": "one_page",
                "scoring_type": "scoring_without_answers" if scored else "no_scoring",
                "scoring_success_min": 0,
                "question_and_page_ids": [
                    (0, 0, {"title": "How are you feeling?", "question_type": "char_box", "constr_mandatory": True})
                    if not scored
                    else (
                        0,
                        0,
                        {"title": "How often?", "question_type": "simple_choice", "suggested_answer_ids": answers},
                    ),
                ],
            }
        )

    def valid_link(self, key):
        """The valid link of ``key``, sudo'd, or an empty recordset: the portal's rule
        (``_valid_domain``) without the counting of its lookup, which commits apart."""
        Link = self.env["serene.portal.link"].sudo()
        return Link.search(Domain("key_hash", "=", hash_key(key)) & Link._valid_domain(), limit=1)

    def _add(self, partner=None, user=None, **vals):
        """Add one item the way the code contract says: create() with the client's id."""
        vals.setdefault("item_type", "link")
        if vals["item_type"] == "link":
            vals.setdefault("name", "A helpful link")
            vals.setdefault("url", "https://example.com/help")
        if vals["item_type"] in ("intake_form", "assessment"):
            vals.setdefault("survey_id", self.survey_intake.id)
        Item = self.env["serene.portal.item"].with_user(user or self.user_owner)
        return Item.create(dict(vals, partner_id=(partner or self.client).id))


class SereneTransactionCase(SereneCase, TransactionCase):
    pass


class SereneRpcMixin:
    """Calls as the web client makes them, for ``HttpCase`` tests acting as a real role over RPC."""

    def rpc(self, model, method, ids=None, *args, **kwargs):
        """``model.browse(ids).method(*args, **kwargs)`` through ``/web/dataset/call_kw``, in the
        session of the last ``authenticate``: ``{"result": ...}`` or ``{"error": ...}``."""
        route = "call_button" if method.startswith("action_") or method == "run_check" else "call_kw"
        response = self.url_open(
            f"/web/dataset/{route}/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": [ids or [], *args] if ids is not None else list(args),
                        "kwargs": kwargs,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    @staticmethod
    def rpc_error(answer):
        """The exception class name an RPC answer carries, or None."""
        return answer.get("error", {}).get("data", {}).get("name")

    def skip_identity_prompt(self):
        """The session's password was confirmed a moment ago (what Confirm in Odoo's prompt
        records), so that a test reaches what the prompt guards."""
        self.session["identity-check-last"] = time.time()
        odoo.http.root.session_store.save(self.session)

    def confirm_identity(self, answer, login, password=None):
        """Answer Odoo's password prompt (``check_identity``) that ``answer`` opened, as the web
        client does (Confirm, the password in the context); returns Confirm's answer. The password
        defaults to the one ``new_test_user`` gives ``login``."""
        password = password or login + "x" * (8 - len(login))
        action = answer["result"]
        self.assertEqual(action["res_model"], "res.users.identitycheck", answer)
        return self.rpc("res.users.identitycheck", "run_check", [action["res_id"]], context={"password": password})
