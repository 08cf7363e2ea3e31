from datetime import timedelta

from odoo import api, fields, models
from odoo.tools.mail import generate_tracking_message_id
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

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
# The messages to a client; the others go to their note owner.
CLIENT_KINDS = ("link", "items", "reminder", "code", "appointment", "message")
# The notices of a secure message, and the answer to an email reply: a reply to them is never
# routed to a record (mail.thread._detect_loop_headers), it gets the automatic answer once.
SECURE_MESSAGE_TAG = "serene-secure-message"
AUTO_REPLY_TAG = "serene-secure-message-auto-reply"
# Text-message failures that a retry cannot mend.
PERMANENT_SMS_FAILURES = ("sms_number_missing", "sms_number_format", "sms_blacklist", "sms_duplicate", "sms_optout")
# A failed message is retried, waiting as long as it has existed (at least RETRY_MIN), and given
# up GIVE_UP_AFTER its creation.
RETRY_MIN = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(days=1)
RETRY_BATCH = 500


class SerenePortalNotification(models.Model):
    """One email or text message of the addon, and whether it reached its recipient; and the one
    sender of all of them (``_send``).

    The queue rows (``mail.mail``, ``sms.sms``) carry the link or code and are deleted once sent,
    this row stays so staff can see it went out (the guide's "Verify client receives
    notifications"). It holds no link, no code and no health information."""

    _name = "serene.portal.notification"
    _description = "Client Portal Notification"
    _inherit = ["serene.system.fields.mixin"]
    _order = "create_date desc, id desc"
    _rec_name = "kind"
    # Written by the addon's own code only, as the message is queued and as the queue moves.
    _serene_system_fields = frozenset(
        {"portal_id", "channel", "kind", "recipient", "state", "failure_reason", "sent_at"}
    )

    # The portal the message is about; none for a note owner's digest, which covers many.
    portal_id = fields.Many2one("serene.client.portal", ondelete="cascade", readonly=True, index=True)
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
            ("urgent", "Urgent notice to the note owner"),
            ("digest", "Note owner digest"),
            ("message", "New secure message"),
            ("message_staff", "New secure message to the note owner"),
            ("auto_reply", "Answer to an email reply"),
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

    # ------------------------------------------------------------------
    # The sender
    # ------------------------------------------------------------------

    @api.model
    def _send(self, template_xmlid, record, recipient, kind, portal=None, values=None, valid_until=None, now=False):
        """Queue one message to ``recipient`` (a contact) and keep its delivery row.

        ``template_xmlid`` names a ``mail.template`` (an email) or an ``sms.template`` (a text
        message) on ``record``'s model; it is rendered in the recipient's language with
        ``values`` in its context (``ctx``): the link, the code, the rows of a digest. Those
        values live in the queue row only, which is deleted once sent.

        The message goes out when this transaction commits (``now``: right after it, from this
        request), else at the queue's next run, woken once per transaction. A failure is
        retried with one backoff and given up after a day (``_cron_retry_failed_notifications``);
        a message with ``valid_until`` (a one-time code) is never sent after it.

        Returns the delivery row."""
        message = {
            "template": template_xmlid,
            "record": record,
            "recipient": recipient,
            "kind": kind,
            "portal": portal,
            "values": values,
            "valid_until": valid_until,
        }
        return self._send_batch([message], now=now)

    @api.model
    def _send_batch(self, messages, now=False):
        """``_send`` for many messages (dicts of its arguments), queued together: a batch of
        reminders costs each client the rows that are their own. Returns the delivery rows."""
        if not messages:
            return self
        # sudo: mail.template / sms.template - staff and clients may not read templates; the
        # sender renders them for the addon's own messages
        templates = {xmlid: self.env.ref(xmlid).sudo() for xmlid in {message["template"] for message in messages}}
        # What the templates read of the portals (the client, the practice), fetched at once.
        # sudo: serene.client.portal - read for the templates, which render as superuser
        portals = (
            self.env["serene.client.portal"]
            .sudo()
            .browse({message["portal"].id for message in messages if message.get("portal")})
        )
        portals.partner_id.fetch(["name", "lang", "email"])
        portals.company_id.fetch(["name", "email"])
        rows = self._track_many(
            [
                {
                    "portal": message.get("portal"),
                    "channel": self._channel(templates[message["template"]]),
                    "kind": message["kind"],
                    "recipient": self._address(message["recipient"], templates[message["template"]]),
                }
                for message in messages
            ]
        )
        mail_values, sms_values = [], []
        for message, row in zip(messages, rows, strict=True):
            template = templates[message["template"]]
            recipient = message["recipient"]
            record = message["record"]
            # The client reads their messages in the language of their portal pages.
            portal = portals.browse(message["portal"].id) if message.get("portal") else portals.browse()
            if portal and recipient == portal.partner_id:
                lang = recipient._serene_client_lang()
            else:
                lang = recipient.lang or self.env.lang
            rendering = template.with_context(**(message.get("values") or {}))
            if row.channel == "sms":
                sms_values.append(
                    {
                        "number": row.recipient,
                        "partner_id": recipient.id,
                        "body": rendering._render_field("body", record.ids, set_lang=lang)[record.id],
                        "serene_portal_id": row.portal_id.id,
                        "serene_notification_id": row.id,
                    }
                )
                continue
            subject, body, email_from = (
                rendering._render_field(field, record.ids, set_lang=lang)[record.id]
                for field in ("subject", "body_html", "email_from")
            )
            if row.kind in CLIENT_KINDS:
                # Odoo's light layout, with the practice's logo and colours.
                body = template.with_context(lang=lang)._render_encapsulate(
                    "mail.mail_notification_light",
                    body,
                    # The layout's heading reads "Your client portal", not Odoo's "Your document".
                    add_context={
                        "company": row.company_id or self.env.company,
                        "model_description": self.with_context(lang=lang).env._("client portal"),
                    },
                    context_record=record.with_context(lang=lang),
                )
            if row.kind in ("message", "message_staff", "auto_reply"):
                # A reply to it is recognised by its Message-Id and answered, never imported.
                tag = AUTO_REPLY_TAG if row.kind == "auto_reply" else SECURE_MESSAGE_TAG
                extra = {"message_id": generate_tracking_message_id(tag)}
                if row.kind == "auto_reply":
                    extra["headers"] = repr({"Auto-Submitted": "auto-replied"})
            else:
                extra = {}
            mail_values.append(
                {
                    **extra,
                    "subject": subject,
                    "body_html": body,
                    "email_from": email_from or self.env.ref("base.user_root").email_formatted,
                    "recipient_ids": [(4, recipient.id)],
                    "model": False,
                    "res_id": False,
                    "auto_delete": True,
                    "serene_portal_id": row.portal_id.id,
                    "serene_notification_id": row.id,
                    "serene_valid_until": message.get("valid_until"),
                }
            )
        if sms_values:
            # sudo: sms.sms - clients and practitioners do not manage the SMS queue
            self.env["sms.sms"].sudo().create(sms_values)
            self._wake_queue("sms.ir_cron_sms_scheduler_action")
        if mail_values:
            # sudo: mail.mail - the message hangs on no document, so only the mail queue and
            # administrators read the link or code in it; it is deleted once sent
            mails = self.env["mail.mail"].sudo().create(mail_values)
            if now:
                mails.send_after_commit()
            else:
                self._wake_queue("mail.ir_cron_mail_scheduler_action")
        return rows

    @api.model
    def _channel(self, template):
        return "sms" if template._name == "sms.template" else "email"

    @api.model
    def _address(self, recipient, template):
        """Where ``recipient`` gets a message of ``template``: their email or mobile on file."""
        if self._channel(template) == "sms":
            return recipient.phone_sanitized or recipient.phone
        return recipient.email

    @api.model
    def _track(self, portal, channel, kind, recipient):
        """The delivery row of a message about to be queued (by ``_send``, or by Odoo for an
        appointment email the addon adds a link to)."""
        return self._track_many([{"portal": portal, "channel": channel, "kind": kind, "recipient": recipient}])

    @api.model
    def _track_many(self, messages):
        # sudo: serene.portal.notification - the row is written by whoever triggers the message
        # (an anonymous visitor asking for a code, a cron); staff read it under the portal's rules
        return self.sudo().create(
            [
                {
                    "portal_id": message["portal"].id if message["portal"] else False,
                    "channel": message["channel"],
                    "kind": message["kind"],
                    "recipient": message["recipient"],
                }
                for message in messages
            ]
        )

    @api.model
    def _wake_queue(self, cron_xmlid):
        """Queued messages go out when this transaction commits, not at the queue's next
        scheduled run: wake Odoo's queue once per transaction (a batch of reminders wakes it once)."""
        woken = self.env.cr.precommit.data.setdefault("serene_queues_woken", set())
        if cron_xmlid not in woken:
            woken.add(cron_xmlid)
            # sudo: ir.cron - clients and practitioners may not schedule Odoo's queues
            self.env.ref(cron_xmlid).sudo()._trigger()

    # ------------------------------------------------------------------
    # Delivery: the queues' state, retries and giving up
    # ------------------------------------------------------------------

    def _follow(self, state, failure_reason=False):
        """Mirror the queue's state: ``state`` is already one of queued / sent / failed."""
        values = {"state": state, "failure_reason": failure_reason or False}
        if state == "sent":
            values["sent_at"] = fields.Datetime.now()
        # sudo: serene.portal.notification - the queue's state changes under the mail queue's
        # or the cron's user
        self.sudo().write(values)

    @api.model
    def _retry_due(self, queued, now):
        """Whether the failed queue row ``queued`` (a mail.mail or an sms.sms) is due for another
        try: it waits as long as it had existed at its last failure, at least RETRY_MIN."""
        return now - queued.write_date >= max(RETRY_MIN, queued.write_date - queued.create_date)

    @api.model
    def _cron_retry_failed_notifications(self):
        """Put the failed messages back in their queue with backoff. After a day (emails, text
        messages whose failure may pass) or at once (a wrong or opted-out number), give up: the
        note owner of a client's message gets a to-do, and the queue row, the only copy of the
        link or code it carried, is deleted. A one-time code not sent while valid never is."""
        now = fields.Datetime.now()
        # sudo: mail.mail - the cron looks after the addon's outgoing mail
        Mail = self.env["mail.mail"].sudo()
        expired = Mail.search(
            [
                ("serene_notification_id", "!=", False),
                ("serene_valid_until", "<", now),
                ("state", "in", ("outgoing", "exception", "cancel")),
            ]
        )
        expired.serene_notification_id._follow("failed", self.env._("The code expired before it could be sent."))
        expired.unlink()
        failed = Mail.search([("serene_notification_id", "!=", False), ("state", "in", ("exception", "cancel"))])
        given_up = failed.filtered(lambda mail: mail.create_date < now - GIVE_UP_AFTER)
        (failed - given_up).filtered(lambda mail: mail.state == "exception" and self._retry_due(mail, now))[
            :RETRY_BATCH
        ].mark_outgoing()
        for mail in given_up[:RETRY_BATCH]:
            mail.serene_notification_id._give_up(mail.failure_reason)
        given_up[:RETRY_BATCH].unlink()
        # sudo: sms.sms - the cron looks after the addon's text messages
        failed_sms = (
            self.env["sms.sms"]
            .sudo()
            .search(
                [("serene_notification_id", "!=", False), ("state", "in", ("error", "canceled"))], limit=RETRY_BATCH
            )
        )
        final = failed_sms.filtered(
            lambda sms: (
                sms.failure_type in PERMANENT_SMS_FAILURES
                or sms.state == "canceled"
                or sms.create_date < now - GIVE_UP_AFTER
            )
        )
        (failed_sms - final).filtered(lambda sms: self._retry_due(sms, now)).write(
            {"state": "outgoing", "failure_type": False}
        )
        for sms in final:
            sms.serene_notification_id._give_up(sms.failure_type)
        final.unlink()

    def _give_up(self, reason):
        """The message will not be sent: its row says so and, for a message to a client, the
        note owner gets a to-do in their language (the client's name stays in Odoo)."""
        self._follow("failed", reason)
        for row in self.filtered(lambda row: row.kind in CLIENT_KINDS and row.portal_id):
            summary = (
                _lt("Portal email to %(name)s could not be sent", name=row.portal_id.partner_id.name)
                if row.channel == "email"
                else _lt("Portal text message to %(name)s could not be sent", name=row.portal_id.partner_id.name)
            )
            row.portal_id._notify_note_owner(summary, note=reason)
