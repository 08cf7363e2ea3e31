"""19.0.1.1.0: the emergency contact is guarded like the date of birth; its value moves to a
column only the system reads (serene_emergency_contact_value)."""

from odoo.tools import sql


def migrate(cr, version):
    if sql.column_exists(cr, "res_partner", "serene_emergency_contact") and not sql.column_exists(
        cr, "res_partner", "serene_emergency_contact_value"
    ):
        sql.rename_column(cr, "res_partner", "serene_emergency_contact", "serene_emergency_contact_value")
