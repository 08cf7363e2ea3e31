from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    serene_portal_limit = fields.Integer(related="company_id.serene_portal_limit", readonly=False)
    serene_portal_item_limit = fields.Integer(related="company_id.serene_portal_item_limit", readonly=False)
    serene_portal_storage_limit_mb = fields.Integer(
        related="company_id.serene_portal_storage_limit_mb",
        readonly=False,
    )
    serene_portal_upload_max_mb = fields.Integer(related="company_id.serene_portal_upload_max_mb", readonly=False)
    serene_portal_link_expiry_days = fields.Integer(
        related="company_id.serene_portal_link_expiry_days",
        readonly=False,
    )
    serene_portal_show_appointments = fields.Boolean(
        related="company_id.serene_portal_show_appointments",
        readonly=False,
    )
    serene_portal_notify_email = fields.Boolean(related="company_id.serene_portal_notify_email", readonly=False)
    serene_portal_notify_sms = fields.Boolean(related="company_id.serene_portal_notify_sms", readonly=False)
    serene_portal_verify_birthdate = fields.Boolean(
        related="company_id.serene_portal_verify_birthdate",
        readonly=False,
    )
    serene_portal_verify_code = fields.Selection(related="company_id.serene_portal_verify_code", readonly=False)
    serene_own_clients_only = fields.Boolean(related="company_id.serene_own_clients_only", readonly=False)
