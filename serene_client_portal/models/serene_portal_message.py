import re
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from .ir_attachment import seal

_lt = LazyTranslate(__name__)

# The longest message, in characters: a letter, not a file.
MAX_MESSAGE_CHARS = 5000
# Control characters other than tab and line feed: dropped from the text as it is stored.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# Portals looked at per transaction by _cron_message_followups.
FOLLOWUP_BATCH = 100


class SerenePortalMessage(models.Model):
    """A secure message between a client and their care team, on the client's portal: plain
    text and files, read where the portal's own rules hold (never on the contact's chatter),
    with when each side read it."""

    _name = "serene.portal.message"
    _description = "Client Portal Secure Message"
    _inherit = ["serene.system.fields.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # Who wrote, and who read it when: the system's to set.
    _serene_system_fields = frozenset(
        {"author", "author_user_id", "read_at", "read_by_id", "followup_at", "company_id", "partner_id"}
    )
    # A message is sent once: its thread, text and files never change afterwards.
    _serene_set_once_fields = frozenset({"portal_id", "body", "attachment_ids"})

    portal_id = fields.Many2one(
        "serene.client.portal",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    partner_id = fields.Many2one(related="portal_id.partner_id", string="Client", store=True, index=True)
    company_id = fields.Many2one(related="portal_id.company_id", store=True, index=True)
    author = fields.Selection(
        [("client", "Client"), ("staff", "Practice")], required=True, readonly=True, default="staff"
    )
    author_user_id = fields.Many2one(
        "res.users", string="Written By", readonly=True, default=lambda self: self.env.user
    )
    author_name = fields.Char(string="From", compute="_compute_author_name")
    body = fields.Text(string="Message")
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "serene_portal_message_attachment_rel",
        "message_id",
        "attachment_id",
        string="Files",
    )
    # A client's message: when a member of the practice first read it, and who. A practice's
    # message: when the client first opened it (read_by_id stays empty).
    read_at = fields.Datetime(readonly=True, copy=False)
    read_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    # When the note owner was given a to-do for this client message still unread.
    followup_at = fields.Datetime(readonly=True, copy=False)

    # The unread messages of each thread, for the counts on the Clients list and the panel.
    _unread_idx = models.Index("(portal_id) WHERE read_at IS NULL")

    @api.depends("author_name", "create_date")
    def _compute_display_name(self):
        for message in self:
            message.display_name = message.author_name or self.env._("New message")

    @api.depends("author", "author_user_id", "partner_id")
    def _compute_author_name(self):
        for message in self:
            if message.author == "client":
                # sudo: res.partner - the client's name, on a message the reader may read
                message.author_name = message.partner_id.sudo().name
            else:
                # sudo: res.users - the practitioner's name on a message the reader may read
                message.author_name = message.author_user_id.sudo().name

    @api.constrains("body")
    def _check_body(self):
        for message in self:
            if len(message.body or "") > MAX_MESSAGE_CHARS:
                raise ValidationError(_("A message can be up to %(max)s characters long.", max=MAX_MESSAGE_CHARS))

    @api.model
    def _clean_body(self, body):
        """The text as stored: plain text, line ends as one, no control or direction characters,
        no blank ends. It is shown escaped everywhere (never as HTML)."""
        body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
        return _CONTROL.sub("", body).strip()

    @api.model_create_multi
    def create(self, vals_list):
        """A message in a thread the writer may post to: the thread is closed once the portal is
        archived; the client hears that a message waits (never what it says)."""
        for vals in vals_list:
            if "body" in vals:
                vals["body"] = self._clean_body(vals["body"])
            if not vals.get("body") and not vals.get("attachment_ids"):
                raise UserError(_("Write a message or add a file."))
        # sudo: serene.client.portal - the thread's state, whatever the writer may read of the portal
        portals = self.env["serene.client.portal"].sudo().browse({vals.get("portal_id") or 0 for vals in vals_list})
        if portals.exists().filtered(lambda portal: not portal.active):
            raise UserError(_("This portal is archived: its messages can be read, not answered."))
        messages = super().create(vals_list)
        staff = messages.filtered(lambda message: message.author == "staff")
        if staff:
            staff._link_own_attachments()
            staff._check_team_may_reply()
        messages._after_post()
        return messages

    def _check_team_may_reply(self):
        """The care team reads a client's messages; it answers only when the practice allows it
        (the record rules say the same; this gives the reason in words)."""
        if self.env.su:
            return
        for message in self:
            # sudo: res.partner - who works with the client, to say why a reply is refused
            client = message.partner_id.sudo()
            user = self.env.user
            if client.note_owner_id == user or user.has_group("serene_client_portal.group_practice_manager"):
                continue
            if user in client.care_team_user_ids and not message.company_id.serene_message_team_can_reply:
                raise AccessError(_("The practice lets only the note owner answer a client's messages."))

    def action_send(self):
        """The form's Send: the message was created (and the client told) as the form saved it;
        back to the thread."""
        self.ensure_one()
        self.check_access("read")
        return self.portal_id.action_open_messages()

    def _link_own_attachments(self):
        """The files a practitioner sends with a message: uploaded for it by them, owned by it
        afterwards (ir.attachment's access then follows the message's)."""
        for message in self:
            # sudo: ir.attachment - files uploaded in the form belong to no record yet
            attachments_sudo = message.attachment_ids.sudo()
            loose = attachments_sudo.filtered(
                lambda a, message=message: not (a.res_model == self._name and a.res_id == message.id)
            )
            foreign = loose.filtered(
                lambda a: (
                    a.res_id
                    or a.res_model not in (False, self._name)
                    or (not self.env.su and a.create_uid != self.env.user)
                )
            )
            if foreign:
                raise AccessError(_("A message carries only files uploaded for it."))
            loose.write({"res_model": self._name, "res_id": message.id})

    def _after_post(self):
        """Each message sent is a row of the audit trail (who, when; never the text), and the
        other side is told that a message waits."""
        Activity = self.env["serene.portal.activity"]
        for message in self:
            actor = message.author if message.author == "client" else "staff"
            Activity._log(message.portal_id, "message_sent", actor=actor)
        from_client = self.filtered(lambda message: message.author == "client")
        from_staff = self - from_client
        from_staff.portal_id._send_message_notices()
        from_client.portal_id._notify_message_to_staff()

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        """The thread is part of the client's record: only the retention job removes it."""
        if not self.env.su:
            raise AccessError(_("Secure messages are part of the client's record: they cannot be deleted."))

    # ------------------------------------------------------------------
    # Read state
    # ------------------------------------------------------------------

    def _mark_read(self, user=None):
        """Mark these messages read now (``user``: the practice member who read the client's).
        Returns those that were unread."""
        unread = self.filtered(lambda message: not message.read_at)
        if unread:
            # sudo: serene.portal.message - the read state is a system field, moved by the reader
            unread.sudo().write({"read_at": fields.Datetime.now(), "read_by_id": user.id if user else False})
        return unread

    # ------------------------------------------------------------------
    # What the client sends (on the sudo'd portal of a valid key)
    # ------------------------------------------------------------------

    @api.model
    def _portal_post(self, portal, body, files, link=None):
        """The client writes to their practice: the text, and files through the same checks as
        uploads (type, size, pixels, virus scan, the client's storage quota), within the
        practice's hourly limit of messages per portal. Returns the message."""
        portal.ensure_one()
        body = self._clean_body(body)
        if not body and not files:
            raise UserError(_("Write a message or add a file."))
        if len(body) > MAX_MESSAGE_CHARS:
            raise UserError(_("A message can be up to %(max)s characters long.", max=MAX_MESSAGE_CHARS))
        checked = (
            portal._check_client_files(files, portal.env["serene.upload.kind"]._get_default_kinds()) if files else []
        )
        portal._check_message_rate()
        # sudo: serene.portal.message - the client is an anonymous visitor; author and read state are the system's
        message = self.sudo().create(
            {"portal_id": portal.id, "body": body, "author": "client", "author_user_id": False}
        )
        if checked:
            # sudo: ir.attachment - the client is an anonymous visitor; stored byte for byte
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .with_context(image_no_postprocess=True)
                .create(
                    [
                        {
                            "name": name,
                            "raw": data,
                            "mimetype": mimetype,
                            "res_model": self._name,
                            "res_id": message.id,
                            "serene_sha256": seal(data),
                        }
                        for name, data, mimetype in checked
                    ]
                )
            )
            # sudo: serene.portal.message - the files are the message's own, set once as it is sent
            message.sudo().write({"attachment_ids": [(6, 0, attachments.ids)]})
        return message

    def _portal_download(self, attachment_id, link=None):
        """The file ``attachment_id`` of this message, or an empty recordset; logged."""
        self.ensure_one()
        attachment = self.attachment_ids.filtered(lambda a: a.id == attachment_id)
        if attachment:
            self.env["serene.portal.activity"]._log(
                self.portal_id, "file_downloaded", actor="client", link=link, detail=_("Secure message")
            )
        return attachment

    # ------------------------------------------------------------------
    # Follow-up and retention
    # ------------------------------------------------------------------

    @api.model
    def _cron_message_followups(self):
        """A to-do for the note owner of each client whose message waits unread longer than the
        practice's setting: once per message, in batches of portals."""
        now = fields.Datetime.now()
        waiting = self.browse()
        for company in self.env["res.company"].search([("serene_message_followup_hours", ">", 0)]):
            # sudo: serene.portal.message - the cron looks at every practice's threads
            waiting |= self.sudo().search(
                [
                    ("company_id", "=", company.id),
                    ("author", "=", "client"),
                    ("read_at", "=", False),
                    ("followup_at", "=", False),
                    ("create_date", "<=", now - timedelta(hours=company.serene_message_followup_hours)),
                ]
            )
        by_portal = waiting.grouped("portal_id")
        self.env["ir.cron"]._serene_in_batches(
            waiting.portal_id.sorted("id"),
            FOLLOWUP_BATCH,
            lambda portals: self._raise_followups(portals, by_portal),
        )

    @api.model
    def _raise_followups(self, portals, by_portal):
        for portal in portals:
            messages = by_portal[portal]
            portal._notify_note_owner(
                _lt("Unread secure messages from %(client)s", client=portal.partner_id.name),
                note=_lt(
                    "%(count)s message(s) from the client have waited more than %(hours)s hours.",
                    count=len(messages),
                    hours=portal.company_id.serene_message_followup_hours,
                ),
            )
            messages.write({"followup_at": fields.Datetime.now()})

    @api.model
    def _apply_retention(self, company, cutoff):
        """Remove the company's messages (and their files) written before ``cutoff``, as the
        activity retention does; returns how many went."""
        # sudo: serene.portal.message - the retention job removes the practice's old messages
        old = (
            self.sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", company.id), ("create_date", "<", cutoff)])
        )
        if not old:
            return 0
        count = len(old)
        # sudo: ir.attachment - the old messages' files go with them
        self.env["ir.attachment"].sudo().search([("res_model", "=", self._name), ("res_id", "in", old.ids)]).unlink()
        old.unlink()
        return count

    @api.model
    def _unread_counts(self, portals):
        """{portal id: the client's messages no member of the practice has read yet}: one query."""
        if not portals:
            return {}
        self.flush_model(["portal_id", "author", "read_at"])
        self.env.cr.execute(
            SQL(
                """SELECT portal_id, COUNT(*) FROM serene_portal_message
                    WHERE portal_id IN %s AND author = 'client' AND read_at IS NULL
                 GROUP BY portal_id""",
                tuple(portals.ids),
            )
        )
        return dict(self.env.cr.fetchall())
