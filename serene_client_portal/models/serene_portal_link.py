import hashlib
import hmac
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.fields import Domain
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

CODE_MINUTES = 10
MAX_FAILED_CHECKS = 5
LOCK_MINUTES = 30


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


class SerenePortalLink(models.Model):
    """An access link to a client portal: only the SHA-256 of its key is ever stored."""

    _name = "serene.portal.link"
    _description = "Client Portal Access Link"
    _inherit = ["serene.system.fields.mixin"]
    _order = "id desc"
    # The key and the link's state change through the actions and the client's visits only.
    _serene_system_fields = frozenset(
        {
            "portal_id",
            # Stored from the portal: the company rules read it, so a link moved to another
            # company would hide a live key from its practice's "Revoke".
            "company_id",
            "key_hash",
            "fingerprint",
            "expires_at",
            "expiry_days",
            "revoked_at",
            "last_used_at",
            "failed_checks",
            "locked_until",
            "code_hash",
            "code_expires_at",
        }
    )

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
    expiry_days = fields.Integer(
        readonly=True, help="The link's validity, from its last use when the practice slides it."
    )
    revoked_at = fields.Datetime(string="Revoked", readonly=True)
    last_used_at = fields.Datetime(string="Last Used", readonly=True)
    failed_checks = fields.Integer(readonly=True, copy=False)
    locked_until = fields.Datetime(readonly=True, copy=False)
    code_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    code_expires_at = fields.Datetime(readonly=True, copy=False)
    state = fields.Selection(
        [("valid", "Valid"), ("expired", "Expired"), ("revoked", "Revoked"), ("archived", "Portal Archived")],
        compute="_compute_state",
    )

    _key_hash_unique = models.Constraint("UNIQUE(key_hash)", "Access link keys are unique.")

    @api.depends("expires_at", "revoked_at", "portal_id.active")
    def _compute_state(self):
        for link in self:
            link.state = link._get_state()

    @api.model
    def _valid_domain(self):
        """The one rule of a valid link, now: not revoked, not expired, its portal not archived.
        The key lookup's SQL is built from it; ``_get_state`` says the same of one link."""
        now = fields.Datetime.now()
        return (
            Domain("revoked_at", "=", False)
            & (Domain("expires_at", "=", False) | Domain("expires_at", ">", now))
            & Domain("portal_id.active", "=", True)
        )

    def _get_state(self):
        """'revoked', 'expired', 'archived' (its portal) or 'valid', now: ``_valid_domain`` for
        one link, with the reason when it is not valid."""
        self.ensure_one()
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= fields.Datetime.now():
            return "expired"
        if not self.portal_id.active:
            return "archived"
        return "valid"

    def _filter_live(self):
        """The links neither revoked nor expired, whether or not their portal is archived: the
        ones that would open it (again) and that a revocation or the cap on live links acts on."""
        return self.filtered(lambda link: link._get_state() in ("valid", "archived"))

    def action_revoke(self):
        self.check_access("write")
        now = fields.Datetime.now()
        for link in self.filtered(lambda link: not link.revoked_at):
            # sudo: serene.portal.link - revoked_at is a system field; write access was checked above
            link.sudo().revoked_at = now
            self.env["serene.portal.activity"]._log(link.portal_id, "link_revoked", link=link)
        return True

    @api.model
    def _mint(self, portal, expiry_days=None, detail=None):
        """Create a link for ``portal`` and return its key: 256 bits from the OS CSPRNG."""
        if expiry_days is None:
            expiry_days = portal.company_id.serene_portal_link_expiry_days
        key = secrets.token_urlsafe(32)
        digest = hash_key(key)
        # sudo: serene.portal.link - the key hash is readable by administrators only, and clients ask for links too
        link = self.sudo().create(
            {
                "portal_id": portal.id,
                "key_hash": digest,
                "fingerprint": digest[:10],
                "expires_at": fields.Datetime.now() + timedelta(days=expiry_days) if expiry_days else False,
                "expiry_days": expiry_days,
            }
        )
        self.env["serene.portal.activity"]._log(portal, "link_sent", link=link, detail=detail)
        cap = portal.company_id.serene_portal_max_live_links
        if cap:
            # sudo: serene.portal.link - the links of the portal, whoever asked for the new one
            live = portal.sudo().link_ids._filter_live().sorted("id", reverse=True)
            live[cap:].action_revoke()
        return key

    @api.model
    def _find_valid_counted(self, key, address):
        """``(allowed, link_sudo)``: the valid link whose key is ``key`` (an empty recordset when
        none), counted as a key lookup from ``address`` (an IPv4 address or IPv6 /64) and refused
        once the address used up its failed lookups.

        The lookup goes by the hash's unique index, under ``_valid_domain``; the final comparison
        is constant-time. A good key is not counted; unknown, revoked and expired keys are
        counted alike (``serene.portal.throttle._count_attempt``)."""
        # sudo: serene.portal.throttle - the key lookups of anonymous visitors are counted
        Throttle = self.env["serene.portal.throttle"].sudo()
        # sudo: serene.portal.link - the visitor is anonymous; only the key's hash finds the link
        Link = self.sudo()
        if not key or len(key) > 128:
            allowed, _found = Throttle._count_attempt("key", address)
            return allowed, Link.browse()
        digest = hash_key(key)
        probe = Link._search(Domain("key_hash", "=", digest) & Link._valid_domain(), limit=1).select()
        allowed, link_id = Throttle._count_attempt("key", address, unless=probe)
        if not allowed or not link_id:
            return allowed, Link.browse()
        link_sudo = Link.browse(link_id)
        if hmac.compare_digest(link_sudo.key_hash, digest) and link_sudo._get_state() == "valid":
            return True, link_sudo
        # Changed since the statement (revoked or expired this instant): a failed lookup after all.
        allowed, _found = Throttle._count_attempt("key", address)
        return allowed, Link.browse()

    def _opens_answer(self, answer, verified):
        """Whether a visitor who came with this link may take or review ``answer``: the link is
        live, the answer belongs to an item of its portal still shared, and the identity check
        was passed when the practice asks for one."""
        self.ensure_one()
        item = answer.serene_item_id
        return self._get_state() == "valid" and item.active and item.portal_id == self.portal_id and verified

    def _visit_is_live(self, verified_at, last_seen_at, now):
        """Whether a visit verified at ``verified_at`` and last seen at ``last_seen_at`` (epoch
        seconds) still holds: the link is valid, within the practice's idle time and lifetime."""
        company = self.portal_id.company_id
        idle = (company.serene_portal_session_idle_minutes or 30) * 60
        lifetime = (company.serene_portal_session_max_hours or 12) * 3600
        return self._get_state() == "valid" and now - last_seen_at <= idle and now - verified_at <= lifetime

    def _touch(self):
        """Remember the last use, at most once a minute (no write per page view); a link in
        use stays valid for its expiry period from now when the practice slides links."""
        now = fields.Datetime.now()
        for link in self:
            if not link.last_used_at or now - link.last_used_at > timedelta(minutes=1):
                vals = {"last_used_at": now}
                if link.expires_at and link.expiry_days and link.portal_id.company_id.serene_portal_link_sliding:
                    vals["expires_at"] = max(link.expires_at, now + timedelta(days=link.expiry_days))
                link.write(vals)

    @api.model
    def _cron_remove_dead_links(self):
        """Remove links revoked or expired longer ago than each practice keeps them. The audit
        trail keeps their fingerprints."""
        now = fields.Datetime.now()
        for company in self.env["res.company"].search([("serene_portal_link_retention_days", ">", 0)]):
            before = now - timedelta(days=company.serene_portal_link_retention_days)
            # sudo: serene.portal.link - the cron removes dead links of every practice
            dead = self.sudo().search(
                [
                    ("company_id", "=", company.id),
                    "|",
                    ("revoked_at", "<", before),
                    ("expires_at", "<", before),
                ],
                limit=5000,
            )
            dead.unlink()

    # ------------------------------------------------------------------
    # Identity check (optional per company): date of birth and/or a one-time code
    # ------------------------------------------------------------------

    def _identity_check_required(self):
        company = self.portal_id.company_id
        return company.serene_portal_verify_birthdate or company.serene_portal_verify_code in ("email", "sms")

    def _identity_plan(self):
        """What this client's visitor is asked, on the sudo'd link of a valid key:
        ``{"birthdate": bool, "code": "email" | "sms" | False, "unreachable": bool}``.

        A client with no date of birth on file is sent a code instead (no lock-out); a code
        goes to the mobile when the practice chose SMS and there is one, else to the email, else
        to the mobile. With a code needed and nowhere to send it, nothing passes
        (``unreachable``): the page says whom to contact."""
        self.ensure_one()
        company = self.portal_id.company_id
        partner = self.portal_id.partner_id
        has_birthdate = bool(partner.serene_birthdate_value)
        ask_birthdate = company.serene_portal_verify_birthdate and has_birthdate
        need_code = company.serene_portal_verify_code in ("email", "sms") or (
            company.serene_portal_verify_birthdate and not has_birthdate
        )
        code = False
        if need_code:
            if company.serene_portal_verify_code == "sms" and partner.phone:
                code = "sms"
            elif partner.email:
                code = "email"
            elif partner.phone:
                code = "sms"
        return {"birthdate": ask_birthdate, "code": code, "unreachable": need_code and not code}

    def _is_locked(self):
        return bool(self.locked_until and self.locked_until > fields.Datetime.now())

    @api.model
    def _locked_message(self):
        return _(
            "Too many attempts. This link is locked for %(minutes)s minutes; please try again later.",
            minutes=LOCK_MINUTES,
        )

    def _send_identity_code(self):
        """Send a fresh 6-digit code to the client's email or mobile on file; the answer never
        shows the address. Called on the sudo'd link of a valid key."""
        self.ensure_one()
        now = fields.Datetime.now()
        portal = self.portal_id
        channel = self._identity_plan()["code"]
        partner = portal.partner_id
        if not channel or self._is_locked():
            return _("No code can be sent right now.")
        if self.code_expires_at and self.code_expires_at - timedelta(minutes=CODE_MINUTES - 1) > now:
            return _("A code was just sent. Please wait a minute before asking for another.")
        code = f"{secrets.randbelow(10**6):06d}"
        self.write(
            {"code_hash": hash_key(f"{self.id}:{code}"), "code_expires_at": now + timedelta(minutes=CODE_MINUTES)}
        )
        # The code goes out in the client's language, by the channel the identity plan chose.
        template = "mail_template_identity_code" if channel == "email" else "sms_template_identity_code"
        self.env["serene.portal.notification"]._send(
            f"serene_client_portal.{template}",
            portal,
            partner,
            "code",
            portal=portal,
            values={"portal_code": code, "code_minutes": CODE_MINUTES},
            valid_until=now + timedelta(minutes=CODE_MINUTES),
            now=True,
        )
        self.env["serene.portal.activity"]._log(portal, "code_sent", actor="client", link=self)
        return _(
            "If we have contact details on file, a code is on its way. It is valid for %(minutes)s minutes.",
            minutes=CODE_MINUTES,
        )

    def _unreachable_message(self):
        """Whom to contact when the portal cannot check who is visiting."""
        company = self.portal_id.company_id
        contact = " / ".join(filter(None, [company.phone, company.email]))
        if contact:
            return _(
                "We cannot confirm it is you online: we have no date of birth, email or mobile number for you. "
                "Please contact %(practice)s (%(contact)s) to open your portal.",
                practice=company.name,
                contact=contact,
            )
        return _(
            "We cannot confirm it is you online: we have no date of birth, email or mobile number for you. "
            "Please contact %(practice)s to open your portal.",
            practice=company.name,
        )

    def _check_identity(self, birthdate=None, code=None):
        """(passed, message) for the details a visitor gave, on the sudo'd link of a valid key.

        After MAX_FAILED_CHECKS failures the link locks for LOCK_MINUTES and the note owner is told.
        """
        self.ensure_one()
        if self._is_locked():
            return False, self._locked_message()
        partner = self.portal_id.partner_id
        now = fields.Datetime.now()
        plan = self._identity_plan()
        if plan["unreachable"]:
            # Not the visitor's fault: no attempt is counted, nothing passes.
            return False, self._unreachable_message()
        passed = True
        if plan["birthdate"]:
            try:
                given = fields.Date.to_date((birthdate or "").strip()) if birthdate else None
            except ValueError:
                given = None
            passed = bool(given and given == partner.serene_birthdate_value)
        if plan["code"]:
            code = (code or "").strip()
            passed = passed and bool(
                code
                and self.code_hash
                and self.code_expires_at
                and self.code_expires_at > now
                and hmac.compare_digest(self.code_hash, hash_key(f"{self.id}:{code}"))
            )
        Activity = self.env["serene.portal.activity"]
        if passed:
            self.write({"failed_checks": 0, "code_hash": False, "code_expires_at": False})
            Activity._log(self.portal_id, "verification_passed", actor="client", link=self)
            return True, None
        failures = self.failed_checks + 1
        Activity._log(self.portal_id, "verification_failed", actor="client", result="refused", link=self)
        if failures >= MAX_FAILED_CHECKS:
            self.write({"failed_checks": 0, "locked_until": now + timedelta(minutes=LOCK_MINUTES)})
            self.portal_id._notify_note_owner(
                _lt("Portal link locked after failed identity checks"),
                note=_lt(
                    "Someone failed the identity check of %(name)s's portal %(count)s times; the link is locked "
                    "for %(minutes)s minutes.",
                    name=partner.name,
                    count=MAX_FAILED_CHECKS,
                    minutes=LOCK_MINUTES,
                ),
            )
            return False, self._locked_message()
        self.write({"failed_checks": failures})
        return False, _(
            "Those details do not match our records. %(left)s attempt(s) left.", left=MAX_FAILED_CHECKS - failures
        )

    def _check_identity_counted(self, address, birthdate=None, code=None):
        """``_check_identity`` counted with the failed checks from ``address`` (an IPv4 address
        or IPv6 /64) as well, so that a fresh link buys no more guesses. Each check takes a slot
        of the address before it is made, apart from the request, so a parallel burst is counted
        check by check; a passed check gives its slot back."""
        self.ensure_one()
        # sudo: serene.portal.throttle - the identity checks of anonymous visitors are counted
        Throttle = self.env["serene.portal.throttle"].sudo()
        allowed, _found = Throttle._count_attempt("verify", address)
        if not allowed:
            return False, self._locked_message()
        passed, message = self._check_identity(birthdate=birthdate, code=code)
        if passed:
            Throttle._count_attempt("verify", address, amount=-1)
        return passed, message

    def _compute_display_name(self):
        for link in self:
            link.display_name = _("Link %(fingerprint)s", fingerprint=link.fingerprint or "")
