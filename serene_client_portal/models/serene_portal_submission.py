from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class SerenePortalSubmission(models.Model):
    """Upload forms received, by their one-time token: a double click stores one set."""

    _name = "serene.portal.submission"
    _description = "Client Portal Form Submission"
    _log_access = False

    token = fields.Char(required=True)
    item_id = fields.Many2one("serene.portal.item", required=True, ondelete="cascade")
    received_at = fields.Datetime(required=True)

    _token_item_unique = models.Constraint("UNIQUE(token, item_id)", "A form is received once.")

    @api.autovacuum
    def _gc_submissions(self):
        self.env.cr.execute(
            SQL(
                "DELETE FROM serene_portal_submission WHERE received_at < %s", fields.Datetime.now() - timedelta(days=2)
            )
        )
