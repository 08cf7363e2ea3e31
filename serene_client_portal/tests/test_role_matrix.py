"""The role matrix (security/role_matrix.json) walked over JSON-RPC: every model the addon defines
or extends, every field it adds (read, write, create) and every public method, called as each role
on their own client, another client of the company and another company's client. Whatever the
matrix does not allow is refused and leaves nothing stored or sent; a field or public method the
matrix does not list fails the test, so that the next door is closed the day it is opened."""

import base64
import inspect
import json
import logging

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import file_open, mute_logger

from .common import SereneCase, SereneRpcMixin

_logger = logging.getLogger(__name__)

ADDON = "serene_client_portal"
# Odoo's own CRUD and framework methods the addon overrides: covered by the read/write/create cells.
CRUD = {"create", "write", "unlink", "read", "search", "copy", "default_get", "fields_get", "name_create"}
MAGIC = {"create_uid", "create_date", "write_uid", "write_date"}
REFUSALS = {
    "odoo.exceptions.AccessError",
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.RedirectWarning",
    "odoo.http.SessionExpiredException",
}
# The calls of a role the matrix allows may fail for a business reason (nothing to send, no
# portal yet), never for a permission.
PERMISSION = {"odoo.exceptions.AccessError", "odoo.exceptions.MissingError", "odoo.http.SessionExpiredException"}


def load_matrix():
    with file_open(f"{ADDON}/security/role_matrix.json") as f:
        return json.load(f)


def addon_surface(env):
    """{model: (added fields, public methods)} of everything the addon defines or extends."""
    surface = {}
    for name, model_cls in env.registry.items():
        classes = [c for c in model_cls.__mro__ if c.__module__.startswith(f"odoo.addons.{ADDON}.")]
        fields = {
            fname
            for fname, field in model_cls._fields.items()
            if ADDON in (getattr(field, "_modules", None) or ()) and not field.inherited and fname not in MAGIC
        }
        methods = {
            attr
            for cls in classes
            for attr, value in vars(cls).items()
            if not attr.startswith("_") and inspect.isfunction(value) and attr not in CRUD
        }
        if fields or methods:
            surface[name] = (fields, methods)
    return surface


def allowed(cell, role, scope):
    return isinstance(cell, dict) and scope in cell.get(role, "").split()


@tagged("post_install", "-at_install", "serene", "security")
class TestRoleMatrix(SereneRpcMixin, SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.matrix = load_matrix()
        cls.user_portal = new_test_user(env, "t_portal", groups="base.group_portal", name="Portal Paula")
        cls.logins = {
            "owner": cls.user_owner,
            "team": cls.user_team,
            "other": cls.user_other,
            "internal": cls.user_internal,
            "manager": cls.user_manager,
            "manager2": cls.user_manager_2,
            "portal": cls.user_portal,
            "public": None,
        }
        cls.records = {}
        for client in (cls.client, cls.client_other, cls.client_company_2):
            cls.records[client] = cls._client_records(client)
        cls.company_records = {company: cls._company_records(company) for company in (cls.company, cls.company_2)}
        cls.library = {
            "serene.severity.band": env["serene.severity.band"].create(
                {"survey_id": cls.survey_assessment.id, "name": "Mild", "min_score": 0, "max_score": 10}
            ),
            "serene.upload.kind": env["serene.upload.kind"].search([], limit=1),
            "survey.survey": cls.survey_assessment,
            "survey.question": cls.survey_assessment.question_ids[:1],
            "survey.question.answer": cls.survey_assessment.question_ids.suggested_answer_ids[:1],
            "calendar.event.type": env["calendar.event.type"].create({"name": "Intake"}),
        }
        cls.system_records = {
            "res.config.settings": env["res.config.settings"].create({}),
            "serene.portal.add.item.line": env["serene.portal.add.item.line"].create({"name": "x"}),
            "serene.portal.link.request": env["serene.portal.link.request"].create({"email": "x@example.com"}),
            "serene.portal.submission": env["serene.portal.submission"].create({"token": "t"}),
            "serene.portal.throttle": env["serene.portal.throttle"].create({"scope": "s", "key": "k"}),
            "mail.mail": env["mail.mail"].create({"serene_portal_id": cls.records[cls.client]["portal"].id}),
            "sms.sms": env["sms.sms"].create({"number": "+32470000009", "body": "x"}),
        }
        cls.counts = {"models": 0, "fields": 0, "methods": 0, "calls": 0}

    @classmethod
    def _client_records(cls, client):
        """One record of every kind that hangs on ``client``, made through the addon's own paths."""
        env = cls.env
        item = env["serene.portal.item"].create(
            {"partner_id": client.id, "item_type": "upload", "name": "Insurance card"}
        )
        portal = item.portal_id
        env["serene.portal.link"]._mint(portal)
        answer = env["survey.user_input"].create(
            {"survey_id": cls.survey_intake.id, "partner_id": client.id, "serene_item_id": item.id}
        )
        attachment = env["ir.attachment"].create(
            {"name": "card.pdf", "raw": b"%PDF-1.4", "res_model": "serene.portal.item", "res_id": item.id}
        )
        env["serene.portal.activity"]._log(portal, "portal_viewed")
        notification = env["serene.portal.notification"].create(
            {"portal_id": portal.id, "channel": "email", "kind": "items_added", "recipient": client.email}
        )
        todo = env["mail.activity"].create(
            {
                "res_model_id": env["ir.model"]._get_id("serene.client.portal"),
                "res_id": portal.id,
                "activity_type_id": env.ref("mail.mail_activity_data_todo").id,
                "user_id": (client.note_owner_id or cls.user_manager).id,
                "summary": "Review",
            }
        )
        return {
            "client": client,
            "portal": portal,
            "item": item,
            "link": portal.sudo().link_ids[:1],
            "activity": portal.sudo().activity_log_ids[:1],
            "notification": notification,
            "answer": answer,
            "attachment": attachment,
            "todo": todo,
        }

    @classmethod
    def _company_records(cls, company):
        env = cls.env
        packet = env["serene.portal.packet"].create(
            {
                "name": f"Packet {company.name}",
                "company_id": company.id,
                "line_ids": [(0, 0, {"item_type": "link", "name": "L", "url": "https://example.com"})],
            }
        )
        return {"res.company": company, "serene.portal.packet": packet, "serene.portal.packet.line": packet.line_ids}

    # ------------------------------------------------------------------
    # Which record a (model, role, scope) cell is tried on
    # ------------------------------------------------------------------

    def _clients_of(self, role):
        if role == "other":
            return {"own": self.client_other, "other": self.client, "foreign": self.client_company_2}
        if role == "manager2":
            return {"own": self.client_company_2, "foreign": self.client}
        return {"own": self.client, "other": self.client_other, "foreign": self.client_company_2}

    def _subject(self, model, spec, role, scope):
        kind = spec["subject"]
        user = self.logins[role]
        if kind in ("client", "portal", "item", "link", "activity", "notification", "answer", "attachment", "todo"):
            client = self._clients_of(role).get(scope)
            return client and self.records[client][kind]
        if kind == "user":
            others = {"own": user, "other": self.user_team if user != self.user_team else self.user_owner}
            foreign = self.user_manager if role == "manager2" else self.user_manager_2
            return (others | {"foreign": foreign}).get(scope) or self.env["res.users"]
        if kind == "company":
            own = self.user_manager_2.company_id if role == "manager2" else self.company
            company = {"own": own, "foreign": self.company if own != self.company else self.company_2}.get(scope)
            return company and self.company_records[company][model]
        if kind == "library":
            return self.library[model] if scope == "own" else None
        if kind == "none":
            return self.system_records[model] if scope == "own" else None
        # Transient wizards: made by the role itself, for the scope's client, as the web client does.
        client = self._clients_of(role).get(scope)
        if not client:
            return None
        Wizard = self.env[model]
        try:
            with self.env.cr.savepoint():
                return Wizard.with_user(user or self.env.ref("base.public_user")).create({"partner_id": client.id})
        except Exception:  # noqa: BLE001 - the role may not even open it: the RPC below says so
            return Wizard.create({"partner_id": client.id})

    # ------------------------------------------------------------------
    # The cells
    # ------------------------------------------------------------------

    def _outgoing(self):
        return tuple(
            self.env[model].sudo().with_context(active_test=False).search_count([])
            for model in ("mail.mail", "sms.sms", "serene.portal.activity", "serene.portal.link", "serene.portal.item")
        )

    def _call(self, model, method, ids, *args, **kwargs):
        self.counts["calls"] += 1
        return self.rpc(model, method, ids, *args, **kwargs)

    def _value(self, record, fname):
        """A value different from the stored one, or None when the field takes none over RPC."""
        field = record._fields[fname]
        current = record.sudo()[fname]
        if field.type == "boolean":
            return not current
        if field.type in ("integer", "float", "monetary"):
            return (current or 0) + 7
        if field.type in ("char", "text"):
            return "matrix-value"
        if field.type == "html":
            return "<p>matrix-value</p>"
        if field.type == "date":
            return "2001-02-03"
        if field.type == "datetime":
            return "2001-02-03 04:05:06"
        if field.type == "binary":
            return base64.b64encode(b"matrix").decode()
        if field.type == "selection":
            keys = [key for key, _label in field._description_selection(self.env) if key != current]
            return keys[0] if keys else None
        if field.type in ("many2one", "many2many"):
            other = self.env[field.comodel_name].sudo().search([("id", "not in", current.ids)], limit=1)
            if not other:
                return None
            return other.id if field.type == "many2one" else [(6, 0, other.ids)]
        return None

    def _stored(self, record, fname):
        record.invalidate_recordset()
        value = record.sudo()[fname]
        return value.ids if hasattr(value, "ids") else value

    def _refused(self, answer, what, before, record=None, values=None):
        """``answer`` refused ``what``: an error, nothing sent or logged, no value stored."""
        error = self.rpc_error(answer)
        stored = [
            fname for fname in values or {} if record and self._stored(record, fname) != self._before[fname]
        ]
        if error not in REFUSALS and (record is None or stored or not values):
            self.failures.append(f"{what}: not refused ({error or answer.get('result')!r:.120})")
        elif stored:
            self.failures.append(f"{what}: refused but stored {stored}")
        if self._outgoing() != before:
            self.failures.append(f"{what}: refused but sent or logged something")

    def _allowed(self, answer, what):
        if self.rpc_error(answer) in PERMISSION:
            message = answer["error"]["data"].get("message", "")
            self.failures.append(f"{what}: refused ({message:.120})")

    def _walk_model(self, model, spec, role, scope):
        record = self._subject(model, spec, role, scope)
        if not record:
            return
        fields = spec["fields"]
        cell = lambda fname, op: fields[fname].get(op, spec[op])  # noqa: E731
        where = f"{model} as {role} on {scope}"
        # Read: the allowed fields together, every refused one alone (or together when none is allowed).
        readable = [f for f in fields if allowed(cell(f, "read"), role, scope)]
        hidden = [f for f in fields if f not in readable]
        if readable:
            self._allowed(self._call(model, "read", record.ids, readable), f"{where}: read {readable}")
        for group in [[f] for f in hidden] if readable else [hidden] if hidden else []:
            self._before = {}
            answer = self._call(model, "read", record.ids, group)
            if not self.rpc_error(answer):
                self.failures.append(f"{where}: read {group} not refused")
        # Write: every refused field alone (together when the role writes none of them).
        writable = [f for f in fields if allowed(cell(f, "write"), role, scope)]
        closed = [f for f in fields if f not in writable and isinstance(cell(f, "write"), dict)]
        for group in [[f] for f in closed] if writable else [closed] if closed else []:
            values = {f: v for f in group if (v := self._value(record, f)) is not None}
            if not values:
                continue
            self._before = {f: self._stored(record, f) for f in values}
            before = self._outgoing()
            answer = self._call(model, "write", record.ids, values)
            self._refused(answer, f"{where}: write {sorted(values)}", before, record, values)
        # Create: the fields the role may not set, on a new record of the scope's client.
        base = self._create_base(model, record)
        if base is not None:
            may_create = allowed(spec["create"], role, scope)
            closed = [f for f in fields if not allowed(cell(f, "create"), role, scope) and f not in base]
            for group in [[f] for f in closed] if may_create else [[]]:
                values = {f: v for f in group if (v := self._value(record, f)) is not None}
                before = self._outgoing()
                count = self.env[model].sudo().with_context(active_test=False).search_count([])
                answer = self._call(model, "create", None, dict(base, **values))
                created = self.env[model].sudo().with_context(active_test=False).search_count([]) - count
                forged = created and any(
                    self._stored(self.env[model].browse(answer["result"][0] if isinstance(answer.get("result"), list)
                                                        else answer["result"]), f) == self._stored_value(record, f, v)
                    for f, v in values.items()
                )
                if not may_create and (created or not self.rpc_error(answer)):
                    self.failures.append(f"{where}: create not refused")
                elif forged:
                    self.failures.append(f"{where}: create accepted {sorted(values)}")
                if not created and self._outgoing() != before:
                    self.failures.append(f"{where}: refused create sent or logged something")
        # Public methods.
        for method, mcell in spec["methods"].items():
            self.counts["methods"] += role == "owner" and scope == "own"
            if model.endswith((".export", ".add.item")):
                record = self._subject(model, spec, role, scope)
            before = self._outgoing()
            answer = self._call(model, method, record.ids)
            if allowed(mcell, role, scope):
                self._allowed(answer, f"{where}: {method}")
            else:
                self._refused(answer, f"{where}: {method}", before)

    def _stored_value(self, record, fname, value):
        """``value`` as ``_stored`` reads it back."""
        field = record._fields[fname]
        if field.type == "many2many":
            return value[0][2]
        if field.type == "many2one":
            return [value]
        return field.convert_to_record(field.convert_to_cache(value, record), record)

    def _create_base(self, model, record):
        """The smallest values a caller creates ``model`` with, for ``record``'s client."""
        client = record.partner_id if "partner_id" in record._fields else None
        bases = {
            "serene.portal.item": lambda: {"partner_id": client.id, "item_type": "upload", "name": "Forged"},
            "serene.portal.link": lambda: {"portal_id": record.portal_id.id},
            "serene.portal.activity": lambda: {"portal_id": record.portal_id.id, "event_type": "portal_viewed"},
            "serene.portal.notification": lambda: {"portal_id": record.portal_id.id, "channel": "email", "kind": "items_added"},
            "survey.user_input": lambda: {"survey_id": self.survey_intake.id, "partner_id": client.id},
            "ir.attachment": lambda: {"name": "forged.pdf", "res_model": "serene.portal.item", "res_id": record.res_id},
            "mail.activity": lambda: {"res_model_id": record.res_model_id.id, "res_id": record.res_id, "summary": "x"},
        }
        return bases[model]() if model in bases else None

    # ------------------------------------------------------------------
    # The tests
    # ------------------------------------------------------------------

    def test_the_matrix_covers_every_added_field_and_public_method(self):
        surface = addon_surface(self.env)
        models = self.matrix["models"]
        missing = [model for model in surface if model not in models]
        for model, (fields, methods) in surface.items():
            spec = models.get(model, {"fields": {}, "methods": {}})
            missing += [f"{model}.{f} (field)" for f in sorted(fields - set(spec["fields"]))]
            missing += [f"{model}.{m}() (public method)" for m in sorted(methods - set(spec["methods"]))]
        stale = [f"{model}.{f}" for model, spec in models.items() for f in spec["fields"] if f not in self.env[model]._fields]
        self.assertFalse(missing, "Not in security/role_matrix.json: say who may use them")
        self.assertFalse(stale, "In security/role_matrix.json but gone from the addon")

    def test_the_readme_roles_table_is_the_matrix(self):
        from odoo.addons.serene_client_portal.security import roles_table  # noqa: PLC0415

        with file_open(f"{ADDON}/../README.md") as f:
            readme = f.read()
        self.assertIn(roles_table.markdown(self.matrix), readme, "Regenerate the table: python3 scripts/roles_table.py")

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models")
    def test_every_role_on_every_cell(self):
        self.failures = []
        models = self.matrix["models"]
        roles = list(self.matrix["roles"])
        for role in roles:
            user = self.logins[role]
            if user:
                self.authenticate(user.login, user.login + "x" * (8 - len(user.login)))
                # The password prompt (check_identity) guarding letters, links, revocation, the
                # export and contact details is answered, so that the matrix reaches what it guards;
                # that it is asked is tested in test_access_rules.
                self.skip_identity_prompt()
            else:
                self.logout()
            for model, spec in models.items():
                for scope in self.matrix["scopes"]:
                    self._walk_model(model, spec, role, scope)
        self.counts["models"] = len(models)
        self.counts["fields"] = sum(len(spec["fields"]) for spec in models.values())
        self.counts["methods"] = sum(len(spec["methods"]) for spec in models.values())
        _logger.info(
            "role matrix: %(models)s models, %(fields)s fields, %(methods)s methods, %(calls)s calls", self.counts
        )
        self.assertFalse(self.failures, "\n" + "\n".join(self.failures))
