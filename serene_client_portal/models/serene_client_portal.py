from datetime import timedelta

from babel.dates import format_timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.misc import babel_locale_parse

ACTIVITY_WINDOW_DAYS = 7


class SereneClientPortal(models.Model):
    _name = "serene.client.portal"
    _description = "Client Portal"
    _inherit = ["mail.thread"]
    _rec_name = "partner_id"
    _order = "id desc"

    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
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
    activity_ids = fields.One2many("serene.portal.activity", "portal_id")
    item_count = fields.Integer(compute="_compute_item_count")

    _partner_unique = models.Constraint("UNIQUE(partner_id)", "A client has one portal.")

    @api.depends("item_ids")
    def _compute_item_count(self):
        counts = dict(
            self.env["serene.portal.item"]._read_group(
                [("portal_id", "in", self.ids)],
                ["portal_id"],
                ["__count"],
            )
        )
        for portal in self:
            portal.item_count = counts.get(portal, 0)

    @api.model_create_multi
    def create(self, vals_list):
        portals = super().create(vals_list)
        for portal in portals:
            portal.partner_id.sudo().client_portal_id = portal
        portals.env["serene.portal.activity"]._log(portals, "portal_created")
        return portals

    def write(self, vals):
        if not self.env.su and {"partner_id", "company_id"} & set(vals):
            raise AccessError(_("A portal stays with its client."))
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_revoke_links(self):
        """Revoke every access link of these portals (e.g. a lost phone)."""
        links = self.link_ids.filtered(lambda link: not link.revoked_at)
        links.action_revoke()
        return True

    def action_open_preview(self):
        self.ensure_one()
        return self.partner_id.action_client_portal_view()

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _get_or_create_for_partners(self, partners):
        """The portals of ``partners``, created (within the practice plan) where missing.

        Locks the company row so that two requests can't both take the last portal the plan allows.
        """
        missing = partners.filtered(lambda p: not p.sudo().client_portal_id)
        if missing:
            company_of = {partner: partner.company_id or self.env.company for partner in missing}
            for company in set(company_of.values()):
                if company.serene_portal_limit:
                    self._lock_rows("res_company", company.ids)
                    active = self.sudo().search_count([("company_id", "=", company.id)])
                    wanted = sum(1 for c in company_of.values() if c == company)
                    if active + wanted > company.serene_portal_limit:
                        raise UserError(
                            _(
                                "Usage limit exceeded: your practice's plan allows %(limit)s active client portals.",
                                limit=company.serene_portal_limit,
                            )
                        )
            self.create([{"partner_id": partner.id, "company_id": company_of[partner].id} for partner in missing])
        return partners.sudo().client_portal_id.with_env(self.env)

    def _lock_rows(self, table, ids):
        """Take row locks that serialize concurrent usage-limit checks.

        Odoo runs requests in REPEATABLE READ: an UPDATE (not a mere SELECT FOR UPDATE) makes the
        second of two concurrent transactions fail to serialize, so Odoo retries it and the retry
        sees the first one's rows.
        """
        if ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET write_date = write_date WHERE id IN %s",
                    SQL.identifier(table),
                    tuple(ids),
                )
            )

    def _new_access_url(self, expiry_days=None):
        """Mint a fresh access link for this portal and return its full URL.

        ``expiry_days`` None takes the company setting; 0 means the link never expires.
        """
        self.ensure_one()
        key = self.env["serene.portal.link"]._mint(self, expiry_days=expiry_days)
        return f"{self.get_base_url()}/portal/{key}"

    def _send_access_link(self, items=None):
        """Queue the email (and SMS) that gives the client a fresh link, optionally listing new items."""
        self.ensure_one()
        url = self._new_access_url()
        company = self.company_id
        partner = self.partner_id
        if company.serene_portal_notify_email and partner.email:
            template = self.env.ref("serene_client_portal.mail_template_portal_items")
            template.sudo().with_context(
                portal_url=url, portal_items=items or self.env["serene.portal.item"]
            ).send_mail(
                self.id,
                email_layout_xmlid="mail.mail_notification_light",
            )
        if company.serene_portal_notify_sms and partner.phone:
            body = (
                _("%(practice)s shared new items in your client portal: %(url)s", practice=company.name, url=url)
                if items
                else _("%(practice)s: your client portal link: %(url)s", practice=company.name, url=url)
            )
            self.env["sms.sms"].sudo().create(
                {
                    "number": partner.phone_sanitized or partner.phone,
                    "partner_id": partner.id,
                    "body": body,
                }
            )
        return url

    def get_activity_summary(self):
        """The Client Portal panel's data: what was added in the last 7 days, in the guide's words."""
        self.ensure_one()
        return self._get_activity_summaries()[self.id]

    def _get_activity_summaries(self):
        """``get_activity_summary`` for many portals in one query (lists of clients use it)."""
        since = fields.Datetime.now() - timedelta(days=ACTIVITY_WINDOW_DAYS)
        Activity = self.env["serene.portal.activity"].sudo()
        groups = Activity._read_group(
            [
                ("portal_id", "in", self.ids),
                ("event_type", "in", Activity._NEW_ITEM_EVENTS),
                ("event_at", ">=", since),
            ],
            ["portal_id"],
            ["__count", "event_at:max"],
        )
        by_portal = {portal.id: (count, last) for portal, count, last in groups}
        summaries = {}
        for portal in self:
            count, last = by_portal.get(portal.id, (0, None))
            if count:
                message = _(
                    "%(count)s new items added to the portal %(time_ago)s",
                    count=count,
                    time_ago=self._time_ago(last),
                )
            else:
                message = _("No new activity on the client portal")
            summaries[portal.id] = {
                "state": "active" if count else "inactive",
                "new_items": count,
                "last_activity_at": last or None,
                "message": message,
            }
        return summaries

    def _time_ago(self, moment):
        """'just now', '5 minutes ago', '3 days ago' in the user's language."""
        delta = fields.Datetime.now() - moment
        if delta < timedelta(minutes=1):
            return _("just now")
        locale = babel_locale_parse(self.env.lang or "en_US")
        return format_timedelta(-delta, add_direction=True, threshold=1, locale=locale)

    @api.model
    def _cron_retry_failed_notifications(self):
        """Put failed client emails back in the queue with backoff; after a day, tell the note owner."""
        now = fields.Datetime.now()
        Mail = self.env["mail.mail"].sudo()
        failed = Mail.search(
            [
                ("model", "=", self._name),
                ("state", "=", "exception"),
                ("create_date", ">=", now - timedelta(days=1)),
            ],
            limit=500,
        )
        # Backoff: wait twice as long as the mail has existed since its last failure, at least 15 minutes.
        due = failed.filtered(
            lambda mail: now - mail.write_date >= max(timedelta(minutes=15), (mail.write_date - mail.create_date))
        )
        due.mark_outgoing()
        given_up = Mail.search(
            [
                ("model", "=", self._name),
                ("state", "=", "exception"),
                ("create_date", "<", now - timedelta(days=1)),
            ],
            limit=500,
        )
        for mail in given_up:
            portal = self.browse(mail.res_id).exists()
            owner = portal.partner_id.note_owner_id
            if owner:
                portal.partner_id.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=owner.id,
                    summary=_("Portal email to %(name)s could not be sent", name=portal.partner_id.name),
                    note=mail.failure_reason,
                )
            mail.state = "cancel"

    # ------------------------------------------------------------------
    # The client's pages (called on a sudo'd portal found by its key)
    # ------------------------------------------------------------------

    def _get_item(self, item_id, types=None):
        """This portal's active item ``item_id`` or an empty recordset: never another client's."""
        self.ensure_one()
        domain = [("id", "=", item_id), ("portal_id", "=", self.id)]
        if types:
            domain.append(("item_type", "in", list(types)))
        return self.env["serene.portal.item"].search(domain, limit=1)

    def _get_portal_page_values(self):
        """Everything the portal home shows, in a fixed number of queries whatever the item count."""
        self.ensure_one()
        items = self.env["serene.portal.item"].search([("portal_id", "=", self.id)])
        # Prefetch what the template reads, in one query per model.
        items.mapped("attachment_ids").mapped("name")
        items.mapped("survey_id").mapped("title")
        todo = items.filtered(
            lambda i: i.item_type in ("intake_form", "assessment", "document_request") and i.state != "completed"
        )
        shared = items.filtered(lambda i: i.item_type in ("resource", "link", "instructions"))
        completed = items.filtered(
            lambda i: i.item_type in ("intake_form", "assessment", "document_request") and i.state == "completed"
        )
        appointments = self.env["calendar.event"]
        if self.show_appointments:
            appointments = self._get_upcoming_appointments()
        return {
            "portal": self,
            "client": self.partner_id,
            "company": self.company_id,
            "todo_items": todo,
            "shared_items": shared,
            "completed_items": completed.sorted(lambda i: i.completed_at or i.assigned_at, reverse=True),
            "appointments": appointments,
            "upload_max_mb": self.company_id.serene_portal_upload_max_mb,
        }

    def _get_upcoming_appointments(self):
        """The client's future appointments, leaving out cancelled ones and those they declined."""
        self.ensure_one()
        Event = self.env["calendar.event"].sudo()
        events = Event.search(
            [
                ("partner_ids", "in", self.partner_id.id),
                ("start", ">=", fields.Datetime.now()),
                ("active", "=", True),
            ],
            order="start",
            limit=20,
        )
        return events.filtered(
            lambda e: all(
                attendee.state != "declined" for attendee in e.attendee_ids if attendee.partner_id == self.partner_id
            )
        )

    @api.model
    def _request_link_by_email(self, email):
        """Send a fresh link to a client whose address on file is ``email``; silent either way."""
        email = (email or "").strip().lower()
        if not email or "@" not in email or len(email) > 254:
            return False
        portals = self.sudo().search([("partner_id.email_normalized", "=", email), ("active", "=", True)], limit=5)
        # One email per portal per 10 minutes: a double click or a bored visitor sends no mail storm.
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
        for portal in portals:
            self.env["serene.portal.activity"]._log(portal, "link_requested", actor="client")
            portal._send_access_link()
        return bool(portals)

    # ------------------------------------------------------------------
    # Demo data helpers (called by demo/serene_demo.xml only)
    # ------------------------------------------------------------------

    @api.model
    def _demo_backdate(self, partner_id, days):
        """Age a demo client's portal history by ``days``: the audit trail is append-only."""
        moment = fields.Datetime.now() - timedelta(days=days)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE serene_portal_activity SET event_at = %s WHERE partner_id = %s",
                moment,
                partner_id,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE serene_portal_item SET assigned_at = %s WHERE partner_id = %s",
                moment,
                partner_id,
            )
        )
        self.env.invalidate_all()

    @api.model
    def _demo_complete(self, form_item_id, upload_item_id):
        """A demo client who answered an assessment and uploaded a document."""
        form_item = self.env["serene.portal.item"].browse(form_item_id)
        answer = form_item._portal_start_form()
        for question in form_item.survey_id.question_ids:
            answer._save_lines(question, question.suggested_answer_ids[1:2].id)
        answer._mark_done()
        upload_item = self.env["serene.portal.item"].browse(upload_item_id)
        pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        upload_item._portal_upload([("referral-letter.pdf", pdf)], note="From Dr. Smith")
