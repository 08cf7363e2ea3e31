from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

WINDOW = timedelta(minutes=10)
LOCKOUT = timedelta(minutes=15)
MAX_FAILURES = 10


class SerenePortalThrottle(models.Model):
    """Failed access-key lookups per IP, kept in the database so every worker counts the same."""

    _name = "serene.portal.throttle"
    _description = "Client Portal Failed Lookups"
    _log_access = False

    ip_address = fields.Char(required=True, index=True)
    failed_at = fields.Datetime(required=True, index=True)

    @api.model
    def _is_blocked(self, ip):
        since = fields.Datetime.now() - WINDOW
        self.env.cr.execute(
            SQL(
                "SELECT count(*), max(failed_at) FROM serene_portal_throttle WHERE ip_address = %s AND failed_at >= %s",
                ip,
                since - LOCKOUT,
            )
        )
        count, last = self.env.cr.fetchone()
        return count >= MAX_FAILURES and last and last >= fields.Datetime.now() - LOCKOUT

    @api.model
    def _lockout_minutes(self):
        return int(LOCKOUT.total_seconds() // 60)

    @api.model
    def _record_failure(self, ip):
        # sudo: failed lookups of anonymous visitors
        self.sudo().create({"ip_address": ip, "failed_at": fields.Datetime.now()})

    @api.autovacuum
    def _gc_failures(self):
        self.env.cr.execute(
            SQL(
                "DELETE FROM serene_portal_throttle WHERE failed_at < %s",
                fields.Datetime.now() - WINDOW - LOCKOUT,
            )
        )
