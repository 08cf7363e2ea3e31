from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.http import request
from odoo.tools import SQL

EVENT_TYPES = [
    ("portal_created", "Portal created"),
    ("item_added", "Item added"),
    ("item_removed", "Item removed"),
    ("form_started", "Form started"),
    ("form_completed", "Form completed"),
    ("document_uploaded", "Document uploaded"),
    ("request_closed", "Document request complete"),
    ("consent_signed", "Consent signed"),
    ("upload_rejected", "Upload rejected"),
    ("resource_downloaded", "Resource downloaded"),
    ("file_downloaded", "File downloaded"),
    ("file_viewed", "File opened by staff"),
    ("answers_viewed", "Answers opened by staff"),
    ("answers_printed", "Answers printed by staff"),
    ("portal_viewed", "Portal viewed"),
    ("staff_preview", "Staff preview"),
    ("link_sent", "Link sent"),
    ("link_revoked", "Link revoked"),
    ("link_requested", "New link requested"),
    ("code_sent", "Identity code sent"),
    ("verification_passed", "Identity checked"),
    ("verification_failed", "Identity check failed"),
    ("contact_changed", "Contact details changed"),
    ("audit_exported", "Activity exported"),
    ("reminder_sent", "Reminder sent"),
    ("retention_cleanup", "Old activity removed"),
    ("message_sent", "Secure message sent"),
    ("message_read", "Secure messages read"),
    ("messages_printed", "Secure messages printed"),
    ("appointment_booked", "Session booked"),
    ("appointment_requested", "Session requested"),
    ("appointment_confirmed", "Session request confirmed"),
    ("appointment_declined", "Session request declined"),
    ("appointment_rescheduled", "Session moved"),
    ("appointment_cancelled", "Session cancelled"),
    ("appointment_cancelled_late", "Session cancelled late"),
]


class SerenePortalActivity(models.Model):
    """Append-only audit trail of a client portal: who did what, when, from where."""

    _name = "serene.portal.activity"
    _description = "Client Portal Activity"
    _inherit = ["serene.system.fields.mixin"]
    _order = "event_at desc, id desc"
    _rec_name = "event_type"
    # Written by the addon's own code only, for everyone who acts on a portal.
    _serene_system_fields = frozenset(
        {
            "event_at",
            "event_type",
            "portal_id",
            "company_id",
            "item_id",
            "user_id",
            "actor",
            "result",
            "detail",
            "ip_address",
            "user_agent",
            "key_fingerprint",
        }
    )

    # What counts as "new items added to the portal" on the staff panel.
    _NEW_ITEM_EVENTS = ("item_added", "document_uploaded", "form_completed")
    # What the client did on the portal: the activity panel and the Clients list show it.
    _CLIENT_ENGAGEMENT_EVENTS = (
        "portal_viewed",
        "form_started",
        "form_completed",
        "document_uploaded",
        "resource_downloaded",
        "file_downloaded",
        "message_sent",
    )

    event_at = fields.Datetime(required=True, readonly=True, index=True, default=fields.Datetime.now)
    event_type = fields.Selection(EVENT_TYPES, required=True, readonly=True)
    # Empty for the practice's own events (an export, a retention clean-up).
    portal_id = fields.Many2one("serene.client.portal", ondelete="cascade", readonly=True)
    partner_id = fields.Many2one(
        related="portal_id.partner_id", string="Client", store=True, index=True, precompute=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    item_id = fields.Many2one("serene.portal.item", readonly=True, ondelete="set null", index="btree_not_null")
    user_id = fields.Many2one("res.users", string="Staff User", readonly=True)
    actor = fields.Selection(
        [("staff", "Staff"), ("client", "Client"), ("system", "System")],
        required=True,
        readonly=True,
    )
    result = fields.Selection([("ok", "Success"), ("refused", "Refused")], default="ok", readonly=True)
    detail = fields.Char(readonly=True)
    ip_address = fields.Char(string="IP Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    key_fingerprint = fields.Char(readonly=True, help="Start of the access key's hash, never the key.")

    # The 7-day windows of the activity panel and the Clients list (_get_activity_summaries),
    # read from the index alone.
    _portal_type_at_idx = models.Index("(portal_id, event_type, event_at) INCLUDE (actor, result)")
    # What the client did since the previous run of _cron_refresh_engagement.
    _client_ok_at_idx = models.Index(
        "(event_at) INCLUDE (portal_id, event_type) WHERE actor = 'client' AND result = 'ok'"
    )

    def write(self, vals):
        if self:
            raise AccessError(_("Portal activity is an audit trail: it cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(_("Portal activity is an audit trail: it cannot be deleted."))

    @api.model
    def _log(self, portals, event_type, items=None, actor=None, result="ok", detail=None, link=None, company=None):
        """Append one event per portal (or per item when ``items`` is given); ``link`` is the
        access link the client came with. Without portals, one event of the practice
        (``company``, by default the current one)."""
        if actor is None:
            actor = "client" if self.env.user._is_public() else "staff"
        ip = user_agent = False
        if request:
            ip = request.httprequest.remote_addr
            user_agent = (request.httprequest.user_agent.string or "")[:256]
        base = {
            "event_type": event_type,
            "actor": actor,
            "user_id": self.env.uid if actor == "staff" else False,
            "result": result,
            "detail": detail and detail[:256],
            "ip_address": ip,
            "user_agent": user_agent,
            "key_fingerprint": link.fingerprint if link else False,
        }
        targets = [(item.portal_id, item) for item in items] if items else [(portal, None) for portal in portals or ()]
        if not targets:
            company = company or self.env.company
            # sudo: serene.portal.activity - the log is append-only for everyone
            return self.sudo().create(dict(base, portal_id=False, company_id=company.id))
        # sudo: serene.portal.activity - the log is append-only for everyone; clients and the care team write to it too
        return self.sudo().create(
            [
                dict(base, portal_id=portal.id, company_id=portal.company_id.id, item_id=item.id if item else False)
                for portal, item in targets
            ]
        )

    @api.model
    def _log_staff_read(self, items, event_type, detail=None):
        """A staff member read a client's answers or files (of ``items``): one row each, whatever
        the reader's rights. Only internal users' reads count: the client's own are logged by
        the portal, the system's are not reads."""
        user = self.env.user
        if not items or not user._is_internal() or user._is_superuser():
            return self.browse()
        return self._log(None, event_type, items=items, actor="staff", detail=detail)

    @api.model
    def _cron_apply_retention(self):
        """Remove activity older than each practice's retention period, and log what went."""
        for company in self.env["res.company"].search([("serene_activity_retention_years", ">", 0)]):
            cutoff = fields.Datetime.now() - relativedelta(years=company.serene_activity_retention_years)
            # The log refuses deletion through the ORM: this is its one, logged, way out.
            self.env.cr.execute(
                SQL(
                    "DELETE FROM serene_portal_activity WHERE company_id = %s AND event_at < %s",
                    company.id,
                    cutoff,
                )
            )
            if self.env.cr.rowcount:
                self._log(
                    None,
                    "retention_cleanup",
                    actor="system",
                    company=company,
                    detail=_("%(count)s events before %(date)s", count=self.env.cr.rowcount, date=cutoff.date()),
                )
            messages = self.env["serene.portal.message"]._apply_retention(company, cutoff)
            if messages:
                self._log(
                    None,
                    "retention_cleanup",
                    actor="system",
                    company=company,
                    detail=_("%(count)s secure messages before %(date)s", count=messages, date=cutoff.date()),
                )
