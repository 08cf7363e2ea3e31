from odoo import _, api, fields, models
from odoo.exceptions import AccessError

PRACTICE_USER = "serene_client_portal.group_practice_user"
PRACTICE_MANAGER = "serene_client_portal.group_practice_manager"
# Fields that decide who sees a client's portal, answers and files.
PRACTICE_FIELDS = {
    "note_owner_id",
    "care_team_user_ids",
    "client_portal_id",
    "portal_item_limit",
    "portal_storage_limit_mb",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    is_client = fields.Boolean(string="Is a Client", index="btree_not_null", tracking=True)
    note_owner_id = fields.Many2one(
        "res.users",
        index="btree_not_null",
        tracking=True,
        domain=lambda self: [("all_group_ids", "in", self.env.ref(PRACTICE_USER).ids)],
        help="The practitioner who owns this client's notes: creates the portal, adds and removes items.",
    )
    care_team_user_ids = fields.Many2many(
        "res.users",
        "serene_partner_care_team_rel",
        "partner_id",
        "user_id",
        string="Care Team",
        domain=lambda self: [("all_group_ids", "in", self.env.ref(PRACTICE_USER).ids)],
        help="Team members see that the portal exists and its activity, and change nothing.",
    )
    client_portal_id = fields.Many2one(
        "serene.client.portal",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=PRACTICE_USER,
    )
    portal_item_ids = fields.One2many(
        "serene.portal.item",
        "partner_id",
        string="Portal Items",
        groups=PRACTICE_USER,
    )
    portal_item_limit = fields.Integer(
        string="Active Items Limit",
        groups=PRACTICE_USER,
        help="Most items this client's portal may hold at once. 0 uses the practice default.",
    )
    portal_storage_limit_mb = fields.Integer(
        string="Upload Storage Limit (MB)",
        groups=PRACTICE_USER,
        help="Most upload storage this client may use. 0 uses the practice default.",
    )
    client_birthdate = fields.Date(
        string="Date of Birth",
        groups=PRACTICE_USER,
        help="Asked of portal visitors when the practice requires it.",
    )
    portal_show_appointments = fields.Boolean(
        string="Show Upcoming Appointments",
        related="client_portal_id.show_appointments",
        readonly=False,
        groups=PRACTICE_USER,
    )
    portal_access = fields.Selection(
        [("none", "None"), ("team", "Care Team"), ("owner", "Note Owner"), ("manager", "Manager")],
        compute="_compute_portal_access",
        groups=PRACTICE_USER,
        help="What the current user may do with this client's portal.",
    )
    portal_state = fields.Selection(
        [("none", "Not Set Up"), ("active", "Recent Activity"), ("inactive", "No Recent Activity")],
        string="Portal Status",
        compute="_compute_portal_summary",
        groups=PRACTICE_USER,
    )
    portal_new_items_7d = fields.Integer(
        string="New Items (7 days)",
        compute="_compute_portal_summary",
        groups=PRACTICE_USER,
    )
    portal_last_activity_at = fields.Datetime(
        string="Last Portal Activity",
        compute="_compute_portal_summary",
        groups=PRACTICE_USER,
    )
    portal_activity_message = fields.Char(compute="_compute_portal_summary", groups=PRACTICE_USER)
    portal_usage_limit_message = fields.Char(
        string="Usage Limit",
        compute="_compute_portal_usage",
        groups=PRACTICE_USER,
    )
    portal_can_add = fields.Boolean(compute="_compute_portal_usage", groups=PRACTICE_USER)
    portal_add_disabled_reason = fields.Char(compute="_compute_portal_usage", groups=PRACTICE_USER)
    portal_record_input_ids = fields.One2many(
        "survey.user_input",
        "partner_id",
        string="Completed Forms",
        domain=[("serene_item_id", "!=", False), ("state", "=", "done")],
        groups=PRACTICE_USER,
    )
    portal_record_attachment_ids = fields.Many2many(
        "ir.attachment",
        string="Uploaded Documents",
        compute="_compute_portal_record_attachment_ids",
        groups=PRACTICE_USER,
    )

    @api.depends_context("uid")
    @api.depends("note_owner_id", "care_team_user_ids")
    def _compute_portal_access(self):
        user = self.env.user
        is_manager = user.has_group(PRACTICE_MANAGER)
        for partner in self:
            if is_manager:
                partner.portal_access = "manager"
            elif partner.note_owner_id == user:
                partner.portal_access = "owner"
            elif user in partner.care_team_user_ids:
                partner.portal_access = "team"
            else:
                partner.portal_access = "none"

    @api.depends_context("uid")
    @api.depends("client_portal_id")
    def _compute_portal_summary(self):
        visible = self.filtered(lambda p: p.portal_access != "none" and p.client_portal_id)
        summaries = visible.client_portal_id.sudo()._get_activity_summaries()
        visible_ids = set(visible.ids)
        for partner in self:
            summary = summaries.get(partner.client_portal_id.id) if partner.id in visible_ids else None
            if summary:
                partner.portal_state = summary["state"]
                partner.portal_new_items_7d = summary["new_items"]
                partner.portal_last_activity_at = summary["last_activity_at"]
                partner.portal_activity_message = summary["message"]
            else:
                partner.portal_state = "none"
                partner.portal_new_items_7d = 0
                partner.portal_last_activity_at = False
                partner.portal_activity_message = (
                    _(
                        "Client portal is not yet set up for %(name)s. "
                        "A portal will be automatically created when you add items.",
                        name=partner.name,
                    )
                    if partner.portal_access != "none"
                    else False
                )

    @api.depends_context("uid")
    @api.depends("client_portal_id", "portal_item_limit", "portal_storage_limit_mb", "note_owner_id")
    def _compute_portal_usage(self):
        messages = self.sudo()._get_portal_usage_limit_messages()
        for partner in self:
            message = messages.get(partner.id) or False
            partner.portal_usage_limit_message = message if partner.portal_access != "none" else False
            if partner.portal_access not in ("owner", "manager"):
                reason = _("Only the client's note owner can add items to the portal.")
            elif message:
                reason = message
            else:
                reason = False
            partner.portal_can_add = not reason
            partner.portal_add_disabled_reason = reason

    @api.depends_context("uid")
    @api.depends("portal_item_ids.attachment_ids")
    def _compute_portal_record_attachment_ids(self):
        # Removed (archived) requests keep their uploads on the record.
        requests = (
            self.env["serene.portal.item"]
            .with_context(active_test=False)
            .search(
                [
                    ("partner_id", "in", self.ids),
                    ("item_type", "=", "document_request"),
                ]
            )
        )
        uploads = (
            self.env["ir.attachment"].search(
                [
                    ("res_model", "=", "serene.portal.item"),
                    ("res_id", "in", requests.ids),
                ]
            )
            if requests
            else self.env["ir.attachment"]
        )
        partner_by_item = {item.id: item.partner_id.id for item in requests}
        for partner in self:
            partner.portal_record_attachment_ids = uploads.filtered(
                lambda a, pid=partner.id: partner_by_item.get(a.res_id) == pid
            )

    # ------------------------------------------------------------------
    # CRUD: who may say who works with a client
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self.browse()._check_practice_fields_write(vals)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._check_practice_fields_write(vals)
        return super().write(vals)

    def _check_practice_fields_write(self, vals):
        """Contacts are editable by every internal user; the fields that grant access to a
        client's health data are not. ``self`` is empty for a creation."""
        if not PRACTICE_FIELDS & set(vals):
            return
        user = self.env.user
        if "client_portal_id" in vals:
            raise AccessError(_("A client's portal is linked by the system only."))
        if user.has_group(PRACTICE_MANAGER):
            return
        if {"portal_item_limit", "portal_storage_limit_mb"} & set(vals):
            raise AccessError(_("Only practice managers can change a client's usage limits."))
        if not user.has_group(PRACTICE_USER):
            raise AccessError(_("Only practitioners can choose who works with a client."))
        for partner in self:
            if partner.note_owner_id and partner.note_owner_id != user:
                raise AccessError(
                    _(
                        "Only the note owner of %(name)s or a practice manager can change who works with this client.",
                        name=partner.name,
                    )
                )
        if not self and vals.get("note_owner_id") not in (None, False, user.id):
            raise AccessError(_("A new client's note owner is you; a practice manager can choose someone else."))
        if any(not partner.note_owner_id for partner in self) and vals.get("note_owner_id") not in (
            None,
            False,
            user.id,
        ):
            raise AccessError(_("You can take on a client without a note owner, not hand them to someone else."))

    # ------------------------------------------------------------------
    # Usage limits
    # ------------------------------------------------------------------

    def _get_portal_limits(self):
        """Effective (item limit, storage limit in bytes) of each client: their own or the company's."""
        self.ensure_one()
        company = self.company_id or self.env.company
        items = self.portal_item_limit or company.serene_portal_item_limit
        storage_mb = self.portal_storage_limit_mb or company.serene_portal_storage_limit_mb
        return items, storage_mb * 1024 * 1024

    def _get_portal_usage_limit_messages(self, adding_items=None):
        """Which usage limit each client is over, in words (False when none), in three queries.

        ``adding_items`` ({partner id: count}) asks whether that many more items would still fit;
        without it, whether one more would.
        """
        adding_items = adding_items or {}
        Item = self.env["serene.portal.item"].sudo().with_context(active_test=True)
        item_counts = dict(Item._read_group([("partner_id", "in", self.ids)], ["partner_id"], ["__count"]))
        item_counts = {partner.id: count for partner, count in item_counts.items()}
        storage = self.env["serene.portal.item"].sudo()._get_upload_storage_by_partner(self.ids)
        companies = self.company_id | self.env.company
        portal_counts = {
            company.id: count
            for company, count in self.env["serene.client.portal"]
            .sudo()
            ._read_group(
                [("company_id", "in", companies.ids)],
                ["company_id"],
                ["__count"],
            )
        }
        messages = {}
        for partner in self:
            item_limit, storage_limit = partner._get_portal_limits()
            company = partner.company_id or self.env.company
            count = item_counts.get(partner.id, 0)
            if item_limit and count + adding_items.get(partner.id, 1) > item_limit:
                messages[partner.id] = _(
                    "Usage limit exceeded: %(name)s already has %(count)s active portal items "
                    "(limit %(limit)s). Remove items or raise the limit to add more.",
                    name=partner.name,
                    count=count,
                    limit=item_limit,
                )
            elif storage_limit and storage.get(partner.id, 0) >= storage_limit:
                messages[partner.id] = _(
                    "Usage limit exceeded: %(name)s's uploads use %(used)s MB of the %(limit)s MB allowed.",
                    name=partner.name,
                    used=round(storage.get(partner.id, 0) / 1024 / 1024, 1),
                    limit=storage_limit // 1024 // 1024,
                )
            elif (
                not partner.client_portal_id
                and company.serene_portal_limit
                and portal_counts.get(company.id, 0) >= company.serene_portal_limit
            ):
                messages[partner.id] = _(
                    "Usage limit exceeded: your practice's plan allows %(limit)s active client portals.",
                    limit=company.serene_portal_limit,
                )
        return messages

    # ------------------------------------------------------------------
    # Actions (the buttons of the Client Portal section)
    # ------------------------------------------------------------------

    def _check_portal_access(self, need="owner"):
        for partner in self:
            access = partner.portal_access
            if access == "none" or (need == "owner" and access == "team"):
                raise AccessError(
                    _(
                        "You are not allowed to manage the client portal of %(name)s: "
                        "only the client's note owner or a practice manager can.",
                        name=partner.name,
                    )
                )

    def action_client_portal_view(self):
        """The eye button: the staff preview of exactly what the client sees, in a new tab."""
        self.ensure_one()
        self._check_portal_access(need="read")
        if not self.client_portal_id:
            raise AccessError(_("Client portal is not yet set up for %(name)s.", name=self.name))
        return {
            "type": "ir.actions.act_url",
            "url": f"/portal/preview/{self.client_portal_id.id}",
            "target": "new",
        }

    def action_client_portal_create(self):
        """The portal icon: create the portal when missing, then open the preview in a new tab."""
        self.ensure_one()
        if not self.client_portal_id:
            self._check_portal_access(need="owner")
            self.env["serene.client.portal"]._get_or_create_for_partners(self)
        return self.action_client_portal_view()

    def action_client_portal_add_items(self):
        """The + button: the Add Item dialog."""
        self.ensure_one()
        self._check_portal_access(need="owner")
        if not self.portal_can_add:
            raise AccessError(self.portal_add_disabled_reason)
        return {
            "type": "ir.actions.act_window",
            "name": _("Add to %(name)s's Portal", name=self.name),
            "res_model": "serene.portal.add.item",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def action_client_portal_open_links(self):
        """The portal record: its access links (revoke one or all) and its history."""
        self.ensure_one()
        self._check_portal_access(need="owner")
        return {
            "type": "ir.actions.act_window",
            "res_model": "serene.client.portal",
            "res_id": self.client_portal_id.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_client_portal_resend_link(self):
        """Email the client a fresh access link (the guide's "Resend portal link")."""
        self.ensure_one()
        self._check_portal_access(need="owner")
        portal = self.client_portal_id or self.env["serene.client.portal"]._get_or_create_for_partners(self)
        portal._send_access_link()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("A new portal link is on its way to %(name)s.", name=self.name),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def get_client_portal_activity_summary(self):
        """The activity panel's data, loaded by the form after it opens."""
        self.ensure_one()
        self._check_portal_access(need="read")
        if not self.client_portal_id:
            return {"state": "none", "new_items": 0, "last_activity_at": None, "message": self.portal_activity_message}
        return self.client_portal_id.sudo().get_activity_summary()
