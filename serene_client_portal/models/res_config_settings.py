from odoo import api, fields, models


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
    serene_reminder_after_days = fields.Integer(related="company_id.serene_reminder_after_days", readonly=False)
    serene_reminder_before_hours = fields.Integer(related="company_id.serene_reminder_before_hours", readonly=False)
    serene_reminder_max = fields.Integer(related="company_id.serene_reminder_max", readonly=False)
    serene_portal_max_live_links = fields.Integer(related="company_id.serene_portal_max_live_links", readonly=False)
    serene_portal_link_sliding = fields.Boolean(related="company_id.serene_portal_link_sliding", readonly=False)
    serene_portal_link_retention_days = fields.Integer(
        related="company_id.serene_portal_link_retention_days", readonly=False
    )
    serene_portal_show_appointments = fields.Boolean(
        related="company_id.serene_portal_show_appointments",
        readonly=False,
    )
    serene_portal_auto_create = fields.Boolean(related="company_id.serene_portal_auto_create", readonly=False)
    serene_booking_cancel_hours = fields.Integer(related="company_id.serene_booking_cancel_hours", readonly=False)
    serene_booking_first_session = fields.Boolean(related="company_id.serene_booking_first_session", readonly=False)
    serene_portal_notify_email = fields.Boolean(related="company_id.serene_portal_notify_email", readonly=False)
    serene_portal_notify_sms = fields.Boolean(related="company_id.serene_portal_notify_sms", readonly=False)
    serene_portal_verify_birthdate = fields.Boolean(
        related="company_id.serene_portal_verify_birthdate",
        readonly=False,
    )
    serene_portal_verify_code = fields.Selection(related="company_id.serene_portal_verify_code", readonly=False)
    serene_own_clients_only = fields.Boolean(related="company_id.serene_own_clients_only", readonly=False)
    serene_portal_session_idle_minutes = fields.Integer(
        related="company_id.serene_portal_session_idle_minutes", readonly=False
    )
    serene_portal_session_max_hours = fields.Integer(
        related="company_id.serene_portal_session_max_hours", readonly=False
    )
    serene_activity_retention_years = fields.Integer(
        related="company_id.serene_activity_retention_years", readonly=False
    )
    serene_message_banner = fields.Text(related="company_id.serene_message_banner", readonly=False)
    serene_message_crisis_line = fields.Char(related="company_id.serene_message_crisis_line", readonly=False)
    serene_message_team_can_reply = fields.Boolean(related="company_id.serene_message_team_can_reply", readonly=False)
    serene_message_rate_per_hour = fields.Integer(related="company_id.serene_message_rate_per_hour", readonly=False)
    serene_message_followup_hours = fields.Integer(related="company_id.serene_message_followup_hours", readonly=False)
    serene_message_office_hours = fields.Boolean(related="company_id.serene_message_office_hours", readonly=False)
    serene_message_hours_from = fields.Float(related="company_id.serene_message_hours_from", readonly=False)
    serene_message_hours_to = fields.Float(related="company_id.serene_message_hours_to", readonly=False)
    serene_message_out_of_hours_text = fields.Text(
        related="company_id.serene_message_out_of_hours_text", readonly=False
    )
    serene_base_url_insecure = fields.Boolean(compute="_compute_serene_base_url_insecure")
    serene_clients_without_birthdate = fields.Integer(
        string="Clients Without a Date of Birth",
        compute="_compute_serene_clients_without_birthdate",
        help="Clients with a portal and no date of birth on file: they are sent a code instead.",
    )
    serene_clients_unreachable = fields.Integer(
        string="Clients Who Cannot Pass the Check Online",
        compute="_compute_serene_clients_without_birthdate",
        help="Clients with a portal who have no date of birth, email or mobile number on file: their portal "
        "asks them to contact the practice.",
    )

    @api.depends("company_id", "serene_portal_verify_code")
    def _compute_serene_clients_without_birthdate(self):
        """How many of the company's clients with a portal the date-of-birth check cannot ask,
        and how many the identity check cannot reach at all (no code can be sent to them)."""
        # sudo: serene.client.portal - counts only, for the administrator choosing the identity check
        Portal = self.env["serene.client.portal"].sudo()
        no_address = [("partner_id.email", "in", (False, "")), ("partner_id.phone", "in", (False, ""))]
        for settings in self:
            company = [("company_id", "=", settings.company_id.id)]
            no_birthdate = [("partner_id.serene_birthdate_value", "=", False)]
            settings.serene_clients_without_birthdate = Portal.search_count(company + no_birthdate)
            # With a code always asked, a client without an address cannot pass, date of birth or not.
            code_always = settings.serene_portal_verify_code in ("email", "sms")
            settings.serene_clients_unreachable = Portal.search_count(
                company + no_address + ([] if code_always else no_birthdate)
            )

    def _compute_serene_base_url_insecure(self):
        # sudo: ir.config_parameter - the base URL is read to warn the practice manager
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        for settings in self:
            settings.serene_base_url_insecure = not base_url.startswith("https://")
