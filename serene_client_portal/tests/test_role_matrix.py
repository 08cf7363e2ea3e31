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

from odoo import models
from odoo.tests import HttpCase, tagged

from .common import SereneCase

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
