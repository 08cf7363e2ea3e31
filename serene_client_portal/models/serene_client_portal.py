import logging
from datetime import datetime, timedelta

import pytz
from babel.dates import format_date, format_time, format_timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize
from odoo.tools.misc import babel_locale_parse
from odoo.tools.translate import LazyGettext

from odoo.addons.base.models.res_users import check_identity

from ..tools import clamd_instream, image_pixels, name_for_type, sanitize_filename, sniff_mimetype
from .res_company import limit_message
from .serene_portal_item import TODO_TYPES

_logger = logging.getLogger(__name__)

ACTIVITY_WINDOW_DAYS = 7
PRACTICE_USER = "serene_client_portal.group_practice_user"
PRACTICE_MANAGER = "serene_client_portal.group_practice_manager"
# Item types the client reads (Shared with you); those they act on are TODO_TYPES (To do, then Completed).
SHARED_TYPES = ("resource", "link", "instructions")
# To-do notifications sent per transaction by _cron_notify_note_owners.
NOTIFY_BATCH = 50
# Portals reminded per transaction by _cron_send_reminders.
REMINDER_BATCH = 200
# Files a client sends at once (an upload, a message).
MAX_FILES_PER_UPLOAD = 10
# Images larger than this are refused from their header, never decoded (a 12 MP scan passes).
MAX_IMAGE_PIXELS = 50_000_000


class SereneClientPortal(models.Model):
    """A client's portal and its own rules: its storage, access links, reminders and what the
    note owner is told. Who may manage a client's portal and the client's limits are rules on
    the contact (res.partner); the number of portals the plan allows, on the practice (res.company)."""

    _name = "serene.client.portal"
    _description = "Client Portal"
    _inherit = ["mail.thread", "mail.activity.mixin", "serene.system.fields.mixin"]
    _rec_name = "partner_id"
    _order = "id desc"
    _check_company_auto = True
    # The client's last visit is the scheduled action's to record; the pending count follows the items.
    # The lists are the items', links' and trail's own: written through the portal, a list would
    # delete a client's items and files or move records between clients past their own checks.
    _serene_system_fields = frozenset(
        {
            "last_client_activity_at",
            "pending_item_count",
            # The client's, shown here: written through the portal it would only post a tracking line.
            "note_owner_id",
            "item_ids",
            "link_ids",
            "activity_log_ids",
            "notification_ids",
            "secure_message_ids",
        }
    )
    # The client and the practice a portal is for, given at creation.
    _serene_set_once_fields = frozenset({"partner_id", "company_id"})

    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    note_owner_id = fields.Many2one(related="partner_id.note_owner_id")
    active = fields.Boolean(default=True, tracking=True)
    show_appointments = fields.Boolean(
        string="Show Upcoming Appointments",
        default=lambda self: self.env.company.serene_portal_show_appointments,
        tracking=True,
    )
    item_ids = fields.One2many("serene.portal.item", "portal_id", string="Items")
    link_ids = fields.One2many("serene.portal.link", "portal_id", string="Access Links")
    activity_log_ids = fields.One2many("serene.portal.activity", "portal_id", string="Portal Activity")
    item_count = fields.Integer(compute="_compute_item_count")
    notification_ids = fields.One2many("serene.portal.notification", "portal_id", string="Notifications")
    # The secure messages with the client (Odoo's message_ids is the chatter, which others read).
    secure_message_ids = fields.One2many("serene.portal.message", "portal_id", string="Secure Messages")
    secure_message_unread_count = fields.Integer(
        string="Unread Messages", compute="_compute_secure_message_unread_count"
    )
    # The Clients list shows and filters on these, so they are stored: pending items follow
    # the items; the client's last activity is refreshed by a scheduled action, not written
    # on every page the client opens.
    pending_item_count = fields.Integer(string="Pending Items", compute="_compute_pending_item_count", store=True)
    last_client_activity_at = fields.Datetime(string="Last Client Activity", readonly=True)

    _partner_unique = models.Constraint("UNIQUE(partner_id)", "A client has one portal.")

    @api.depends("item_ids")
    def _compute_item_count(self):
        counts = dict(
            self.env["serene.portal.item"]._read_group([("portal_id", "in", self.ids)], ["portal_id"], ["__count"])
        )
        for portal in self:
            portal.item_count = counts.get(portal, 0)

    @api.depends("secure_message_ids.read_at")
    def _compute_secure_message_unread_count(self):
        counts = self.env["serene.portal.message"]._unread_counts(self)
        for portal in self:
            portal.secure_message_unread_count = counts.get(portal.id, 0)

    @api.depends("item_ids.state", "item_ids.active")
    def _compute_pending_item_count(self):
        counts = dict(
            self.env["serene.portal.item"]._read_group(
                [("portal_id", "in", self.ids), *self.env["serene.portal.item"]._pending_domain()],
                ["portal_id"],
                ["__count"],
            )
        )
        for portal in self:
            portal.pending_item_count = counts.get(portal, 0)

    @api.model_create_multi
    def create(self, vals_list):
        portals = super().create(vals_list)
        portals.env["serene.portal.activity"]._log(portals, "portal_created")
        return portals

    @api.ondelete(at_uninstall=False)
    def _unlink_except_audited(self):
        """A portal's audit trail outlives it: a portal with activity is archived, not deleted."""
        # sudo: serene.portal.activity - the trail exists whoever may read it
        if self.env["serene.portal.activity"].sudo().search_count([("portal_id", "in", self.ids)], limit=1):
            raise UserError(
                _(
                    "A client portal with activity cannot be deleted: the practice keeps its audit trail. "
                    "Archive it instead."
                )
            )

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        """Staff hear of what is posted on a portal (a to-do done with its feedback, a note, a
        mention) in Odoo's inbox, never by email: the record's name is the client's and the
        message may say what a form did. Emails to staff are the neutral notices alone
        (MailActivity._serene_notify_neutral, a ``user_notification``); clients are written to
        outside the chatter."""
        recipients = super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
        message_type = (msg_vals or {}).get("message_type") or message.message_type
        if message_type != "user_notification":
            for recipient in recipients:
                if recipient["notif"] == "email" and recipient.get("uid") and not recipient["share"]:
                    recipient["notif"] = "inbox"
        return recipients

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @check_identity
    def action_revoke_links(self):
        """Revoke every access link of these portals (e.g. a lost phone), after the password."""
        self.check_access("write")
        self.link_ids.action_revoke()
        return True

    def action_open_messages(self):
        """Open the secure messages with the client: the client's unread messages are read now,
        by this user (an audit row says who and when)."""
        self.ensure_one()
        self.check_access("read")
        self._mark_client_messages_read()
        action = self.env["ir.actions.act_window"]._for_xml_id("serene_client_portal.serene_portal_message_action")
        action["domain"] = [("portal_id", "=", self.id)]
        action["context"] = {"default_portal_id": self.id}
        action["name"] = self.env._("Secure messages: %(client)s", client=self.partner_id.display_name)
        return action

    def action_print_messages(self):
        """The thread as a PDF for the client's record (printing is logged by the report)."""
        self.ensure_one()
        self.check_access("read")
        return self.env.ref("serene_client_portal.action_report_portal_messages").report_action(self)

    def _mark_client_messages_read(self):
        """The client's unread messages of this portal are read by the current (staff) user."""
        # sudo: serene.portal.message - the read state is a system field; read access was checked by the caller
        unread = (
            self.env["serene.portal.message"]
            .sudo()
            .search([("portal_id", "=", self.id), ("author", "=", "client"), ("read_at", "=", False)])
        )
        if unread and self.env.user._is_internal() and not self.env.user._is_superuser():
            unread._mark_read(user=self.env.user)
            self.env["serene.portal.activity"]._log(self, "message_read", actor="staff", detail=str(len(unread)))
        return unread

    def action_open_preview(self):
        self.ensure_one()
        self.check_access("read")
        return self.partner_id.action_client_portal_view()

    # ------------------------------------------------------------------
    # Usage limits: upload storage per portal (the client's limits are on res.partner, the
    # practice's plan on res.company)
    # ------------------------------------------------------------------

    def _get_storage_used(self):
        """{portal id: bytes uploaded by the client}, removed requests included."""
        return {portal_id: used for portal_id, (_items, used) in self._get_usage(count_items=False).items()}

    def _get_usage(self, count_items=True):
        """{portal id: (active items or None, bytes uploaded by the client)}, in one query; the
        files of removed requests and those the client sent with messages count."""
        if not self:
            return {}
        self.env["ir.attachment"].flush_model(["res_model", "res_id", "file_size"])
        self.env["serene.portal.item"].flush_model(["portal_id", "item_type", "active"])
        self.env["serene.portal.message"].flush_model(["portal_id", "author"])
        items = (
            SQL("(SELECT COUNT(*) FROM serene_portal_item item WHERE item.portal_id = portal.id AND item.active)")
            if count_items
            else SQL("NULL")
        )
        self.env.cr.execute(
            SQL(
                """
            SELECT portal.id, %s,
                   (SELECT COALESCE(SUM(att.file_size), 0)
                      FROM serene_portal_item item
                      JOIN ir_attachment att ON att.res_model = 'serene.portal.item' AND att.res_id = item.id
                     WHERE item.portal_id = portal.id AND item.item_type = 'document_request')
                 + (SELECT COALESCE(SUM(att.file_size), 0)
                      FROM serene_portal_message message
                      JOIN ir_attachment att ON att.res_model = 'serene.portal.message' AND att.res_id = message.id
                     WHERE message.portal_id = portal.id AND message.author = 'client')
              FROM serene_client_portal portal
             WHERE portal.id IN %s
            """,
                items,
                tuple(self.ids),
            )
        )
        return {portal_id: (count, used) for portal_id, count, used in self.env.cr.fetchall()}

    def _check_storage_room(self, adding_bytes):
        """Raise, in the client's words, when ``adding_bytes`` more would cross the storage limit."""
        self.ensure_one()
        _items, storage_limit = self.partner_id._serene_client_limits()
        if not storage_limit:
            return
        self._lock_rows("serene_client_portal", self.ids)
        if self._get_storage_used().get(self.id, 0) + adding_bytes > storage_limit:
            raise UserError(limit_message(self.env, "storage_client"))

    def _check_client_files(self, files, kinds):
        """[(name, data, mimetype)] for the client's ``files`` ([(filename, bytes or a binary
        stream)]) when every one may be stored on this portal: counted, each read up to the size
        limit, its type sniffed from its content against ``kinds`` (serene.upload.kind), images
        measured from their header, scanned, and all within the client's storage quota. Else a
        UserError in the client's words. Uploads to a request and files sent with a message
        pass the same checks."""
        self.ensure_one()
        if not files:
            raise UserError(_("Choose at least one file to upload."))
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise UserError(_("Upload at most %(count)s files at a time.", count=MAX_FILES_PER_UPLOAD))
        max_bytes = self._get_upload_max_bytes()
        accepted = kinds._get_mimetypes()
        checked = []
        for filename, content in files:
            name = sanitize_filename(filename)
            # Read one byte past the limit at most: enough to refuse a larger file.
            data = content if isinstance(content, bytes) else content.read(max_bytes + 1)
            if not data:
                raise UserError(_("“%(name)s” is empty.", name=name))
            if len(data) > max_bytes:
                raise UserError(
                    _(
                        "“%(name)s” is too large: files can be up to %(max)s MB.",
                        name=name,
                        max=max_bytes // 1024 // 1024,
                    )
                )
            mimetype = sniff_mimetype(data)
            if mimetype not in accepted:
                raise UserError(
                    _(
                        "“%(name)s” is not a file this request accepts (%(kinds)s).",
                        name=name,
                        kinds=", ".join(kinds.mapped("name")),
                    )
                )
            if mimetype in ("image/jpeg", "image/png"):
                pixels = image_pixels(data)
                if pixels is None or pixels > MAX_IMAGE_PIXELS:
                    raise UserError(
                        _(
                            "“%(name)s” is too large an image (more than %(max)s megapixels) or cannot be read.",
                            name=name,
                            max=MAX_IMAGE_PIXELS // 1_000_000,
                        )
                    )
            checked.append((name_for_type(name, mimetype), data, mimetype))
        for name, data, _mimetype in checked:
            self._scan_client_file(name, data)
        self._check_storage_room(sum(len(data) for _name, data, _mime in checked))
        return checked

    def _scan_client_file(self, name, data):
        """Refuse a file that ClamAV flags, when the practice configured clamd.

        ``serene_client_portal.clamd_address`` (system parameter): a unix socket path or
        ``host:port``. Unset: no scan. Set but unreachable: the file is refused (fail closed).
        """
        # sudo: ir.config_parameter - a system setting read on behalf of an anonymous visitor
        address = self.env["ir.config_parameter"].sudo().get_param("serene_client_portal.clamd_address")
        if not address:
            return
        try:
            verdict = clamd_instream(address, data)
        except OSError:
            _logger.warning("clamd at %s did not answer; upload refused", address)
            raise UserError(_("Uploads cannot be checked right now. Please try again later.")) from None
        if not verdict.endswith("OK"):
            _logger.warning("clamd refused an upload for client portal %s: %s", self.id, verdict)
            raise UserError(_("“%(name)s” was refused by the virus check.", name=name))

    def _get_upload_max_bytes(self):
        """The largest file a client may upload."""
        return (self.company_id.serene_portal_upload_max_mb or 10) * 1024 * 1024

    def _lock_rows(self, table, ids):
        """Take row locks that serialize concurrent usage-limit checks.

        Odoo runs requests in REPEATABLE READ: an UPDATE (not a mere SELECT FOR UPDATE) makes the
        second of two concurrent transactions fail to serialize, so Odoo retries it and the retry
        sees the first one's rows.
        """
        if ids:
            self.env.cr.execute(
                SQL("UPDATE %s SET write_date = write_date WHERE id IN %s", SQL.identifier(table), tuple(ids))
            )

    # ------------------------------------------------------------------
    # Reminders: one message per client per run for what is still to do
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_reminders(self):
        """Remind clients of pending forms and document requests, in batches of clients. Each
        batch queues its messages and marks its items in one transaction: a run that is stopped
        and started again reminds nobody twice. Odoo is told how many clients are due, so a run
        out of time is followed at once by another, not an hour later."""
        self.env["ir.cron"]._serene_in_batches(
            self._get_portals_to_remind(), REMINDER_BATCH, lambda portals: portals._send_reminders()
        )

    @api.model
    def _get_portals_to_remind(self):
        """Portals with an item due for a reminder: N days after it was assigned (or last
        reminded), or before the client's next appointment, at most K times an item."""
        # sudo: serene.portal.item - the cron looks at every practice's pending items
        items = self.env["serene.portal.item"].sudo()._get_items_to_remind()
        return items.portal_id.sorted("id")

    def _send_reminders(self, items=None):
        """One reminder per portal for its due items (or ``items``), by email and, when the
        practice enables it, SMS; never to a client who opted out of both. The portals' emails
        are queued together, their items marked in one statement."""
        # sudo: serene.portal.item - reminding marks system fields of the items (count, last reminded)
        Item = self.env["serene.portal.item"].sudo()
        due = (items or Item._get_items_to_remind(portals=self)).grouped("portal_id")
        portals = self.filtered(lambda portal: portal in due)
        if not portals:
            return
        pending = Item.search([("portal_id", "in", portals.ids), *Item._pending_domain()])
        outcomes = portals._send_access_links(items=pending, reminder=True)
        reminded = portals.filtered(lambda portal: outcomes[portal.id]["sent_to"])
        if not reminded:
            return
        reminded_items = Item.concat(*(due[portal] for portal in reminded))
        Item.flush_model(["reminder_count", "last_reminded_at"])
        self.env.cr.execute(
            SQL(
                "UPDATE serene_portal_item SET reminder_count = COALESCE(reminder_count, 0) + 1,"
                " last_reminded_at = %s WHERE id IN %s",
                fields.Datetime.now(),
                tuple(reminded_items.ids),
            )
        )
        reminded_items.invalidate_recordset(["reminder_count", "last_reminded_at"])
        # The log says how many items each client was reminded of: one row per portal.
        pending_by_portal = pending.grouped("portal_id")
        actor = "system" if self.env.su else "staff"
        for count, group in reminded.grouped(lambda portal: len(pending_by_portal.get(portal, Item))).items():
            self.env["serene.portal.activity"]._log(group, "reminder_sent", actor=actor, detail=str(count))

    # ------------------------------------------------------------------
    # Access links and the messages that carry them
    # ------------------------------------------------------------------

    def _new_access_url(self, expiry_days=None, detail=None):
        """Mint a fresh access link for this portal and return its full URL.

        ``expiry_days`` None takes the company setting; 0 means the link never expires.
        ``detail`` says on its "Link sent" row how it went out (a letter, an appointment email).
        """
        self.ensure_one()
        key = self.env["serene.portal.link"]._mint(self, expiry_days=expiry_days, detail=detail)
        return f"{self.get_base_url()}/portal/{key}"

    def _send_access_link(self, items=None, now=False, reminder=False):
        """Send the client a fresh link by email (and SMS), optionally saying new items are
        waiting: queued with the transaction, or sent right after it commits (``now``).

        Returns ``{"url": the link, "sent_to": [addresses], "not_sent": [why not]}``: no message
        to a client who opted out, has no address, or when the practice turned notifications off.
        """
        self.ensure_one()
        return self._send_access_links(items=items, now=now, reminder=reminder)[self.id]

    def _send_access_links(self, items=None, now=False, reminder=False):
        """``_send_access_link`` for many portals at once, each with its own fresh link and the
        ``items`` that are its own.

        Returns ``{portal id: outcome}`` (see ``_send_access_link``).
        """
        Item = self.env["serene.portal.item"]
        items_by_portal = (items or Item).grouped("portal_id")
        outcomes, messages = {}, []
        for portal in self:
            url = portal._new_access_url()
            portal_items = items_by_portal.get(portal, Item)
            kind = "reminder" if reminder else "items" if portal_items else "link"
            email, phone, not_sent = portal._get_client_channels()
            message = {
                "record": portal,
                # sudo: res.partner - the client is the recipient, whoever sends
                "recipient": portal.partner_id.sudo(),
                "kind": kind,
                "portal": portal,
                "values": {"portal_url": url, "portal_items": portal_items, "portal_reminder": reminder},
            }
            if email:
                messages.append({**message, "template": "serene_client_portal.mail_template_portal_items"})
            if phone:
                messages.append({**message, "template": f"serene_client_portal.sms_template_portal_{kind}"})
            outcomes[portal.id] = {"url": url, "sent_to": [to for to in (email, phone) if to], "not_sent": not_sent}
        self.env["serene.portal.notification"]._send_batch(messages, now=now)
        return outcomes

    def _get_client_channels(self):
        """How a message reaches this portal's client: ``(email, phone, why not)``, the address
        and number to use (False when that way is closed) and why each closed way is closed."""
        self.ensure_one()
        company = self.company_id
        # sudo: res.partner - the blacklist fields are for internal users; clients ask for links too
        partner = self.partner_id.sudo()
        email = phone = False
        why_not = []
        if not company.serene_portal_notify_email:
            why_not.append(_("Email notifications are turned off for the practice."))
        elif not partner.email:
            why_not.append(_("The client has no email address."))
        elif partner.is_blacklisted:
            why_not.append(_("The client opted out of emails."))
        else:
            email = partner.email
        if company.serene_portal_notify_sms:
            if not partner.phone:
                why_not.append(_("The client has no mobile number."))
            elif partner.phone_sanitized_blacklisted:
                why_not.append(_("The client opted out of text messages."))
            else:
                phone = partner.phone
        return email, phone, why_not

    def _notify_note_owner(self, summary, note=None, body=None, wake_job=True, urgent=False):
        """Tell each client's note owner: a to-do for them and, with ``body``, a note on the
        portal, both where only the note owner, the care team and managers read. ``summary``
        and ``note`` are said in the note owner's language (pass lazy translations, ``_lt``).

        An ``urgent`` to-do (a risk signal) is due today in the note owner's time zone, and a
        neutral email goes out at once (``mail_template_note_owner_urgent``): no client, no
        form, a link to the contact. Otherwise the to-do is there at once and its "assigned to
        you" notification (Odoo's message and email to the note owner) is rendered and sent by a
        scheduled action, triggered when this transaction commits: the request that raised the
        to-do (a signature, a locked link) does not wait for it. A client's upload does not even
        raise the to-do: the same action does (serene.portal.item._raise_review_todos), and
        wakes itself once for all the to-dos it raised (``wake_job=False``). Returns whether a
        notification waits for the job."""
        notify = False
        for portal in self:
            # sudo: mail.activity - clients, crons and the care team trigger the to-do too
            portal_sudo = portal.sudo()
            if body:
                portal_sudo.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
            owner = portal_sudo.partner_id.note_owner_id
            if not owner:
                continue
            # "Today" is the note owner's, else the practice's, never whoever's request raised it.
            owner_tz = owner.tz or portal_sudo.company_id.partner_id.tz or "UTC"
            owner_env = portal_sudo.with_context(lang=owner.lang or self.env.lang, tz=owner_tz).env
            # As Odoo would: no notification of a to-do one gives oneself; an urgent one has its own.
            pending = owner != self.env.user and not urgent
            portal_sudo.with_context(mail_activity_quick_update=True).activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=fields.Date.context_today(portal_sudo.with_env(owner_env)) if urgent else None,
                user_id=owner.id,
                summary=owner_env._(summary) if isinstance(summary, LazyGettext) else summary,
                note=owner_env._(note) if isinstance(note, LazyGettext) else note,
                serene_notify_pending=pending,
            )
            notify = notify or pending
            if urgent and owner.email:
                self.env["serene.portal.notification"]._send(
                    "serene_client_portal.mail_template_note_owner_urgent",
                    portal_sudo,
                    owner.partner_id,
                    "urgent",
                    portal=portal_sudo,
                    values={"contact_url": portal_sudo._serene_contact_url()},
                    now=True,
                )
        if notify and wake_job:
            self._wake_note_owner_job()
        return notify

    @api.model
    def _wake_note_owner_job(self):
        """Run the note owners' to-do job (_cron_notify_note_owners) once this transaction commits."""
        # sudo: ir.cron - clients and practitioners may not schedule jobs
        self.env.ref("serene_client_portal.ir_cron_notify_note_owners").sudo()._trigger()

    @api.model
    def _cron_notify_note_owners(self):
        """Raise the note owners' to-dos for the files clients sent since the last run, then send
        the "assigned to you" notifications of the to-dos raised since the last run, as Odoo
        sends them when a to-do is created: in the note owner's language, in the name of
        whoever raised the to-do."""
        Cron = self.env["ir.cron"]
        Item = self.env["serene.portal.item"]
        while Item._raise_review_todos(limit=NOTIFY_BATCH):
            if Cron._commit_progress(processed=0) <= 0:
                return
        # sudo: mail.activity - the to-dos of every practice's note owners
        pending = self.env["mail.activity"].sudo().search([("serene_notify_pending", "=", True)], order="id")
        Cron._commit_progress(remaining=len(pending))
        for start in range(0, len(pending), NOTIFY_BATCH):
            batch = pending[start : start + NOTIFY_BATCH]
            for author, activities in batch.grouped("create_uid").items():
                # sudo: mail.activity - in the name of whoever raised the to-dos, with the rights the request that
                # raised them had (a client is Odoo's public user, running sudo'd portal code).
                # Their emails are queued, not sent when the batch commits: Odoo's mail queue,
                # running at the same moment in another cron thread, would send them too.
                activities.with_user(author).sudo().with_context(mail_notify_force_send=False).action_notify()
            batch.write({"serene_notify_pending": False})
            self.env["serene.portal.notification"]._wake_queue("mail.ir_cron_mail_scheduler_action")
            if Cron._commit_progress(len(batch)) <= 0:
                return

    # ------------------------------------------------------------------
    # The Client Portal page's activity panel
    # ------------------------------------------------------------------

    def get_activity_summary(self):
        """The Client Portal panel's data: what was added in the last 7 days, in the guide's words."""
        self.ensure_one()
        self.check_access("read")
        return self._add_unread_messages(self._get_activity_summaries())[self.id]

    def _get_activity_summaries(self):
        """``get_activity_summary`` for many portals in one query (lists of clients use it):
        the items added in the last 7 days (the guide's green alert) and, beneath it, what the
        client did in those days. Blue only when neither side did anything."""
        return self._summarize_activity(self._read_recent_activity([("portal_id", "in", self.ids)]))

    def _add_unread_messages(self, summaries):
        """The activity panel's ``summaries`` ({portal id: summary}) with the client's unread
        secure messages: one query (the Clients list reads them as a column of their own)."""
        unread = self.env["serene.portal.message"]._unread_counts(self)
        for portal_id, summary in summaries.items():
            summary["unread_messages"] = unread.get(portal_id, 0)
            if summary["unread_messages"]:
                summary["unread_message"] = _(
                    "Unread secure messages from the client: %(count)s", count=summary["unread_messages"]
                )
        return summaries

    @api.model
    def _read_recent_activity(self, domain):
        """[(portal, event type, actor, count, last event)] of the activity window, for the
        portals ``domain`` selects: one query."""
        since = fields.Datetime.now() - timedelta(days=ACTIVITY_WINDOW_DAYS)
        # sudo: serene.portal.activity - counted for portals the caller may read
        Activity = self.env["serene.portal.activity"].sudo()
        return Activity._read_group(
            [
                *domain,
                ("event_type", "in", Activity._NEW_ITEM_EVENTS + Activity._CLIENT_ENGAGEMENT_EVENTS),
                ("event_at", ">=", since),
                ("result", "=", "ok"),
            ],
            ["portal_id", "event_type", "actor"],
            ["__count", "event_at:max"],
        )

    def _summarize_activity(self, groups):
        """{portal id: summary} of these portals from their ``_read_recent_activity`` groups."""
        Activity = self.env["serene.portal.activity"]
        new_items, client = {}, {}
        for portal, event_type, actor, count, last in groups:
            if event_type in Activity._NEW_ITEM_EVENTS:
                total, latest = new_items.get(portal.id, (0, None))
                new_items[portal.id] = (total + count, max(filter(None, (latest, last))))
            if actor == "client" and event_type in Activity._CLIENT_ENGAGEMENT_EVENTS:
                done = client.setdefault(portal.id, {"last": None})
                done[event_type] = done.get(event_type, 0) + count
                done["last"] = max(filter(None, (done["last"], last)))
        summaries = {}
        for portal in self:
            count, last = new_items.get(portal.id, (0, None))
            done = client.get(portal.id, {})
            if count:
                message = _(
                    "%(count)s new items added to the portal %(time_ago)s",
                    count=count,
                    time_ago=self._time_ago(last),
                )
            elif done:
                message = _("The client used the portal %(time_ago)s", time_ago=self._time_ago(done["last"]))
            else:
                message = _("No new activity on the client portal")
            summaries[portal.id] = {
                "state": "active" if count or done else "inactive",
                "new_items": count,
                "last_activity_at": last or None,
                "message": message,
                "client_lines": self._client_engagement_lines(done),
            }
        return summaries

    def _client_engagement_lines(self, done):
        """What the client did in the last 7 days, in a few words: names and counts only."""
        if not done:
            return []
        lines = [_("Last visit by the client: %(time_ago)s", time_ago=self._time_ago(done["last"]))]
        if done.get("form_completed"):
            lines.append(_("Forms completed in the last 7 days: %(count)s", count=done["form_completed"]))
        if done.get("document_uploaded"):
            lines.append(_("Documents uploaded in the last 7 days: %(count)s", count=done["document_uploaded"]))
        return lines

    @api.model
    def _cron_refresh_engagement(self):
        """Keep each portal's last client activity current for the Clients list: one statement
        over the activity since the previous run (all of it on the first run), so a client's
        page view costs no write on the portal."""
        # sudo: ir.config_parameter - the job's own bookmark (when it last ran)
        Param = self.env["ir.config_parameter"].sudo()
        started = fields.Datetime.now()
        previous = Param.get_param("serene_client_portal.engagement_refreshed_at")
        # An hour of overlap: rows committed late by a long transaction are not missed.
        since = fields.Datetime.from_string(previous) - timedelta(hours=1) if previous else datetime.min
        self.env["serene.portal.activity"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE serene_client_portal portal
                   SET last_client_activity_at = GREATEST(portal.last_client_activity_at, recent.last_at)
                  FROM (SELECT portal_id, MAX(event_at) AS last_at
                          FROM serene_portal_activity
                         WHERE event_at >= %(since)s AND actor = 'client' AND result = 'ok'
                           AND event_type IN %(events)s AND portal_id IS NOT NULL
                      GROUP BY portal_id) recent
                 WHERE portal.id = recent.portal_id
                   AND portal.last_client_activity_at IS DISTINCT FROM
                       GREATEST(portal.last_client_activity_at, recent.last_at)
             RETURNING portal.id
                """,
                since=since,
                events=tuple(self.env["serene.portal.activity"]._CLIENT_ENGAGEMENT_EVENTS),
            )
        )
        changed = self.browse(row[0] for row in self.env.cr.fetchall())
        changed.invalidate_recordset(["last_client_activity_at"])
        changed.modified(["last_client_activity_at"])
        Param.set_param("serene_client_portal.engagement_refreshed_at", fields.Datetime.to_string(started))

    def _time_ago(self, moment):
        """'just now', '5 minutes ago', '3 days ago' in the user's language."""
        delta = fields.Datetime.now() - moment
        if delta < timedelta(minutes=1):
            return _("just now")
        locale = babel_locale_parse(self.env.lang or "en_US")
        return format_timedelta(-delta, add_direction=True, threshold=1, locale=locale)

    # ------------------------------------------------------------------
    # Secure messages: the limits of a thread and who hears of a new message
    # ------------------------------------------------------------------

    def _check_message_rate(self):
        """Refuse, in the client's words, a message over the practice's hourly limit for this
        portal (counted in the database, like the other limits, by every worker alike)."""
        self.ensure_one()
        limit = self.company_id.serene_message_rate_per_hour
        if not limit:
            return
        allowed, _found = self.env["serene.portal.throttle"]._count_attempt("message", str(self.id), limit=limit)
        if not allowed:
            raise UserError(
                _("You have sent %(count)s messages in the last hour. Please try again later.", count=limit)
            )

    def _send_message_notices(self):
        """Tell each client that the practice wrote: "You have a new secure message", with a
        fresh link to the portal; never the text or a file. By email and, when the practice
        sends text messages, SMS; never to a client who opted out."""
        messages = []
        for portal in self:
            email, phone, _why_not = portal._get_client_channels()
            if not (email or phone):
                continue
            message = {
                "record": portal,
                # sudo: res.partner - the client is the recipient, whoever writes
                "recipient": portal.partner_id.sudo(),
                "kind": "message",
                "portal": portal,
                "values": {"portal_url": f"{portal._new_access_url()}/messages"},
            }
            if email:
                messages.append({**message, "template": "serene_client_portal.mail_template_portal_message"})
            if phone:
                messages.append({**message, "template": "serene_client_portal.sms_template_portal_message"})
        self.env["serene.portal.notification"]._send_batch(messages)

    def _notify_message_to_staff(self):
        """Tell the note owner of each client who wrote that a secure message waits: the neutral
        email (no client, no text) with a link to the portal in Odoo."""
        messages = []
        for portal in self:
            # sudo: res.users - the note owner is told, whoever the client is to Odoo's rules
            owner = portal.sudo().partner_id.note_owner_id
            if not owner or not owner.email:
                continue
            messages.append(
                {
                    "template": "serene_client_portal.mail_template_note_owner_message",
                    # sudo: serene.client.portal - the template renders the practice's name, for an anonymous client
                    "record": portal.sudo(),
                    "recipient": owner.partner_id,
                    "kind": "message_staff",
                    "portal": portal,
                    "values": {"backend_url": f"{portal.get_base_url()}/odoo/serene.client.portal/{portal.id}"},
                }
            )
        self.env["serene.portal.notification"]._send_batch(messages)

    def _get_secure_message(self, message_id):
        """This portal's message ``message_id`` or an empty recordset: never another client's."""
        self.ensure_one()
        return self.env["serene.portal.message"].search([("id", "=", message_id), ("portal_id", "=", self.id)], limit=1)

    def _count_unread_for_client(self):
        """The practice's messages the client has not opened yet (the portal home says so)."""
        self.ensure_one()
        return self.env["serene.portal.message"].search_count(
            [("portal_id", "=", self.id), ("author", "=", "staff"), ("read_at", "=", False)]
        )

    def _portal_messages(self, link):
        """The client opens their messages: the practice's unread ones are read now (logged),
        and everything the page shows."""
        self.ensure_one()
        # The thread in one query, with what the page reads of each message.
        messages = self.env["serene.portal.message"].search_fetch(
            [("portal_id", "=", self.id)], ["author", "author_user_id", "body", "read_at", "create_date"], order="id"
        )
        messages.attachment_ids.fetch(["name"])
        unread = messages.filtered(lambda message: message.author == "staff")._mark_read()
        if unread:
            self.env["serene.portal.activity"]._log(
                self, "message_read", actor="client", link=link, detail=str(len(unread))
            )
        return {
            "portal": self,
            "client": self.partner_id,
            "company": self.company_id,
            "thread": messages,
            "banner": self.company_id._serene_message_banner(),
            "thread_open": self.active,
            "upload_max_mb": self._get_upload_max_bytes() // 1024 // 1024,
            "kinds": self.env["serene.upload.kind"]._get_default_kinds(),
        }

    # ------------------------------------------------------------------
    # What the client sees and does (on the sudo'd portal of a valid key)
    # ------------------------------------------------------------------

    def _get_item(self, item_id, types=None):
        """This portal's active item ``item_id`` or an empty recordset: never another client's."""
        self.ensure_one()
        domain = [("id", "=", item_id), ("portal_id", "=", self.id)]
        if types:
            domain.append(("item_type", "in", list(types)))
        return self.env["serene.portal.item"].search(domain, limit=1)

    # What the client's pages read of the portal, the client and the practice: fetched at once,
    # not the many columns of a contact or a company (a field not listed is still read when used).
    _CLIENT_PAGE_FIELDS = ["partner_id", "company_id", "active", "show_appointments"]
    # The note owner and care team: whom the client may book with.
    _CLIENT_PAGE_PARTNER_FIELDS = ["name", "tz", "lang", "note_owner_id", "care_team_user_ids"]
    _CLIENT_PAGE_COMPANY_FIELDS = [
        "name",
        "uses_default_logo",
        "serene_portal_verify_birthdate",
        "serene_portal_verify_code",
        "serene_portal_link_sliding",
        "serene_portal_session_idle_minutes",
        "serene_portal_session_max_hours",
        "serene_portal_upload_max_mb",
        "serene_booking_cancel_hours",
        "serene_booking_first_session",
    ]

    def _fetch_client_page_fields(self):
        self.fetch(self._CLIENT_PAGE_FIELDS)
        self.partner_id.fetch(self._CLIENT_PAGE_PARTNER_FIELDS)
        self.company_id.fetch(self._CLIENT_PAGE_COMPANY_FIELDS)

    def _portal_visit(self, link):
        """The client opens their portal's home: logged, and everything the page shows."""
        self.ensure_one()
        self.env["serene.portal.activity"]._log(self, "portal_viewed", actor="client", link=link)
        return self._get_portal_page_values()

    def _portal_preview(self):
        """A staff member previews the portal: logged, and exactly what the client sees."""
        self.ensure_one()
        self.env["serene.portal.activity"]._log(self, "staff_preview", actor="staff")
        return self._get_portal_page_values()

    def _get_portal_page_values(self):
        """Everything the portal home shows, in a fixed number of queries whatever the item count."""
        self.ensure_one()
        # The items with their columns in one query, then what the template reads of their files
        # and upload kinds in one query per table (the page shows item names, not form titles).
        items = self.env["serene.portal.item"].search_fetch([("portal_id", "=", self.id)])
        items.attachment_ids.fetch(["name", "mimetype", "serene_sha256"])  # not the files' indexed text
        items.mapped("accepted_kind_ids").mapped("extensions")
        todo = items.filtered_domain(items._pending_domain())
        shared = items.filtered(lambda i: i.item_type in SHARED_TYPES)
        completed = items.filtered(lambda i: i.item_type in TODO_TYPES and i.state == "completed")
        # A packet's pending items under its name, with its progress ("3 of 5 done").
        todo_packets = []
        for packet in todo.packet_id:
            steps = items.filtered(lambda i, p=packet: i.packet_id == p and i.item_type in TODO_TYPES)
            done = len(steps.filtered(lambda i: i.state == "completed"))
            todo_packets.append(
                {
                    "packet": packet,
                    "items": todo.filtered(lambda i, p=packet: i.packet_id == p),
                    "done": done,
                    "total": len(steps),
                    "percent": 100 * done // len(steps),
                }
            )
        return {
            "todo_packets": todo_packets,
            "portal": self,
            "client": self.partner_id,
            "company": self.company_id,
            "todo_items": todo,
            "shared_items": shared,
            "completed_items": completed.sorted(lambda i: i.completed_at or i.assigned_at, reverse=True),
            "appointments": self._get_upcoming_appointments() if self.show_appointments else self.env["calendar.event"],
            "can_book": bool(self._serene_bookable_services()),
            "upload_max_mb": self._get_upload_max_bytes() // 1024 // 1024,
            "type_labels": dict(items._fields["item_type"]._description_selection(self.env)),
        }

    def _get_upcoming_appointments(self):
        """The client's future appointments, leaving out cancelled ones and those they declined."""
        self.ensure_one()
        # sudo: calendar.event - the client reads their own appointments, whoever organised them
        events = (
            self.env["calendar.event"]
            .sudo()
            .search(
                [("partner_ids", "in", self.partner_id.id), ("start", ">=", fields.Datetime.now())],
                order="start",
                limit=20,
            )
        )
        return events.filtered(
            lambda e: all(a.state != "declined" for a in e.attendee_ids if a.partner_id == self.partner_id)
        )

    def _get_appointment(self, event_id):
        """The upcoming appointment ``event_id`` this portal shows its client, or an empty recordset."""
        self.ensure_one()
        if not self.show_appointments:
            return self.env["calendar.event"]
        return self._get_upcoming_appointments().filtered(lambda event: event.id == event_id)

    # ------------------------------------------------------------------
    # Booking from the portal: who and what this client may book
    # ------------------------------------------------------------------

    def _serene_is_new_client(self):
        """Whether the client has never had a session with the practice (cancelled ones aside)."""
        self.ensure_one()
        # sudo: calendar.event - whether the client has had a session, whoever organised it
        return (
            not self.env["calendar.event"]
            .sudo()
            .search_count([("partner_ids", "in", self.partner_id.id), ("start", "<", fields.Datetime.now())], limit=1)
            and not self._get_upcoming_appointments()
        )

    def _serene_booking_practitioners(self, service, is_new=None):
        """Whom the client books ``service`` with: its practitioners of the practice who are the
        client's note owner or care team; a new client, when the practice lets them book their
        first session and nobody of theirs offers it, any of them."""
        self.ensure_one()
        if not service.serene_online_booking or not self.active:
            return self.env["res.users"]
        offered = service.serene_practitioner_ids.filtered(
            lambda user: user.active and not user.share and self.company_id in user.company_ids
        )
        client = self.partner_id
        theirs = offered & (client.note_owner_id | client.care_team_user_ids)
        if self._serene_is_new_client() if is_new is None else is_new:
            if not self.company_id.serene_booking_first_session:
                return self.env["res.users"]
            return theirs or offered
        return theirs

    def _serene_bookable_services(self):
        """The services this client may book online now, with whom: ``{service: practitioners}``.
        On the portal's home page: one query when no service is open to the client."""
        self.ensure_one()
        if not self.show_appointments or not self.active:
            return {}
        domain = [("serene_online_booking", "=", True)]
        if not self.company_id.serene_booking_first_session:
            # The ids as fetched with the page (archived users are left out with the services' practitioners).
            client = self.partner_id.with_context(active_test=False)
            domain.append(("serene_practitioner_ids", "in", client.note_owner_id.ids + client.care_team_user_ids.ids))
        # sudo: calendar.event.type - the services the practice opened for online booking
        services = self.env["calendar.event.type"].sudo().search(domain, order="name")
        if not services:
            return {}
        is_new = self._serene_is_new_client()
        offers = {service: self._serene_booking_practitioners(service, is_new=is_new) for service in services}
        return {service: users for service, users in offers.items() if users}

    def _serene_check_may_book(self, service, practitioner, rebooking=False):
        """Refuse, with the reason the client reads, a booking the practice's rules do not allow."""
        self.ensure_one()
        if not self.show_appointments or not service or not service.serene_online_booking:
            raise UserError(_("Online booking is not open for this service."))
        if rebooking:
            return
        if practitioner not in self._serene_booking_practitioners(service):
            if self._serene_is_new_client() and not self.company_id.serene_booking_first_session:
                raise UserError(self._serene_first_session_message())
            raise UserError(_("Online booking is not open for this service."))

    def _serene_first_session_message(self):
        company = self.company_id
        if company.phone:
            return _(
                "To book your first session, please call %(practice)s on %(phone)s.",
                practice=company.name,
                phone=company.phone,
            )
        return _("To book your first session, please contact %(practice)s.", practice=company.name)

    def _serene_booking_week(self, service, practitioner, week=0, exclude_event=None):
        """One week of free times to show the client, from ``week`` weeks after this one:
        ``[(day label, [(value, time label)])]`` in the client's time zone and language, and
        whether earlier and later weeks have any."""
        self.ensure_one()
        company = self.company_id
        tz = pytz.timezone(self.partner_id._serene_client_tz(company) or "UTC")
        locale = babel_locale_parse(self.env.lang or "en_US")
        _earliest, latest = service._serene_booking_window()
        today = pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()
        first_day = today + timedelta(days=7 * max(week, 0))
        start = tz.localize(datetime.combine(first_day, datetime.min.time())).astimezone(pytz.utc).replace(tzinfo=None)
        stop = (
            tz.localize(datetime.combine(first_day + timedelta(days=7), datetime.min.time()))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )
        slots = service._serene_free_slots(practitioner, company, start, stop, exclude_event=exclude_event)
        days = {}
        for slot in slots:
            local = pytz.utc.localize(slot).astimezone(tz)
            days.setdefault(local.date(), []).append(
                (slot.strftime("%Y-%m-%dT%H:%M"), format_time(local, "short", locale=locale))
            )
        return {
            "days": [
                (day.isoformat(), format_date(day, "full", locale=locale), times) for day, times in sorted(days.items())
            ],
            "week": week,
            "has_earlier": week > 0,
            "has_later": stop < latest,
            "first_day": format_date(first_day, "long", locale=locale),
            "tz_name": str(tz),
        }

    def _serene_send_booking_notice(self, event, step):
        """The client's one confirmation of a booking step (booked, requested, confirmed, moved,
        cancelled, declined): the practice and the time, nothing of the service or notes."""
        self.ensure_one()
        company = self.company_id
        # sudo: res.partner - the client is the recipient, whoever acts
        client_sudo = self.partner_id.sudo()
        lang = client_sudo._serene_client_lang(company)
        when = event.with_context(lang=lang)._serene_client_when(client_sudo._serene_client_tz(company))
        # The text message's words, in the client's language (the email's are its template's).
        env = self.with_context(lang=lang).env
        texts = {
            "appointment_requested": env._("session requested for %(when)s, to be confirmed", when=when),
            "appointment_rescheduled": env._("your session was moved to %(when)s", when=when),
            "appointment_cancelled": env._("your session of %(when)s is cancelled", when=when),
            "appointment_declined": env._(
                "your session of %(when)s could not be confirmed: please choose another time", when=when
            ),
        }
        text = texts.get(step) or env._("your session of %(when)s is confirmed", when=when)
        email, phone, _not_sent = self._get_client_channels()
        message = {
            "record": self,
            "recipient": client_sudo,
            "kind": "appointment",
            "portal": self,
            "values": {
                "booking_step": step,
                "booking_when": when,
                "booking_text": text,
            },
        }
        messages = []
        if email:
            messages.append({**message, "template": "serene_client_portal.mail_template_booking_notice"})
        if phone:
            messages.append({**message, "template": "serene_client_portal.sms_template_booking_notice"})
        return self.env["serene.portal.notification"]._send_batch(messages)

    @api.model
    def _request_links_by_email(self, emails):
        """Send a fresh link to each client whose address on file is one of ``emails`` (at most
        five clients an address); silent either way."""
        emails = {email_normalize(email or "") for email in emails}
        emails = [email for email in emails if email and len(email) <= 254]
        if not emails:
            return False
        # sudo: serene.client.portal - the visitor is anonymous; the answer never says whether the address matched
        matched = self.sudo().search([("partner_id.email_normalized", "in", emails)])
        # At most five portals an address, the newest first (the portals' order).
        portals = matched.browse(
            [
                portal_id
                for same_address in matched.grouped(lambda portal: portal.partner_id.email_normalized).values()
                for portal_id in same_address[:5].ids
            ]
        )
        # One email per portal per 10 minutes: a double click or a bored visitor sends no mail storm.
        # sudo: serene.portal.activity - the anonymous visitor's request is counted in the log
        recent = (
            self.env["serene.portal.activity"]
            .sudo()
            ._read_group(
                [
                    ("portal_id", "in", portals.ids),
                    ("event_type", "=", "link_requested"),
                    ("event_at", ">=", fields.Datetime.now() - timedelta(minutes=10)),
                ],
                ["portal_id"],
            )
        )
        portals -= self.browse([portal.id for (portal,) in recent])
        if not portals:
            return False
        self.env["serene.portal.activity"]._log(portals, "link_requested", actor="client")
        portals._send_access_links(now=True)
        return True

    def _serene_contact_url(self):
        """The link staff emails give instead of the client's name: the contact, where the
        record rules decide who reads the rest."""
        self.ensure_one()
        return f"{self.get_base_url()}/odoo/res.partner/{self.partner_id.id}"
