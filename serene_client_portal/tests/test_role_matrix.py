"""The role matrix: ``security/role_matrix.json`` says who may read and write each field the addon
adds and call each of its public methods, on their own client, another client of their company
and another company's client. These tests hold the addon to it over JSON-RPC, as each role:
whatever the table does not allow is refused and leaves nothing stored or sent, and a field or
public method that the table does not name fails, so a new door is closed the day it is opened."""

import json
import logging
import subprocess
import sys
from datetime import date
from pathlib import Path

from odoo import models
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


@tagged("post_install", "-at_install", "serene", "security")
class TestRoleMatrixOverRpc(SereneRpcMixin, SereneCase, HttpCase):
    """Every cell of the table, called over JSON-RPC as each role on each scope."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_portal = new_test_user(cls.env, "t_portal", groups="base.group_portal", name="Portal Paula")
        cls.scope_records = {}
        for client in (cls.client, cls.client_other, cls.client_company_2):
            cls.scope_records[client] = cls._client_records(client)

    @classmethod
    def _client_records(cls, client):
        """One record of each kind that belongs to ``client``, made through the addon's own paths."""
        Item = cls.env["serene.portal.item"]
        link_item = Item.create({"partner_id": client.id, "item_type": "link", "name": "L", "url": "https://e.com"})
        portal = link_item.portal_id
        request = Item.create(
            {
                "partner_id": client.id,
                "item_type": "document_request",
                "name": "Insurance card",
                "accepted_kind_ids": cls._kinds("image"),
            }
        )
        upload = cls.env["ir.attachment"].create(
            {"name": "card.png", "raw": PNG_BYTES, "res_model": request._name, "res_id": request.id}
        )
        form = Item.create({"partner_id": client.id, "item_type": "assessment", "survey_id": cls.survey_assessment.id})
        answer = form.user_input_id or cls.survey_assessment._create_answer(partner=client, check_attempts=False)
        form.user_input_id = answer
        answer.serene_item_id = form
        if not portal.link_ids:
            cls.env["serene.portal.link"]._mint(portal)
        link = portal.link_ids[:1]
        activity = portal.activity_log_ids[:1] or cls.env["serene.portal.activity"]._log(portal, "item_added")
        notification = portal.notification_ids[:1]
        company = client.company_id
        packet = cls.env["serene.portal.packet"].create({"name": f"Packet {company.name}", "company_id": company.id})
        return {
            "client": client,
            "portal": portal,
            "item": form,
            "link": link,
            "activity": activity,
            "notification": notification,
            "answer": answer,
            "upload": upload,
            "company": company,
            "packet": packet,
        }

    # ------------------------------------------------------------------
    # What "stored or sent" means
    # ------------------------------------------------------------------

    def _row_counts(self):
        """Rows of every table the addon keeps, plus the outgoing email/SMS and the chatter."""
        tables = sorted(
            {
                self.env[name]._table
                for name in MATRIX["models"]
                if name in self.env and not self.env[name]._abstract
                if not self.env[name]._transient
            }
            | {"mail_mail", "sms_sms", "mail_message", "mail_activity", "ir_attachment"}
        )
        self.env.flush_all()
        counts = SQL(", ").join(SQL("(SELECT count(*) FROM %s)", SQL.identifier(table)) for table in tables)
        self.env.cr.execute(SQL("SELECT %s", counts))
        return dict(zip(tables, self.env.cr.fetchone(), strict=True))

    def _value(self, record, name):
        record.invalidate_recordset()
        # sudo: every model - the test compares the stored value before and after a refused call
        value = record.sudo()[name]
        if isinstance(value, models.BaseModel):
            return value.id if record._fields[name].type == "many2one" else value.ids
        return value

    def _forged(self, record, name):
        """A value for ``name`` that differs from what ``record`` holds."""
        field = record._fields[name]
        current = self._value(record, name)
        if field.type == "boolean":
            return not current
        if field.type in ("char", "text", "html"):
            return "forged"
        if field.type in ("integer", "float", "monetary"):
            return (current or 0) + 7
        if field.type == "date":
            return "2001-02-03"
        if field.type == "datetime":
            return "2001-02-03 04:05:06"
        if field.type == "binary":
            return "Zm9yZ2Vk"
        if field.type == "selection":
            values = [key for key, _label in field._description_selection(self.env)]
            return next((v for v in values if v != current), False)
        # sudo: the comodel - any other record of it, to forge a reference
        other = self.env[field.comodel_name].sudo().search([("id", "not in", current or [0])], limit=1)
        if field.type == "many2one":
            return other.id or False
        return [(5, 0, 0)] if current else [(4, other.id)]

    # ------------------------------------------------------------------
    # The walk
    # ------------------------------------------------------------------

    def _refused(self, answer):
        return self.rpc_error(answer) in REFUSALS

    def _check_refused(self, cell, answer, before):
        """A refused cell: the answer is a refusal and no row was added or removed anywhere."""
        if not self._refused(answer):
            error = answer.get("error", {}).get("data", {}).get("message")
            self.failures.append(f"{cell}: not refused ({self.rpc_error(answer) or 'done'}: {error or ''})")
        after = self._row_counts()
        if after != before:
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            self.failures.append(f"{cell}: stored or sent {changed}")
            return after
        return before

    def _walk(self, role, scope):
        spec = MATRIX["roles"][role]
        records = self.scope_records[getattr(self, spec[scope])]
        before = self._row_counts()
        for model, entry in MATRIX["models"].items():
            key = entry.get("record")
            if not key or not records.get(key):
                continue
            record = records[key]
            cell = f"{role}/{scope}/{model}"
            # sudo: every model - whether an earlier call that should have been refused deleted the fixture
            if not record.sudo().exists():
                self.failures.append(f"{cell}: the record was deleted by an earlier call")
                continue
            groups = entry.get("fields", ())
            readable = [n for g in groups if allowed(g["read"], role, scope) for n in g["names"]]
            refused = [n for g in groups if not allowed(g["read"], role, scope) for n in g["names"]]
            if readable:
                answer = self.rpc(model, "read", record.ids, readable)
                self.calls += 1
                if "error" in answer:
                    for name in readable:
                        one = self.rpc(model, "read", record.ids, [name])
                        self.calls += 1
                        if "error" in one:
                            self.failures.append(f"{cell}.{name} read: refused ({self.rpc_error(one)})")
                for name in refused:
                    answer = self.rpc(model, "read", record.ids, [name])
                    before = self._check_refused(f"{cell}.{name} read", answer, before)
                    self.calls += 1
            else:
                # The record itself is hidden from the role: one refused read stands for all its fields.
                before = self._check_refused(f"{cell} read", self.rpc(model, "read", record.ids, refused), before)
                self.calls += 1
            for group in groups:
                for name in group["names"]:
                    if allowed(group["write"], role, scope):
                        continue
                    stored = self._value(record, name)
                    answer = self.rpc(model, "write", record.ids, {name: self._forged(record, name)})
                    self.calls += 1
                    before = self._check_refused(f"{cell}.{name} write", answer, before)
                    if self._value(record, name) != stored:
                        self.failures.append(f"{cell}.{name} write: value changed")
            if "unlink" in entry and not allowed(entry["unlink"], role, scope):
                before = self._check_refused(f"{cell} unlink", self.rpc(model, "unlink", record.ids), before)
                self.calls += 1
                if not record.sudo().exists():
                    self.failures.append(f"{cell} unlink: record deleted")
            for method, rule in entry.get("methods", {}).items():
                if not allowed(rule, role, scope):
                    answer = self.rpc(model, method, record.ids)
                    self.calls += 1
                    before = self._check_refused(f"{cell}.{method}()", answer, before)
        self._walk_item_create(role, scope, records, before)

    def _walk_item_create(self, role, scope, records, before):
        """Items are where clients' data starts: a refused create, and system fields set on create."""
        entry = MATRIX["models"]["serene.portal.item"]
        cell = f"{role}/{scope}/serene.portal.item"
        base = {"partner_id": records["client"].id, "item_type": "link", "name": "New", "url": "https://e.com/n"}
        if not allowed(entry["create"], role, scope):
            before = self._check_refused(f"{cell} create", self.rpc("serene.portal.item", "create", None, base), before)
            self.calls += 1
            return
        # Values taken from another client's item: the forgery of the finding (its answer, its state...).
        donor = self.scope_records[self.client_other if records["client"] != self.client_other else self.client]["item"]
        for group in entry["fields"]:
            if group.get("create") != "nobody":
                continue
            for name in group["names"]:
                value = self._value(donor, name)
                if isinstance(value, list):
                    value = [(6, 0, value)] if value else self._forged(donor, name)
                elif value in (False, None, 0, ""):
                    value = self._forged(donor, name)
                elif isinstance(value, date):
                    value = str(value)
                answer = self.rpc("serene.portal.item", "create", None, dict(base, **{name: value}))
                self.calls += 1
                before = self._check_refused(f"{cell}.{name} create", answer, before)

    @mute_logger("odoo.http", "odoo.addons.base.models.ir_rule", "odoo.models", "odoo.addons.base.models.ir_model")
    def test_every_cell_the_matrix_refuses_is_refused_and_leaves_nothing(self):
        self.failures, self.calls = [], 0
        for role, spec in MATRIX["roles"].items():
            if spec["user"]:
                login = getattr(self, spec["user"]).login
                self.authenticate(login, login + "x" * (8 - len(login)))
                # The password prompt is answered, so that the body behind it is what answers.
                self.skip_identity_prompt()
            else:
                self.authenticate(None, None)
            for scope in SCOPES:
                if spec.get(scope):
                    self._walk(role, scope)
        surface = addon_surface(self.env)
        _logger.info(
            "role matrix: %d models, %d fields, %d methods, %d calls",
            len(surface),
            sum(len(added) for added, _methods in surface.values()),
            sum(len(methods) for _added, methods in surface.values()),
            self.calls,
        )
        failures = "\n".join(self.failures)
        self.assertFalse(failures, "cells of role_matrix.json the addon does not keep:\n" + failures)
