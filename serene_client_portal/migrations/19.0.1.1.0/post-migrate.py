"""19.0.1.1.0: the "own clients only" rule reads who works with a contact, never the editable
"Is a Client" tick. The rule is a noupdate record, so the upgrade writes its new domain."""

from odoo import SUPERUSER_ID, api

OWN_CLIENTS_DOMAIN = (
    "['|', '|', ('note_owner_id', '=', False), ('note_owner_id', '=', user.id), "
    "('care_team_user_ids', 'in', user.id)] "
    "if 'note_owner_id' in user.env['res.partner'] and user.company_id.serene_own_clients_only else []"
)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    rule = env.ref("serene_client_portal.res_partner_rule_practice_own_clients", raise_if_not_found=False)
    if rule:
        rule.domain_force = OWN_CLIENTS_DOMAIN
