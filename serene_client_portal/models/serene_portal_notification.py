from odoo import api, fields, models

# How Odoo's queues name a message's state, in the three words staff need.
MAIL_STATES = {"outgoing": "queued", "sent": "sent", "received": "sent", "exception": "failed", "cancel": "failed"}
SMS_STATES = {
    "outgoing": "queued",
    "process": "queued",
    "pending": "sent",
    "sent": "sent",
    "error": "failed",
    "canceled": "failed",
}


class SerenePortalNotification(models.Model):
    """One email or text message to a client, and whether it reached them: the queue rows
    (``mail.mail``, ``sms.sms``) carry the link or code and are deleted once sent, this row
    stays so staff can see it went out (the guide's "Verify client receives notifications").
    It holds no link, no code and no health information."""

    _name = "serene.portal.notification"
    _description = "Client Portal Notification"
    _inherit = ["serene.system.fields.mixin"]
    _order = "create_date desc, id desc"
    _rec_name = "kind"
    # Written by the addon's own code only, as the message is queued and as the queue moves.
    _serene_system_fields = frozenset(
        {"portal_id", "channel", "kind", "recipient", "state", "failure_reason", "sent_at"}
    )

    portal_id = fields.Many2one("serene.client.portal", required=True, ondelete="cascade", readonly=True, index=True)
    partner_id = fields.Many2one(related="portal_id.partner_id", string="Client", store=True, index=True)
    company_id = fields.Many2one(related="portal_id.company_id", store=True, index=True)
    channel = fields.Selection([("email", "Email"), ("sms", "SMS")], required=True, readonly=True)
    kind = fields.Selection(
        [
            ("link", "Portal link"),
            ("items", "New items"),
            ("reminder", "Reminder"),
            ("code", "Identity code"),
            ("appointment", "Appointment"),
        ],
        string="Message",
        required=True,
        readonly=True,
    )
    recipient = fields.Char(string="Sent To", readonly=True)
    state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")],
        default="queued",
        required=True,
        readonly=True,
    )
    failure_reason = fields.Char(readonly=True)
    sent_at = fields.Datetime(readonly=True)

    @api.model
    def _track(self, portal, channel, kind, recipient):
        """A new notification row for a message about to be queued; returns its id."""
        # sudo: the row is written by whoever triggers the message (an anonymous visitor asking
        # for a code, a cron); staff read it under the portal's rules
        return self.sudo().create({"portal_id": portal.id, "channel": channel, "kind": kind, "recipient": recipient}).id

    def _follow(self, state, failure_reason=False):
        """Mirror the queue's state: ``state`` is already one of queued / sent / failed."""
        values = {"state": state, "failure_reason": failure_reason or False}
        if state == "sent":
            values["sent_at"] = fields.Datetime.now()
        # sudo: the queue's state changes under the mail queue's or the cron's user
        self.sudo().write(values)
