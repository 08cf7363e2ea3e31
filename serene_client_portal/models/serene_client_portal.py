from datetime import datetime, timedelta

from babel.dates import format_timedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, email_normalize
from odoo.tools.misc import babel_locale_parse

from odoo.addons.base.models.res_users import check_identity

ACTIVITY_WINDOW_DAYS = 7
# Text-message failures that a retry cannot mend.
PERMANENT_SMS_FAILURES = ("sms_number_missing", "sms_number_format", "sms_blacklist", "sms_duplicate", "sms_optout")
PRACTICE_USER = "serene_client_portal.group_practice_user"
PRACTICE_MANAGER = "serene_client_portal.group_practice_manager"
ACCESS_LEVELS = [("none", "None"), ("team", "Care Team"), ("owner", "Note Owner"), ("manager", "Manager")]
# The levels that manage a client's portal (add and remove items, links); the care team reads.
MANAGE_LEVELS = ("owner", "manager")
# Item types the client acts on (To do, then Completed) and those they read (Shared with you).
TODO_TYPES = ("intake_form", "assessment", "document_request", "consent")
SHARED_TYPES = ("resource", "link", "instructions")
# To-do notifications sent per transaction by _cron_notify_note_owners.
NOTIFY_BATCH = 50


class SereneClientPortal(models.Model):
    """A client's portal, and the one owner of its rules: who may do what with it, the usage
    limits, its access links and what the note owner is told."""

    _name = "serene.client.portal"
    _description = "Client Portal"
    _inherit = ["mail.thread", "mail.activity.mixin", "serene.system.fields.mixin"]
    _rec_name = "partner_id"
    _order = "id desc"
    _check_company_auto = True
    # The client's last visit is the scheduled action's to record; the pending count follows the items.
    _serene_system_fields = frozenset({"last_client_activity_at", "pending_item_count"})
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

    @api.depends("item_ids.state", "item_ids.active")
    def _compute_pending_item_count(self):
        counts = dict(
            self.env["serene.portal.item"]._read_group(
                [("portal_id", "in", self.ids), ("item_type", "in", TODO_TYPES), ("state", "!=", "completed")],
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

    def action_open_preview(self):
        self.ensure_one()
        self.check_access("read")
        return self.partner_id.action_client_portal_view()

    # ------------------------------------------------------------------
    # Who may do what
    # ------------------------------------------------------------------

    @api.model
    def _get_access_levels(self, partners):
        """{partner id: 'manager', 'owner', 'team' or 'none'}: what the current user may do with
        each client's portal. The record rules enforce the same levels on every model."""
        user = self.env.user
        if user.has_group(PRACTICE_MANAGER):
            # A practice manager manages the clients of their own companies only.
            companies = self.env.companies
            return {
                partner.id: "manager" if self._get_client_company(partner) in companies else "none"
                for partner in partners
            }
        if not user.has_group(PRACTICE_USER):
            return dict.fromkeys(partners.ids, "none")
        # sudo: res.partner - one query for the clients whose care team the user is in
        team = set(
            self.env["res.partner"].sudo()._search([("id", "in", partners.ids), ("care_team_user_ids", "in", user.ids)])
        )
        return {
            partner.id: "owner" if partner.note_owner_id == user else "team" if partner.id in team else "none"
            for partner in partners
        }

    @api.model
    def _check_contact_details_write(self, partners):
        """Email, phone and date of birth decide who receives a client's links and codes and who
        passes the identity check, and the emergency contact is theirs alone: on a client, only the
        note owner or a manager of their practice changes them (any practitioner while the client
        has no note owner)."""
        # sudo: res.partner - whether a contact is a client, whoever asks
        clients = partners.sudo()._filter_clients()
        if not clients:
            return
        if self.env.user.has_group(PRACTICE_MANAGER):
            self._check_access_level(clients, need="owner")
            return
        practitioner = self.env.user.has_group(PRACTICE_USER)
        for client in clients:
            owner = client.note_owner_id
            if not (owner == self.env.user or (practitioner and not owner)):
                raise AccessError(
                    _(
                        "Only the note owner of %(name)s or a practice manager can change the client's email, "
                        "phone, date of birth or emergency contact.",
                        name=client.name,
                    )
                )

    @api.model
    def _on_contact_details_changed(self, partners, field_names, revoke_links=True):
        """A client's guarded details changed: recorded in the audit trail (the fields, never the
        values); when they route links (``revoke_links``), every live link is revoked, so that
        nobody keeps a way in through the old address."""
        # sudo: res.partner - the portal of the client, whoever changed the details
        portals = partners.sudo().client_portal_id
        if not portals:
            return
        labels = ", ".join(sorted(self.env["res.partner"]._fields[name].string for name in field_names))
        self.env["serene.portal.activity"]._log(portals, "contact_changed", detail=labels)
        if not revoke_links:
            return
        # sudo: serene.portal.link - revoking is part of the change, whoever made it
        portals.sudo().link_ids._filter_live().action_revoke()

    @api.model
    def _check_clients_deletable(self, partners):
        """Raise unless ``partners`` may be deleted: practitioners archive clients instead, and a
        client whose portal has an audit trail is archived by everyone, managers included."""
        clients = partners._filter_clients()
        if clients and not self.env.su and not self.env.user.has_group(PRACTICE_MANAGER):
            raise UserError(
                _("Clients are archived, not deleted: %(names)s.", names=", ".join(clients.mapped("display_name")))
            )
        # sudo: res.partner - the portal exists whoever may read it
        with_portal = partners.sudo().filtered("serene_portal_ids")
        if with_portal:
            raise UserError(
                _(
                    "%(names)s have a client portal whose audit trail the practice keeps: archive them instead.",
                    names=", ".join(with_portal.mapped("display_name")),
                )
            )

    @api.model
    def _check_access_level(self, partners, need="owner"):
        """Raise unless the current user may ``need`` ('read' or 'owner') the portal of each client."""
        levels = self._get_access_levels(partners)
        for partner in partners:
            level = levels[partner.id]
            if level == "none" or (need == "owner" and level not in MANAGE_LEVELS):
                raise AccessError(
                    _(
                        "You are not allowed to manage the client portal of %(name)s: "
                        "only the client's note owner or a practice manager can.",
                        name=partner.name,
                    )
                )

    # ------------------------------------------------------------------
    # Usage limits: the practice's plan, items and upload storage per client
    # ------------------------------------------------------------------

    @api.model
    def _limit_message(self, kind, **values):
        """The words for each usage limit: staff see the first three, clients the last."""
        if kind == "plan":
            return _(
                "Usage limit exceeded: your practice's plan allows %(limit)s active client portals.",
                **values,
            )
        if kind == "items":
            return _(
                "Usage limit exceeded: %(name)s already has %(count)s active portal items "
                "(limit %(limit)s). Remove items or raise the limit to add more.",
                **values,
            )
        if kind == "storage":
            return _("Usage limit exceeded: %(name)s's uploads use %(used)s MB of the %(limit)s MB allowed.", **values)
        return _("There is no room left for these files in your portal. Please contact your practice.")

    @api.model
    def _get_client_company(self, partner):
        """The practice a client belongs to: their portal's, else their contact's, else the current one."""
        # sudo: res.partner / serene.client.portal - the client's company, whoever asks
        partner_sudo = partner.sudo()
        return partner_sudo.client_portal_id.company_id or partner_sudo.company_id or self.env.company

    @api.model
    def _get_client_limits(self, partner):
        """Effective (item limit, storage limit in bytes) of a client: their own or the company's; 0 is none."""
        company = self._get_client_company(partner)
        items = partner.portal_item_limit or company.serene_portal_item_limit
        storage_mb = partner.portal_storage_limit_mb or company.serene_portal_storage_limit_mb
        return items, storage_mb * 1024 * 1024

    def _get_storage_used(self):
        """{portal id: bytes uploaded by the client}, removed requests included."""
        return {portal_id: used for portal_id, (_items, used) in self._get_usage(count_items=False).items()}

    def _get_usage(self, count_items=True):
        """{portal id: (active items or None, bytes uploaded by the client)}, in one query; the
        files of removed requests count."""
        if not self:
            return {}
        self.env["ir.attachment"].flush_model(["res_model", "res_id", "file_size"])
        self.env["serene.portal.item"].flush_model(["portal_id", "item_type", "active"])
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
              FROM serene_client_portal portal
             WHERE portal.id IN %s
            """,
                items,
                tuple(self.ids),
            )
        )
        return {portal_id: (count, used) for portal_id, count, used in self.env.cr.fetchall()}

    @api.model
    def _get_limit_messages(self, partners, adding=None):
        """{partner id: why no more items fit} for the clients over a limit, in two queries at most.

        ``adding`` ({partner id: count}) asks whether that many more items would fit; by default one.
        """
        adding = adding or {}
        # sudo: usage counts everything the client has, whoever looks
        partners = partners.sudo()
        usage = partners.client_portal_id._get_usage()
        # The plan's portal count matters only to clients without a portal yet.
        companies = (
            self.env["res.company"]
            .union(*(self._get_client_company(partner) for partner in partners if not partner.client_portal_id))
            .filtered("serene_portal_limit")
        )
        portal_counts = (
            {
                company.id: count
                # sudo: the plan counts every portal of the practice
                for company, count in self.sudo()._read_group(
                    [("company_id", "in", companies.ids)], ["company_id"], ["__count"]
                )
            }
            if companies
            else {}
        )
        messages = {}
        for partner in partners:
            portal = partner.client_portal_id
            item_limit, storage_limit = self._get_client_limits(partner)
            company = self._get_client_company(partner)
            count, used = usage.get(portal.id, (0, 0))
            if item_limit and count + adding.get(partner.id, 1) > item_limit:
                messages[partner.id] = self._limit_message("items", name=partner.name, count=count, limit=item_limit)
            elif storage_limit and used >= storage_limit:
                messages[partner.id] = self._limit_message(
                    "storage",
                    name=partner.name,
                    used=round(used / 1024 / 1024, 1),
                    limit=storage_limit // 1024 // 1024,
                )
            elif (
                not portal
                and company.serene_portal_limit
                and portal_counts.get(company.id, 0) >= company.serene_portal_limit
            ):
                messages[partner.id] = self._limit_message("plan", limit=company.serene_portal_limit)
        return messages

    @api.model
    def _check_item_limits(self, partners, adding):
        """Raise when adding ``adding`` ({partner id: count}) items would cross a usage limit.

        Call with the clients' portals locked (``_lock_rows``), so that concurrent adds queue.
        """
        messages = self._get_limit_messages(partners, adding=adding)
        if messages:
            raise UserError("\n".join(messages.values()))

    def _check_storage_room(self, adding_bytes):
        """Raise, in the client's words, when ``adding_bytes`` more would cross the storage limit."""
        self.ensure_one()
        _items, storage_limit = self._get_client_limits(self.partner_id)
        if not storage_limit:
            return
        self._lock_rows("serene_client_portal", self.ids)
        if self._get_storage_used().get(self.id, 0) + adding_bytes > storage_limit:
            raise UserError(self._limit_message("storage_client"))

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

    @api.model
    def _get_or_create_for_partners(self, partners):
        """The portals of ``partners``, created (within the practice plan) where missing."""
        # sudo: res.partner - a portal may exist that the caller cannot read yet
        missing = partners.filtered(lambda p: not p.sudo().client_portal_id)
        if missing:
            companies = {partner: self._get_client_company(partner) for partner in missing}
            for company in set(companies.values()):
                if company.serene_portal_limit:
                    # Two requests cannot both take the last portal the plan allows.
                    self._lock_rows("res_company", company.ids)
                    # sudo: the plan counts every portal of the practice
                    active = self.sudo().search_count([("company_id", "=", company.id)])
                    wanted = sum(1 for c in companies.values() if c == company)
                    if active + wanted > company.serene_portal_limit:
                        raise UserError(self._limit_message("plan", limit=company.serene_portal_limit))
            self.create([{"partner_id": partner.id, "company_id": companies[partner].id} for partner in missing])
        # sudo: res.partner - read the link, then hand back records under the caller's rights
        return partners.sudo().client_portal_id.with_env(self.env)

    @api.model
    def _create_for_new_clients(self, partners):
        """Practices that ask for it ("create portals proactively") give each new client a portal
        at once. Over the plan, the client is still saved and a note says why no portal came."""
        # sudo: res.partner / serene.client.portal - the practice's setting creates the portal,
        # whoever saved the client
        clients = partners.sudo().filtered(
            lambda p: (
                p.is_client and not p.serene_portal_ids and (p.company_id or self.env.company).serene_portal_auto_create
            )
        )
        if not clients:
            return
        try:
            with self.env.cr.savepoint():
                self.sudo()._get_or_create_for_partners(clients)
        except UserError as error:
            for client in clients:
                client.message_post(
                    body=_("No client portal was created: %(reason)s", reason=error.args[0]),
                    subtype_xmlid="mail.mt_note",
                )

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
        ``items`` that are its own: their emails are rendered and queued in one batch.

        Returns ``{portal id: outcome}`` (see ``_send_access_link``).
        """
        Item = self.env["serene.portal.item"]
        items_by_portal = (items or Item).grouped("portal_id")
        outcomes, emails, texts = {}, {}, []
        for portal in self:
            url = portal._new_access_url()
            portal_items = items_by_portal.get(portal, Item)
            kind = "reminder" if reminder else "items" if portal_items else "link"
            email, phone, not_sent = portal._get_client_channels()
            if email:
                emails[portal.id] = (url, portal_items, kind)
            if phone:
                # sudo: res.partner - the client's language, whoever sends
                lang = portal.partner_id.sudo().lang
                texts.append((portal.with_context(lang=lang), portal._sms_text(url, portal_items, reminder), kind))
            outcomes[portal.id] = {"url": url, "sent_to": [to for to in (email, phone) if to], "not_sent": not_sent}
        if emails:
            template = self.env.ref("serene_client_portal.mail_template_portal_items")
            # Each portal's email is rendered with its own link and items in ``ctx``
            # (mail.template._render_template) and carries its own values (mail.mail.create).
            # sudo: mail.template - staff and clients may not read templates; the template sets the client's language
            mails = (
                template.sudo()
                .with_context(
                    serene_record_context={
                        portal_id: {"portal_url": url, "portal_items": portal_items, "portal_reminder": reminder}
                        for portal_id, (url, portal_items, _kind) in emails.items()
                    },
                    serene_portal_mail_values={
                        portal.id: portal._mail_values(emails[portal.id][2]) for portal in self.browse(list(emails))
                    },
                )
                .send_mail_batch(list(emails), email_layout_xmlid="mail.mail_notification_light")
            )
            if now:
                self.env["mail.mail"].sudo().browse(mails.ids).send_after_commit()
            else:
                self._wake_mail_queue()
        for portal, body, kind in texts:
            portal._queue_sms(body, kind)
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

    def _wake_mail_queue(self):
        """Queued client mail goes out when this transaction commits, not at the mail queue's
        hourly run: wake Odoo's queue once per transaction (a batch of reminders wakes it once)."""
        data = self.env.cr.precommit.data
        if not data.get("serene_mail_queue_woken"):
            data["serene_mail_queue_woken"] = True
            # sudo: ir.cron - clients and practitioners may not schedule Odoo's mail queue
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()

    def _sms_text(self, url, items, reminder):
        practice = self.company_id.name
        if reminder:
            return _(
                "%(practice)s: a reminder, things are waiting in your client portal: %(url)s",
                practice=practice,
                url=url,
            )
        if items:
            return _("%(practice)s shared new items in your client portal: %(url)s", practice=practice, url=url)
        return _("%(practice)s: your client portal link: %(url)s", practice=practice, url=url)

    def _mail_values(self, kind):
        """What every email to the client carries: it hangs on no document, so the link or code
        in it is read by the client and the mail queue only, and it is deleted once sent. Its
        ``kind`` of notification is registered for staff to follow (queued, sent, failed)."""
        self.ensure_one()
        Notification = self.env["serene.portal.notification"]
        return {
            "model": False,
            "res_id": False,
            "serene_portal_id": self.id,
            "serene_notification_id": Notification._track(self, "email", kind, self.partner_id.email),
            "auto_delete": True,
        }

    def _queue_sms(self, body, kind):
        """Queue a text message to the client's mobile on file."""
        self.ensure_one()
        partner = self.partner_id
        number = partner.phone_sanitized or partner.phone
        # sudo: sms.sms - clients and practitioners do not manage the SMS queue
        self.env["sms.sms"].sudo().create(
            {
                "number": number,
                "partner_id": partner.id,
                "body": body,
                "serene_portal_id": self.id,
                "serene_notification_id": self.env["serene.portal.notification"]._track(self, "sms", kind, number),
            }
        )

    def _notify_note_owner(self, summary, note=None, body=None, wake_job=True):
        """Tell each client's note owner: a to-do for them and, with ``body``, a note on the
        portal, both where only the note owner, the care team and managers read.

        The to-do is there at once. Its "assigned to you" notification (Odoo's message and
        email to the note owner) is rendered and sent by a scheduled action, triggered when
        this transaction commits: the request that raised the to-do (a signature, a locked
        link) does not wait for it. A client's upload does not even raise the to-do: the same
        action does (serene.portal.item._raise_review_todos), and wakes itself once for all the
        to-dos it raised (``wake_job=False``). Returns whether a notification waits for it."""
        notify = False
        for portal in self:
            # sudo: mail.activity - clients, crons and the care team trigger the to-do too
            portal_sudo = portal.sudo()
            if body:
                portal_sudo.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
            owner = portal_sudo.partner_id.note_owner_id
            if owner:
                # As Odoo would: no notification of a to-do one gives oneself.
                pending = owner != self.env.user
                portal_sudo.with_context(mail_activity_quick_update=True).activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=owner.id,
                    summary=summary,
                    note=note,
                    serene_notify_pending=pending,
                )
                notify = notify or pending
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
                # sudo: in the name of whoever raised the to-dos, with the rights the request that
                # raised them had (a client is Odoo's public user, running sudo'd portal code)
                activities.with_user(author).sudo().action_notify()
            batch.write({"serene_notify_pending": False})
            if Cron._commit_progress(len(batch)) <= 0:
                return

    # ------------------------------------------------------------------
    # The Client Portal page's activity panel
    # ------------------------------------------------------------------

    def get_activity_summary(self):
        """The Client Portal panel's data: what was added in the last 7 days, in the guide's words."""
        self.ensure_one()
        self.check_access("read")
        return self._get_activity_summaries()[self.id]

    def _get_activity_summaries(self):
        """``get_activity_summary`` for many portals in one query (lists of clients use it):
        the items added in the last 7 days (the guide's green alert) and, beneath it, what the
        client did in those days. Blue only when neither side did anything."""
        return self._summarize_activity(self._read_recent_activity([("portal_id", "in", self.ids)]))

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

    @api.model
    def _cron_retry_failed_notifications(self):
        """Put failed client emails back in the queue with backoff. After a day (emails) or at
        once (text messages, which Odoo does not retry), give up: tell the note owner and delete
        the message, the only copy of the link or code it carried."""
        now = fields.Datetime.now()
        # sudo: mail.mail - the cron looks after the portal's outgoing mail
        Mail = self.env["mail.mail"].sudo()
        # A one-time code that could not go out while it was valid is of no use: never sent later.
        expired = Mail.search(
            [
                ("serene_portal_id", "!=", False),
                ("serene_valid_until", "<", now),
                ("state", "in", ("outgoing", "exception", "cancel")),
            ]
        )
        expired.serene_notification_id._follow("failed", _("The code expired before it could be sent."))
        expired.unlink()
        failed = Mail.search(
            [
                ("serene_portal_id", "!=", False),
                ("state", "=", "exception"),
                ("create_date", ">=", now - timedelta(days=1)),
            ],
            limit=500,
        )
        # Backoff: wait as long as the mail has existed before its last failure, at least 15 minutes.
        due = failed.filtered(
            lambda mail: now - mail.write_date >= max(timedelta(minutes=15), (mail.write_date - mail.create_date))
        )
        due.mark_outgoing()
        given_up = Mail.search(
            [
                ("serene_portal_id", "!=", False),
                ("state", "in", ("exception", "cancel")),
                ("create_date", "<", now - timedelta(days=1)),
            ],
            limit=500,
        )
        for mail in given_up:
            mail.serene_portal_id._notify_note_owner(
                _("Portal email to %(name)s could not be sent", name=mail.serene_portal_id.partner_id.name),
                note=mail.failure_reason,
            )
        given_up.unlink()
        # Text messages: retried like emails while the failure may pass (a server error, credit),
        # given up at once when it will not (a wrong or opted-out number) or after a day.
        # sudo: sms.sms - the cron looks after the portal's text messages
        failed_sms = (
            self.env["sms.sms"]
            .sudo()
            .search([("serene_portal_id", "!=", False), ("state", "in", ("error", "canceled"))], limit=500)
        )
        final = failed_sms.filtered(
            lambda sms: (
                sms.failure_type in PERMANENT_SMS_FAILURES
                or sms.state == "canceled"
                or sms.create_date < now - timedelta(days=1)
            )
        )
        (failed_sms - final).filtered(
            lambda sms: now - sms.write_date >= max(timedelta(minutes=15), (sms.write_date - sms.create_date))
        ).write({"state": "outgoing", "failure_type": False})
        for sms in final:
            sms.serene_portal_id._notify_note_owner(
                _("Portal text message to %(name)s could not be sent", name=sms.serene_portal_id.partner_id.name),
                note=sms.failure_type,
            )
        final.unlink()

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
    _CLIENT_PAGE_PARTNER_FIELDS = ["name", "tz", "lang"]
    _CLIENT_PAGE_COMPANY_FIELDS = [
        "name",
        "uses_default_logo",
        "serene_portal_verify_birthdate",
        "serene_portal_verify_code",
        "serene_portal_link_sliding",
        "serene_portal_session_idle_minutes",
        "serene_portal_session_max_hours",
        "serene_portal_upload_max_mb",
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
        items.attachment_ids.fetch(["name"])  # not the files' indexed text
        items.mapped("accepted_kind_ids").mapped("extensions")
        todo = items.filtered(lambda i: i.item_type in TODO_TYPES and i.state != "completed")
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

    @api.model
    def _request_links_by_email(self, emails):
        """Send a fresh link to each client whose address on file is one of ``emails`` (at most
        five clients an address); silent either way."""
        emails = {email_normalize(email or "") for email in emails}
        emails = [email for email in emails if email and len(email) <= 254]
        if not emails:
            return False
        # sudo: the visitor is anonymous; the answer never says whether the address matched
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

    def _alert_note_owner_risk(self, form_name, body=None):
        """A client's answer is marked as a risk signal: the note owner gets an urgent to-do due
        today and an email at once. The email names no form and no answer: it points to the
        client's contact, where the record rules decide who reads the rest."""
        for portal in self:
            # sudo: mail.activity, mail.mail - the client's submission raises the alert
            portal_sudo = portal.sudo()
            if body:
                portal_sudo.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
            owner = portal_sudo.partner_id.note_owner_id
            if not owner:
                continue
            client = portal_sudo.partner_id
            # In the note owner's language and time zone (today is their today).
            owner_env = portal_sudo.with_context(lang=owner.lang, tz=owner.tz).env
            message = owner_env._("A form completed by %(client)s needs your attention today.", client=client.name)
            # Odoo's own "assigned to you" email is not sent: the alert below says it, neutrally.
            portal_sudo.with_context(mail_activity_quick_update=True).activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=fields.Date.context_today(portal_sudo.with_env(owner_env)),
                user_id=owner.id,
                summary=owner_env._("Urgent: %(form)s needs your attention today", form=form_name),
                note=message,
            )
            if not owner.email:
                continue
            url = portal_sudo._serene_contact_url()
            self.env["mail.mail"].sudo().create(
                {
                    "subject": owner_env._("Urgent: a client's form needs your attention today"),
                    "email_to": owner.email_formatted,
                    "email_from": portal_sudo.company_id.email_formatted
                    or self.env.ref("base.user_root").email_formatted,
                    "body_html": Markup("<p>%s</p><p><a href='%s'>%s</a></p>")
                    % (
                        owner_env._("A client's form needs your attention today."),
                        url,
                        owner_env._("Open the client's contact"),
                    ),
                    "auto_delete": True,
                }
            ).send_after_commit()
