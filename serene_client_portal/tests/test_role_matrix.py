"""The role matrix: ``security/role_matrix.json`` says who may read and write each field the addon
adds and call each of its public methods, on their own client, another client of their company
and another company's client. These tests hold the addon to it over JSON-RPC, as each role:
whatever the table does not allow is refused and leaves nothing stored or sent, and a field or
public method that the table does not name fails, so a new door is closed the day it is opened."""

import json
import logging
import subprocess
import sys
from pathlib import Path

from odoo import Command, models
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import PNG_BYTES, SereneCase, SereneRpcMixin

_logger = logging.getLogger(__name__)

MODULE = "serene_client_portal"
ADDON = Path(__file__).resolve().parent.parent
MATRIX = json.loads((ADDON / "security" / "role_matrix.json").read_text())
SCOPES = ("own", "other", "foreign")
CRUD = ("create", "write", "unlink")
# What a refusal answers over JSON-RPC: a permission or business error, a record that is not there
# for this user, or no session at all.
REFUSALS = {
    "odoo.exceptions.AccessError",
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.MissingError",
    "odoo.http.SessionExpiredException",
}
# Odoo's own columns on the addon's models, not fields the addon adds.
LOG_COLUMNS = {"id", "display_name", *models.LOG_ACCESS_COLUMNS}


def allowed(rule, role, scope):
    """Whether the table's ``rule`` (a preset name) lets ``role`` act on its ``scope`` client."""
    return scope in MATRIX["rules"][rule].get(role, ())


def addon_surface(env):
    """{model: (added field names, public method names)} as the registry has them now."""
    surface = {}
    for name in env.registry:
        Model = env.registry[name]
        added = {
            field.name
            for field in Model._fields.values()
            if MODULE in (getattr(field, "_modules", None) or ()) and not field.inherited
        } - LOG_COLUMNS
        methods = {
            attr
            for cls in Model.mro()
            if cls.__module__.startswith(f"odoo.addons.{MODULE}.")
            for attr, value in vars(cls).items()
            if not attr.startswith("_") and callable(value) and not isinstance(value, type)
        }
        if added or methods or Model._original_module == MODULE:
            surface[name] = (added, methods)
    return surface


@tagged("post_install", "-at_install", "serene", "security")
class TestRoleMatrixCoversTheAddon(SereneCase, HttpCase):
    """The table names every field and public method of the addon, and the README shows it."""

    def test_every_field_and_public_method_is_in_the_table(self):
        self.maxDiff = None
        missing = []
        for model, (added, methods) in sorted(addon_surface(self.env).items()):
            entry = MATRIX["models"].get(model)
            if entry is None:
                missing.append(f"model {model}")
                continue
            named = {name for group in entry.get("fields", ()) for name in group["names"]}
            missing += [f"field {model}.{name}" for name in sorted(added - named)]
            missing += [f"unknown field {model}.{name}" for name in sorted(named - added)]
            for method in sorted(methods):
                if method in CRUD:
                    if method not in entry:
                        missing.append(f"{model}.{method} (overridden, no CRUD cell)")
                elif method not in entry.get("methods", {}):
                    missing.append(f"method {model}.{method}")
            for rule in [g[k] for g in entry.get("fields", ()) for k in ("read", "write", "create") if k in g] + [
                *entry.get("methods", {}).values(),
                *(entry[k] for k in CRUD if k in entry),
            ]:
                if rule not in MATRIX["rules"]:
                    missing.append(f"{model}: unknown rule {rule}")
        surface = addon_surface(self.env)
        _logger.info(
            "role matrix: %s models, %s fields, %s methods covered",
            len(surface),
            sum(len(added) for added, _methods in surface.values()),
            sum(len(methods) for _added, methods in surface.values()),
        )
        self.assertEqual(missing, [], "role_matrix.json does not cover these")

    def test_the_readme_roles_table_is_the_matrix(self):
        table = subprocess.run(
            [sys.executable, str(ADDON.parent / "scripts" / "roles_table.py")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        readme = (ADDON.parent / "README.md").read_text()
        self.assertIn(table, readme, "README's Roles table differs from role_matrix.json: scripts/roles_table.py")


# A refused read answers one of these, and nothing else: the field or the record is not there
# for this user, or there is no session at all.
READ_REFUSALS = {"odoo.exceptions.AccessError", "odoo.exceptions.MissingError", "odoo.http.SessionExpiredException"}
# Tables a refused call must leave as they were: the addon's own, the outgoing email and text
# messages, the chatter, to-dos and files.
WATCHED_TABLES = (
    "serene_client_portal",
    "serene_portal_item",
    "serene_portal_link",
    "serene_portal_activity",
    "serene_portal_notification",
    "serene_portal_packet",
    "survey_user_input",
    "ir_attachment",
    "res_partner",
    "mail_mail",
    "sms_sms",
    "mail_message",
    "mail_activity",
    "serene_portal_message",
)
# Values that the addon's own checks accept, where the field's type alone gives none.
GOOD_VALUES = {
    "url": "https://example.org/changed",
    "due_date": "2031-02-03",
    "serene_birthdate": "1990-02-03",
    # A packet's items are its own: a new one (what was given is checked by its count).
    "line_ids": [Command.create({"name": "Changed", "item_type": "link", "url": "https://example.org/x"})],
}
# The models whose create cells the walk calls (_create_vals).
CREATED = {
    "res.partner",
    "serene.client.portal",
    "serene.portal.item",
    "serene.portal.link",
    "serene.portal.activity",
    "serene.portal.notification",
    "survey.user_input",
    "ir.attachment",
    "serene.portal.packet",
    "serene.portal.message",
}
# Cells the addon does not keep yet for a reason outside the access rules: reported, not failed;
# a cell that starts to pass says so, for its line to go. None today.
KNOWN = {}


@tagged("post_install", "-at_install", "serene", "security", "serene_slow")
class TestRoleMatrixOverRpc(SereneRpcMixin, SereneCase, HttpCase):
    """Every cell of the table, called over JSON-RPC in a real session as each role, on records
    made afresh for each role and scope: what the table allows answers, what it refuses is
    refused and leaves nothing stored or sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_portal = new_test_user(cls.env, "t_portal", groups="base.group_portal", name="Portal Paula")
        cls.practitioners = cls.user_owner | cls.user_team | cls.user_other

    def _fixtures(self, template, label):
        """One record of each kind the table names, of a new client placed like ``template``
        (same practice, note owner and care team), made through the addon's own paths."""
        env = self.env
        client = env["res.partner"].create(
            {
                "name": f"{template.name} ({label})",
                "email": f"{label}@example.com",
                "phone": "+32470000009",
                "is_client": True,
                "company_id": template.company_id.id,
                "note_owner_id": template.note_owner_id.id,
                "care_team_user_ids": [Command.set(template.care_team_user_ids.ids)],
            }
        )
        Item = env["serene.portal.item"]
        form = Item.create({"partner_id": client.id, "item_type": "assessment", "survey_id": self.survey_assessment.id})
        form._portal_start_form()
        request = Item.create(
            {
                "partner_id": client.id,
                "item_type": "document_request",
                "name": "Insurance card",
                "accepted_kind_ids": self._kinds("image"),
            }
        )
        upload = request._portal_upload([("card.png", PNG_BYTES)])
        portal = form.portal_id
        portal._send_access_link()
        message = env["serene.portal.message"]._portal_post(portal, "Hello from the client", [])
        return {
            "message": message,
            "client": client,
            "portal": portal,
            "item": form,
            "request": request,
            "link": portal.link_ids[:1],
            "activity": portal.activity_log_ids[:1],
            "notification": portal.notification_ids[:1],
            "answer": form.user_input_id,
            "upload": upload,
            "company": client.company_id,
            "packet": env["serene.portal.packet"].create(
                {"name": f"Packet {label}", "company_id": client.company_id.id}
            ),
        }

    def _create_vals(self, model, records):
        """What a caller gives to create a ``model`` record for the scope's client."""
        client, portal = records["client"], records["portal"]
        if model == "serene.client.portal":
            # A client of the same practice without a portal yet, for each try.
            bare = client.copy({"name": "New client", "email": "new@example.com"})
            self.baseline = self._counts()
            return {"partner_id": bare.id}
        return {
            "res.partner": {"name": "New contact", "company_id": records["company"].id},
            "serene.portal.item": {"partner_id": client.id, "item_type": "link", "name": "New", "url": "https://e.com"},
            "serene.portal.link": {"portal_id": portal.id},
            "serene.portal.activity": {"portal_id": portal.id, "event_type": "item_added"},
            "serene.portal.notification": {
                "portal_id": portal.id,
                "channel": "email",
                "kind": "link",
                "recipient": "x@example.com",
            },
            # An answer to the client's form: a plain survey answer is Odoo's, under its survey rules.
            "survey.user_input": {
                "survey_id": self.survey_assessment.id,
                "partner_id": client.id,
                "serene_item_id": records["item"].id,
            },
            "ir.attachment": {
                "name": "more.txt",
                "datas": "bW9yZQ==",
                "res_model": "serene.portal.item",
                "res_id": records["request"].id,
            },
            "serene.portal.packet": {"name": "New packet", "company_id": records["company"].id},
            "serene.portal.message": {"portal_id": portal.id, "body": "A reply"},
        }.get(model)

    # ------------------------------------------------------------------
    # Values: as stored, and one that differs
    # ------------------------------------------------------------------

    def _value(self, record, name):
        """The stored value of ``record.name``, as the superuser reads it, in a comparable form."""
        record.invalidate_recordset()
        # sudo: every model - whether an earlier call deleted the record, whoever may read it
        if not record.sudo().exists():
            return "deleted"
        field = record._fields[name]
        # sudo: every model - the value before and after a call, whoever made it
        value = record.sudo()[name]
        if field.type == "many2one":
            return value.id
        if field.type in ("one2many", "many2many"):
            return sorted(value.ids)
        return field.to_string(value) if field.type in ("date", "datetime") and value else value

    def _forged(self, record, name, creating=False):
        """(A value for ``name`` that differs from the stored one, as written over RPC; the
        value expected once stored). References point at another client's records (the donor's):
        a list that holds records is cleared, one that holds none is given the donor's."""
        field = record._fields[name]
        current = self._value(record, name)
        if name == "line_ids":
            return GOOD_VALUES[name], None
        if name in GOOD_VALUES:
            return GOOD_VALUES[name], GOOD_VALUES[name]
        if field.type == "boolean":
            return not current, not current
        if field.type in ("char", "text", "html"):
            return "Changed", "Changed"
        if field.type in ("integer", "float", "monetary"):
            return (current or 0) + 7, (current or 0) + 7
        if field.type == "date":
            return "2001-02-03", "2001-02-03"
        if field.type == "datetime":
            return "2001-02-03 04:05:06", "2001-02-03 04:05:06"
        if field.type == "binary":
            return "Zm9yZ2Vk", b"Zm9yZ2Vk"
        if field.type == "selection":
            values = [key for key, _label in field._description_selection(self.env)]
            other = next(v for v in values if v != current)
            return other, other
        taken = current if isinstance(current, list) else [current]
        donor = next((r for r in self.donor.values() if r._name == field.comodel_name and r.id not in taken), None)
        if field.comodel_name == "res.users":
            other = self.practitioners.filtered(lambda user: user.id not in taken)[:1]
        elif donor:
            other = donor
        else:
            # sudo: the comodel - any other record of it, to forge a reference
            other = self.env[field.comodel_name].sudo().search([("id", "not in", taken)], limit=1)
        if field.type == "many2one":
            return other.id, other.id
        if current and not creating:
            return [Command.clear()], []
        return [Command.link(other.id)], [other.id]

    def _same(self, field, stored, expected):
        if expected is None:
            return bool(stored)
        if field.type == "html":
            return expected in (stored or "")
        return stored == expected

    # ------------------------------------------------------------------
    # Cells
    # ------------------------------------------------------------------

    def _counts(self):
        """Rows of every watched table: what a refused call must not change."""
        # Tracking messages of the test's own writes are posted when the transaction would commit.
        self.env.cr.precommit.run()
        self.env.flush_all()
        counts = SQL(", ").join(SQL("(SELECT count(*) FROM %s)", SQL.identifier(table)) for table in WATCHED_TABLES)
        self.env.cr.execute(SQL("SELECT %s", counts))
        return self.env.cr.fetchone()

    def _call(self, model, method, ids, *args, **kwargs):
        """The call over RPC; Odoo's password prompt, when it answers, is confirmed as the role
        would (``allowed up to the password``) and Confirm's answer is the call's."""
        answer = self.rpc(model, method, ids, *args, **kwargs)
        result = answer.get("result")
        if isinstance(result, dict) and result.get("res_model") == "res.users.identitycheck" and self.login:
            answer = self.confirm_identity(answer, self.login)
        return answer

    def _fail(self, cell, answer, why):
        error = answer.get("error", {}).get("data", {})
        if cell in KNOWN:
            self.known.append(f"{cell}: {KNOWN[cell]}")
            return
        self.failures.append(f"{cell}: {why} ({error.get('name', 'done')}: {error.get('message', '')[:160]})")
        if error and why.startswith("refused"):
            _logger.info("%s:\n%s", cell, error.get("debug"))

    def _allowed_cell(self, cell, answer):
        self.cells += 1
        if "error" in answer:
            self._fail(cell, answer, "refused, the table allows it")
            return False
        return True

    def _refused_cell(self, cell, answer, refusals=frozenset(REFUSALS), unchanged=None):
        """A refused cell: a refusal, nothing returned, no row added or removed, and the
        ``unchanged`` () -> bool check true."""
        self.cells += 1
        self.refused += 1
        if self.rpc_error(answer) not in refusals:
            self._fail(cell, answer, "not refused")
        counts = self._counts()
        if counts != self.baseline:
            changed = {t: (b, a) for t, b, a in zip(WATCHED_TABLES, self.baseline, counts, strict=True) if b != a}
            # sudo: mail.message - what a refused call posted, to say it
            posted = (
                self.env["mail.message"]
                .sudo()
                .search([], order="id desc", limit=changed.get("mail_message", (0,))[0] and 1)
            )
            self.failures.append(f"{cell}: stored or sent {changed} {posted.mapped(lambda m: (m.model, m.body))}")
            self.baseline = counts
        if unchanged is not None and not unchanged():
            self.failures.append(f"{cell}: the stored value changed")
            self.baseline = self._counts()

    def _walk_reads(self, role, scope, model, record, entry):
        for group in entry.get("fields", ()):
            names = group["names"]
            if allowed(group["read"], role, scope):
                answer = self.rpc(model, "read", record.ids, names)
                cell = f"{role}/{scope} {model}.{','.join(names)} read"
                if self._allowed_cell(cell, answer):
                    (row,) = answer["result"]
                    self.cells += len(names) - 1
                    for name in names:
                        field = record._fields[name]
                        if field.store and field.type not in ("one2many", "many2many", "binary"):
                            value = row[name][0] if field.type == "many2one" and row[name] else row[name]
                            if value != (self._value(record, name) or False):
                                self.failures.append(f"{cell}: {name} came back as {value!r}")
                self.baseline = self._counts()
            else:
                for name in names:
                    answer = self.rpc(model, "read", record.ids, [name])
                    self._refused_cell(f"{role}/{scope} {model}.{name} read", answer, READ_REFUSALS)

    def _walk_writes(self, role, scope, model, record, entry):
        for group in entry.get("fields", ()):
            for name in group["names"]:
                cell = f"{role}/{scope} {model}.{name} write"
                # sudo: every model - whether an earlier call deleted the record, whoever may read it
                if not record.sudo().exists():
                    self.failures.append(f"{cell}: the record was deleted by an earlier call")
                    return
                field = record._fields[name]
                stored = self._value(record, name)
                value, expected = self._forged(record, name)
                answer = self.rpc(model, "write", record.ids, {name: value})
                if not allowed(group["write"], role, scope):
                    # A computed field without an inverse is not stored by the ORM: a write of it
                    # that answers nothing and changes nothing is refused too.
                    refusals = REFUSALS | ({None} if field.compute and not field.inverse else set())
                    self._refused_cell(cell, answer, refusals)
                    if self._value(record, name) != stored:
                        self.failures.append(f"{cell}: {stored!r} became {self._value(record, name)!r}")
                    continue
                if self._allowed_cell(cell, answer) and not (field.compute and not field.inverse):
                    if not self._same(field, self._value(record, name), expected):
                        self.failures.append(f"{cell}: not stored ({self._value(record, name)!r} != {expected!r})")
                    # sudo: every model - the value is put back for the next cells
                    record.sudo().write({name: [Command.set(stored)] if isinstance(stored, list) else stored})
                self.baseline = self._counts()

    def _method_args(self, model, method, record):
        """(ids, args) of a call of ``method`` as the web client makes it."""
        if method == "default_get":
            return None, [list(MATRIX["models"][model].get("fields", [{"names": ["display_name"]}])[0]["names"])]
        if method == "action_serene_confirm_identity":
            return [], []
        if method == "copy_data" and model == "ir.attachment":
            # The file's bytes do not travel over JSON: the copy is asked without them.
            return record.ids, [{"datas": False}]
        if method == "web_read":
            return record.ids, [{"user_input_line_ids": {}, "serene_risk_flag": {}}]
        return record.ids, []

    def _walk_methods(self, role, scope, model, record, entry, refused):
        for method, rule in entry.get("methods", {}).items():
            if allowed(rule, role, scope) == refused:
                continue
            ids, args = self._method_args(model, method, record)
            answer = self._call(model, method, ids, *args)
            cell = f"{role}/{scope} {model}.{method}()"
            if refused:
                self._refused_cell(cell, answer)
            else:
                self._allowed_cell(cell, answer)
                self.baseline = self._counts()

    def _walk_creates(self, role, scope, model, records, entry):
        if "create" not in entry or model not in CREATED:
            return
        cell = f"{role}/{scope} {model} create"
        if not allowed(entry["create"], role, scope):
            self._refused_cell(cell, self.rpc(model, "create", None, self._create_vals(model, records)))
            return
        # Fields nobody sets at creation: each refused alone, with values of another record.
        record = records[entry["record"]]
        # sudo: every model - whether an earlier call deleted the record, whoever may read it
        if not record.sudo().exists():
            self.failures.append(f"{cell}: the record was deleted by an earlier call")
            return
        for group in entry.get("fields", ()):
            if group.get("create") != "nobody":
                continue
            for name in group["names"]:
                value, expected = self._forged(record, name, creating=True)
                answer = self.rpc(model, "create", None, dict(self._create_vals(model, records), **{name: value}))
                created = self.env[model].browse(answer.get("result"))
                if created and not self._same(record._fields[name], self._value(created, name), expected):
                    # The value the caller gave was not kept (the addon sets it): what the table asks.
                    self.cells += 1
                    self.baseline = self._counts()
                    continue
                self._refused_cell(f"{cell} with {name}", answer)
        self._allowed_cell(cell, self.rpc(model, "create", None, self._create_vals(model, records)))
        self.baseline = self._counts()

    def _walk_unlink(self, role, scope, model, record, entry):
        if "unlink" not in entry:
            return
        cell = f"{role}/{scope} {model} unlink"
        answer = self.rpc(model, "unlink", record.ids)
        if not allowed(entry["unlink"], role, scope):
            # sudo: every model - whether the record is still there, whoever may read it
            self._refused_cell(cell, answer, unchanged=lambda: bool(record.sudo().exists()))
            return
        self._allowed_cell(cell, answer)
        self.baseline = self._counts()

    def _walk(self, role, scope, records):
        """Every cell of ``role`` on ``scope``: reads, then writes, refused then allowed methods,
        creates, and deletions last, so that what an allowed call changes comes after the rest."""
        walked = [
            (model, records[entry["record"]], entry)
            for model, entry in MATRIX["models"].items()
            if entry.get("record") and records.get(entry["record"])
        ]
        self.baseline = self._counts()
        for model, record, entry in walked:
            self._walk_reads(role, scope, model, record, entry)
        for model, record, entry in walked:
            self._walk_writes(role, scope, model, record, entry)
        for refused in (True, False):
            for model, record, entry in walked:
                self._walk_methods(role, scope, model, record, entry, refused)
        for model, _record, entry in walked:
            self._walk_creates(role, scope, model, records, entry)
        for model, record, entry in reversed(walked):
            self._walk_unlink(role, scope, model, record, entry)

    @mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule", "odoo.addons.base.models.ir_model")
    def test_every_cell_over_rpc(self):
        self.failures, self.known, self.cells, self.refused = [], [], 0, 0
        self.donor = self._fixtures(self.client, "donor")
        for role, spec in MATRIX["roles"].items():
            scopes = [scope for scope in SCOPES if spec.get(scope)]
            fixtures = {scope: self._fixtures(getattr(self, spec[scope]), f"{role}.{scope}") for scope in scopes}
            user = spec["user"] and getattr(self, spec["user"])
            self.login = user and user.login
            self.authenticate(self.login, self.login and self.login + "x" * (8 - len(self.login)))
            if user and not user.share:
                # The password asked before a client's email, phone or date of birth changes.
                self._call("res.partner", "action_serene_confirm_identity", [])
            for scope in scopes:
                self._walk(role, scope, fixtures[scope])
        _logger.info("role matrix over RPC: %s cells checked, %s refused", self.cells, self.refused)
        for known in self.known:
            _logger.warning("role matrix over RPC, known: %s", known)
        self.assertEqual(len(self.known), len(KNOWN), "a known cell passes now: remove it from KNOWN")
        failures = "\n".join(self.failures)
        self.assertFalse(
            failures, f"{len(self.failures)} cells of role_matrix.json the addon does not keep:\n{failures}"
        )
