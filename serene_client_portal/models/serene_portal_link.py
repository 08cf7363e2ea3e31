import hashlib
import hmac
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


class SerenePortalLink(models.Model):
    """An access link to a client portal: only the SHA-256 of its key is ever stored."""

    _name = "serene.portal.link"
    _description = "Client Portal Access Link"
    _order = "id desc"

    portal_id = fields.Many2one("serene.client.portal", required=True, ondelete="cascade", index=True, readonly=True)
    partner_id = fields.Many2one(related="portal_id.partner_id", string="Client")
    company_id = fields.Many2one(related="portal_id.company_id", store=True, index=True)
    key_hash = fields.Char(required=True, readonly=True, copy=False, groups="base.group_system")
    fingerprint = fields.Char(
        readonly=True,
        copy=False,
        help="First characters of the key's hash: tells links apart in the log.",
    )
    expires_at = fields.Datetime(string="Expires", readonly=True)
    revoked_at = fields.Datetime(string="Revoked", readonly=True)
    last_used_at = fields.Datetime(string="Last Used", readonly=True)
    state = fields.Selection(
        [("valid", "Valid"), ("expired", "Expired"), ("revoked", "Revoked")],
        compute="_compute_state",
    )

    _key_hash_unique = models.Constraint("UNIQUE(key_hash)", "Access link keys are unique.")

    @api.depends("expires_at", "revoked_at")
    def _compute_state(self):
        now = fields.Datetime.now()
        for link in self:
            if link.revoked_at:
                link.state = "revoked"
            elif link.expires_at and link.expires_at <= now:
                link.state = "expired"
            else:
                link.state = "valid"

    def write(self, vals):
        if not self.env.su and {"portal_id", "key_hash", "fingerprint"} & set(vals):
            raise AccessError(_("An access link stays with its portal and key."))
        return super().write(vals)

    def action_revoke(self):
        now = fields.Datetime.now()
        for link in self.filtered(lambda link: not link.revoked_at):
            link.revoked_at = now
            self.env["serene.portal.activity"]._log(link.portal_id, "link_revoked", fingerprint=link.fingerprint)
        return True

    @api.model
    def _mint(self, portal, expiry_days=None):
        """Create a link for ``portal`` and return its key: 256 bits from the OS CSPRNG."""
        if expiry_days is None:
            expiry_days = portal.company_id.serene_portal_link_expiry_days
        key = secrets.token_urlsafe(32)
        digest = hash_key(key)
        self.sudo().create(
            {
                "portal_id": portal.id,
                "key_hash": digest,
                "fingerprint": digest[:10],
                "expires_at": fields.Datetime.now() + timedelta(days=expiry_days) if expiry_days else False,
            }
        )
        self.env["serene.portal.activity"]._log(portal, "link_sent", fingerprint=digest[:10])
        return key

    @api.model
    def _find_valid(self, key):
        """The valid link whose key is ``key`` (sudo), or an empty recordset.

        The lookup goes by the hash's index; the final comparison is constant-time.
        """
        if not key or len(key) > 128:
            return self.sudo().browse()
        digest = hash_key(key)
        link_sudo = self.sudo().search([("key_hash", "=", digest)], limit=1)
        if (
            not link_sudo
            or not hmac.compare_digest(link_sudo.key_hash, digest)
            or link_sudo.revoked_at
            or (link_sudo.expires_at and link_sudo.expires_at <= fields.Datetime.now())
            or not link_sudo.portal_id.active
        ):
            return self.sudo().browse()
        return link_sudo

    def _touch(self):
        """Remember the last use, at most once a minute (no write per page view)."""
        now = fields.Datetime.now()
        for link in self:
            if not link.last_used_at or now - link.last_used_at > timedelta(minutes=1):
                link.last_used_at = now

    def _compute_display_name(self):
        for link in self:
            link.display_name = _("Link %(fingerprint)s", fingerprint=link.fingerprint or "")
