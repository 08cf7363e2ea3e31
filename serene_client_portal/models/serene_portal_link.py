import hashlib
import hmac
import secrets
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

CODE_MINUTES = 10
MAX_FAILED_CHECKS = 5
LOCK_MINUTES = 30


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
    failed_checks = fields.Integer(readonly=True, copy=False)
    locked_until = fields.Datetime(readonly=True, copy=False)
    code_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    code_expires_at = fields.Datetime(readonly=True, copy=False)
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

    # ------------------------------------------------------------------
    # Identity check (optional per company): date of birth and/or a one-time code
    # ------------------------------------------------------------------

    def _identity_check_required(self):
        company = self.portal_id.company_id
        return company.serene_portal_verify_birthdate or company.serene_portal_verify_code != "none"

    def _is_locked(self):
        return bool(self.locked_until and self.locked_until > fields.Datetime.now())

    def _send_identity_code(self):
        """Send a fresh 6-digit code to the client's email or mobile on file; the answer never
        shows the address."""
        self.ensure_one()
        now = fields.Datetime.now()
        channel = self.portal_id.company_id.serene_portal_verify_code
        partner = self.portal_id.partner_id
        if channel == "none" or self._is_locked():
            return _("No code can be sent right now.")
        if self.code_expires_at and self.code_expires_at - timedelta(minutes=CODE_MINUTES - 1) > now:
            return _("A code was just sent. Please wait a minute before asking for another.")
        code = f"{secrets.randbelow(10**6):06d}"
        self.sudo().write(
            {
                "code_hash": hash_key(f"{self.id}:{code}"),
                "code_expires_at": now + timedelta(minutes=CODE_MINUTES),
            }
        )
        practice = self.portal_id.company_id.name
        body = _(
            "%(code)s is your code for your %(practice)s client portal. It expires in 10 minutes.",
            code=code,
            practice=practice,
        )
        if channel == "sms" and partner.phone:
            self.env["sms.sms"].sudo().create(
                {
                    "number": partner.phone_sanitized or partner.phone,
                    "partner_id": partner.id,
                    "body": body,
                }
            )
        elif partner.email:
            self.env["mail.mail"].sudo().create(
                {
                    "subject": _("Your %(practice)s portal code", practice=practice),
                    "email_to": partner.email_formatted,
                    "email_from": self.portal_id.company_id.email_formatted or self.env.user.email_formatted,
                    "body_html": Markup("<p>%s</p>") % body,
                    "model": self.portal_id._name,
                    "res_id": self.portal_id.id,
                    "auto_delete": True,
                }
            )
        self.env["serene.portal.activity"]._log(
            self.portal_id, "code_sent", actor="client", fingerprint=self.fingerprint
        )
        return _("If we have contact details on file, a code is on its way. It is valid for 10 minutes.")

    def _check_identity(self, birthdate=None, code=None):
        """(passed, message). After 5 failures the link locks for 30 minutes and the note owner is told."""
        self.ensure_one()
        if self._is_locked():
            return False, _("Too many attempts. This link is locked for 30 minutes; please try again later.")
        company = self.portal_id.company_id
        partner = self.portal_id.partner_id
        now = fields.Datetime.now()
        passed = True
        if company.serene_portal_verify_birthdate:
            given = None
            try:
                given = fields.Date.to_date((birthdate or "").strip()) if birthdate else None
            except ValueError:
                given = None
            passed = bool(given and partner.client_birthdate and given == partner.client_birthdate)
        if company.serene_portal_verify_code != "none":
            code = (code or "").strip()
            code_ok = bool(
                code
                and self.sudo().code_hash
                and self.code_expires_at
                and self.code_expires_at > now
                and hmac.compare_digest(self.sudo().code_hash, hash_key(f"{self.id}:{code}"))
            )
            passed = passed and code_ok
        Activity = self.env["serene.portal.activity"]
        if passed:
            self.sudo().write({"failed_checks": 0, "code_hash": False, "code_expires_at": False})
            Activity._log(self.portal_id, "verification_passed", actor="client", fingerprint=self.fingerprint)
            return True, None
        failures = self.failed_checks + 1
        Activity._log(
            self.portal_id, "verification_failed", actor="client", result="refused", fingerprint=self.fingerprint
        )
        if failures >= MAX_FAILED_CHECKS:
            self.sudo().write({"failed_checks": 0, "locked_until": now + timedelta(minutes=LOCK_MINUTES)})
            owner = partner.note_owner_id
            if owner:
                partner.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=owner.id,
                    summary=_("Portal link locked after failed identity checks"),
                    note=_(
                        "Someone failed the identity check of %(name)s's portal 5 times; the link is locked "
                        "for 30 minutes.",
                        name=partner.name,
                    ),
                )
            return False, _("Too many attempts. This link is locked for 30 minutes; please try again later.")
        self.sudo().failed_checks = failures
        return False, _(
            "Those details do not match our records. %(left)s attempt(s) left.", left=MAX_FAILED_CHECKS - failures
        )

    def _compute_display_name(self):
        for link in self:
            link.display_name = _("Link %(fingerprint)s", fingerprint=link.fingerprint or "")
