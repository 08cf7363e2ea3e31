from odoo import _, api, fields, models
from odoo.exceptions import AccessError, RedirectWarning, UserError, ValidationError

from odoo.addons.base.models.res_users import check_identity

from ..tools.identity import identity_recently_checked
from .res_company import limit_message
from .serene_client_portal import PRACTICE_MANAGER, PRACTICE_USER

ACCESS_LEVELS = [("none", "None"), ("team", "Care Team"), ("owner", "Note Owner"), ("manager", "Manager")]
# The levels that manage a client's portal (add and remove items, links); the care team reads.
MANAGE_LEVELS = ("owner", "manager")

# Fields that decide who sees a client's portal, answers and files.
PRACTICE_FIELDS = {"note_owner_id", "care_team_user_ids", "portal_item_limit", "portal_storage_limit_mb"}
# Fields that decide who receives a client's links and codes, and who passes the identity check.
CONTACT_FIELDS = {"email", "phone", "serene_birthdate"}
# A client's details that only their note owner or a practice manager changes, each change audited.
GUARDED_FIELDS = CONTACT_FIELDS | {"serene_emergency_contact"}

# The portal's records shown on the contact: never written through it.
PORTAL_RECORD_FIELDS = {"serene_portal_ids", "portal_item_ids"}
# The fields that decide who works with a client: writing them may hand the client over.
HANDOVER_FIELDS = {"note_owner_id", "care_team_user_ids"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # "Email me a new link" finds the clients by their address: an index, not a table scan.
    email_normalized = fields.Char(index="btree_not_null")
    is_client = fields.Boolean(
        string="Is a Client",
        compute="_compute_is_client",
        store=True,
        readonly=False,
        index="btree_not_null",
        tracking=True,
        help="Set for contacts with a note owner, a care team or a portal. Only a practice manager turns a "
        "client back into a plain contact, once nobody works with them and they have no portal.",
    )
    note_owner_id = fields.Many2one(
        "res.users",
        index="btree_not_null",
        tracking=True,
        domain=lambda self: self._domain_practitioners(),
        help="The practitioner who owns this client's notes: creates the portal, adds and removes items.",
    )
    care_team_user_ids = fields.Many2many(
        "res.users",
        "serene_partner_care_team_rel",
        "partner_id",
        "user_id",
        string="Care Team",
        domain=lambda self: self._domain_practitioners(),
        help="Team members see that the portal exists and its activity, and change nothing.",
    )
    serene_portal_ids = fields.One2many(
        "serene.client.portal",
        "partner_id",
        context={"active_test": False},
        groups=PRACTICE_USER,
    )
    client_portal_id = fields.Many2one(
        "serene.client.portal",
        compute="_compute_client_portal_id",
        compute_sudo=True,
        search="_search_client_portal_id",
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
    serene_birthdate = fields.Date(
        string="Date of Birth",
        compute="_compute_guarded_details",
        inverse="_inverse_serene_birthdate",
        groups=PRACTICE_USER,
        help="Asked of portal visitors when the practice requires it. Seen by the client's note owner, "
        "care team and practice managers only.",
    )
    serene_birthdate_value = fields.Date(groups="base.group_system", copy=False)
    serene_emergency_contact = fields.Char(
        string="Emergency Contact",
        compute="_compute_guarded_details",
        inverse="_inverse_serene_emergency_contact",
        groups=PRACTICE_USER,
        help="Name and phone of the person to call in an emergency; an intake form question can fill it in. "
        "Seen by the client's note owner, care team and practice managers only.",
    )
    serene_emergency_contact_value = fields.Char(groups="base.group_system", copy=False)
    serene_show_appointments = fields.Boolean(
        string="Show Upcoming Appointments",
        related="client_portal_id.show_appointments",
        readonly=False,
        groups=PRACTICE_USER,
    )
    serene_portal_access = fields.Selection(
        ACCESS_LEVELS,
        compute="_compute_portal_access",
        groups=PRACTICE_USER,
        help="What the current user may do with this client's portal.",
    )
    serene_portal_can_manage = fields.Boolean(
        string="May Manage the Portal",
        compute="_compute_portal_access",
        groups=PRACTICE_USER,
        help="The current user is the client's note owner or a practice manager of their practice.",
    )
    serene_portal_state = fields.Selection(
        [("none", "Not Set Up"), ("active", "Recent Activity"), ("inactive", "No Recent Activity")],
        string="Portal Status",
        compute="_compute_portal_summary",
        groups=PRACTICE_USER,
    )
    serene_portal_new_items_7d = fields.Integer(
        string="New Items (7 days)",
        compute="_compute_portal_summary",
        groups=PRACTICE_USER,
    )
    serene_portal_last_activity_at = fields.Datetime(
        string="Last Portal Activity",
        compute="_compute_portal_summary",
        groups=PRACTICE_USER,
    )
    # What the Client Portal page says of a client without a portal; the activity panel
    # (get_client_portal_activity_summary) speaks for a portal.
    serene_portal_activity_message = fields.Char(compute="_compute_portal_activity_message", groups=PRACTICE_USER)
    serene_last_client_activity_at = fields.Datetime(
        string="Last Client Activity",
        compute="_compute_portal_figures",
        search="_search_last_client_activity_at",
        groups=PRACTICE_USER,
    )
    serene_pending_item_count = fields.Integer(
        string="Pending Items",
        compute="_compute_portal_figures",
        search="_search_pending_item_count",
        groups=PRACTICE_USER,
    )
    serene_message_unread_count = fields.Integer(
        string="Unread Messages",
        compute="_compute_serene_message_unread_count",
        groups=PRACTICE_USER,
        help="Secure messages from the client that nobody in the practice has read yet.",
    )
    serene_booking_request_count = fields.Integer(
        string="Booking Requests",
        compute="_compute_serene_booking_figures",
        search="_search_serene_booking_request_count",
        groups=PRACTICE_USER,
        help="Sessions the client booked from the portal that wait for the practitioner's approval.",
    )
    serene_late_cancellation_count = fields.Integer(
        string="Late Cancellations",
        compute="_compute_serene_booking_figures",
        groups=PRACTICE_USER,
        help="Sessions cancelled within the practice's cancellation window. The client does not see it.",
    )
    serene_notification_ids = fields.One2many(
        "serene.portal.notification",
        "partner_id",
        string="Notifications",
        groups=PRACTICE_USER,
    )
    serene_usage_limit_message = fields.Char(
        string="Usage Limit",
        compute="_compute_portal_usage",
        groups=PRACTICE_USER,
    )
    serene_portal_can_add = fields.Boolean(compute="_compute_portal_usage", groups=PRACTICE_USER)
    serene_add_disabled_reason = fields.Char(compute="_compute_portal_usage", groups=PRACTICE_USER)
    serene_record_input_ids = fields.One2many(
        "survey.user_input",
        "partner_id",
        string="Completed Forms",
        domain=[("serene_item_id", "!=", False), ("state", "=", "done")],
        groups=PRACTICE_USER,
    )
    serene_record_attachment_ids = fields.Many2many(
        "ir.attachment",
        string="Uploaded Documents",
        compute="_compute_portal_record_attachment_ids",
        groups=PRACTICE_USER,
    )

    @api.model
    def _domain_practitioners(self):
        # Applied to every search through these fields (the survey answer rules do): a cached
        # xmlid lookup, which also answers while the module installs and the group is missing.
        group_id = self.env["ir.model.data"]._xmlid_to_res_id(PRACTICE_USER, raise_if_not_found=False)
        return [("all_group_ids", "in", [group_id] if group_id else [])]

    @api.depends("note_owner_id", "care_team_user_ids", "serene_portal_ids")
    def _compute_is_client(self):
        """A contact someone works with, or who has a portal, is a client; others keep their tick."""
        for partner in self:
            partner.is_client = partner.is_client or partner._serene_works_with_practice()

    def _serene_works_with_practice(self):
        """Whether someone works with this contact or it has a portal: what makes a client,
        whatever the "Is a Client" tick says."""
        self.ensure_one()
        # sudo: res.partner - the portals exist whoever may read them
        return bool(self.note_owner_id or self.care_team_user_ids or self.sudo().serene_portal_ids)

    def _filter_clients(self):
        """The clients among these contacts: ticked, or someone works with them, or they have a portal."""
        return self.filtered(lambda partner: partner.is_client or partner._serene_works_with_practice())

    @api.depends_context("uid")
    @api.depends("serene_birthdate_value", "serene_emergency_contact_value")
    def _compute_guarded_details(self):
        """A client's date of birth and emergency contact (kept in system-only columns) show to
        whoever may see their portal: note owner, care team, practice managers of their company."""
        levels = {} if self.env.su else self._serene_access_levels()
        for partner in self:
            visible = self.env.su or levels.get(partner.id, "none") != "none"
            # sudo: res.partner - the stored values are read for those who may see them
            partner_sudo = partner.sudo()
            partner.serene_birthdate = partner_sudo.serene_birthdate_value if visible else False
            partner.serene_emergency_contact = partner_sudo.serene_emergency_contact_value if visible else False

    def _inverse_serene_birthdate(self):
        for partner in self:
            # sudo: res.partner - the write was checked (_check_practice_fields_write)
            partner.sudo().serene_birthdate_value = partner.serene_birthdate

    def _inverse_serene_emergency_contact(self):
        for partner in self:
            # sudo: res.partner - the write was checked (_check_practice_fields_write)
            partner.sudo().serene_emergency_contact_value = partner.serene_emergency_contact

    @api.depends("serene_portal_ids")
    def _compute_client_portal_id(self):
        # One query for the portals and the fields the form and the lists read of them.
        Portal = self.env["serene.client.portal"].with_context(active_test=False)
        portals = Portal.search_fetch(
            [("partner_id", "in", self._origin.ids)],
            ["partner_id", "company_id", "show_appointments", "pending_item_count", "last_client_activity_at"],
        )
        portal_of = {portal.partner_id.id: portal for portal in portals}
        for partner in self:
            partner.client_portal_id = portal_of.get(partner._origin.id, Portal)

    def _search_client_portal_id(self, operator, value):
        return [("serene_portal_ids", operator, value)]

    @api.depends_context("uid")
    @api.depends("note_owner_id", "care_team_user_ids")
    def _compute_portal_access(self):
        levels = self._serene_access_levels()
        for partner in self:
            partner.serene_portal_access = levels.get(partner.id, "none")
            partner.serene_portal_can_manage = partner.serene_portal_access in MANAGE_LEVELS

    def _filter_portal_managed(self):
        """The contacts whose portal the current user may manage: add and remove items, links."""
        levels = self._serene_access_levels()
        return self.filtered(lambda partner: levels[partner.id] in MANAGE_LEVELS)

    @api.depends_context("uid")
    @api.depends("client_portal_id")
    def _compute_portal_summary(self):
        visible = self.filtered(lambda p: p.serene_portal_access != "none" and p.client_portal_id)
        # sudo: serene.client.portal - summaries of the portals the access level lets the user see
        summaries = visible.client_portal_id.sudo()._get_activity_summaries()
        for partner in self:
            summary = summaries.get(partner.client_portal_id.id) if partner in visible else None
            if summary:
                partner.serene_portal_state = summary["state"]
                partner.serene_portal_new_items_7d = summary["new_items"]
                partner.serene_portal_last_activity_at = summary["last_activity_at"]
            else:
                partner.serene_portal_state = "none"
                partner.serene_portal_new_items_7d = 0
                partner.serene_portal_last_activity_at = False

    @api.depends_context("uid")
    @api.depends("client_portal_id", "name")
    def _compute_portal_activity_message(self):
        for partner in self:
            partner.serene_portal_activity_message = (
                _(
                    "Client portal is not yet set up for %(name)s. "
                    "A portal will be automatically created when you add items.",
                    name=partner.name,
                )
                if not partner.client_portal_id and partner.serene_portal_access != "none"
                else False
            )

    @api.depends_context("uid")
    @api.depends("client_portal_id.last_client_activity_at", "client_portal_id.pending_item_count")
    def _compute_portal_figures(self):
        visible = self.filtered(lambda p: p.serene_portal_access != "none" and p.client_portal_id)
        for partner in self:
            # sudo: serene.client.portal - figures of the portals the access level lets the user see
            portal_sudo = partner.client_portal_id.sudo() if partner in visible else None
            partner.serene_last_client_activity_at = portal_sudo.last_client_activity_at if portal_sudo else False
            partner.serene_pending_item_count = portal_sudo.pending_item_count if portal_sudo else 0

    @api.depends_context("uid")
    @api.depends("client_portal_id")
    def _compute_serene_message_unread_count(self):
        visible = self.filtered(lambda p: p.serene_portal_access != "none" and p.client_portal_id)
        counts = self.env["serene.portal.message"]._unread_counts(visible.client_portal_id)
        for partner in self:
            partner.serene_message_unread_count = (
                counts.get(partner.client_portal_id.id, 0) if partner in visible else 0
            )

    @api.depends_context("uid")
    @api.depends("client_portal_id")
    def _compute_serene_booking_figures(self):
        visible = self.filtered(lambda p: p.serene_portal_access != "none" and p.client_portal_id)
        waiting = dict(self._serene_booking_requests(visible.ids))
        # sudo: serene.portal.activity - counted for those who may see the client's portal
        late = dict(
            self.env["serene.portal.activity"]
            .sudo()
            ._read_group(
                [("partner_id", "in", visible.ids), ("event_type", "=", "appointment_cancelled_late")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            shown = partner in visible
            partner.serene_booking_request_count = waiting.get(partner.id, 0) if shown else 0
            partner.serene_late_cancellation_count = late.get(partner._origin, 0) if shown else 0

    @api.model
    def _serene_booking_requests(self, partner_ids=None):
        """[(client id, count)] of upcoming sessions booked from the portal waiting for approval."""
        domain = [("serene_booking_state", "=", "requested"), ("stop", ">=", fields.Datetime.now())]
        if partner_ids is not None:
            domain.append(("serene_portal_id.partner_id", "in", partner_ids))
        # sudo: calendar.event - counted per client; what the sessions are is not read
        groups = self.env["calendar.event"].sudo()._read_group(domain, ["serene_portal_id"], ["__count"])
        return [(portal.partner_id.id, count) for portal, count in groups]

    def _search_serene_booking_request_count(self, operator, value):
        if operator not in (">", ">=", "=", "!=") or not isinstance(value, int):
            raise UserError(_("Search booking requests by their number."))
        counts = dict(self._serene_booking_requests())
        matching = [pid for pid, count in counts.items() if self._serene_compare(count, operator, value)]
        if (operator in ("=", ">=") and value <= 0) or (operator == "!=" and value > 0):
            # Clients with no request match too: search them the other way round.
            return [
                (
                    "id",
                    "not in",
                    [pid for pid, count in counts.items() if not self._serene_compare(count, operator, value)],
                )
            ]
        # Searched under the user's rules: other practitioners' clients never match.
        return [("id", "in", matching)]

    @staticmethod
    def _serene_compare(count, operator, value):
        return {">": count > value, ">=": count >= value, "=": count == value, "!=": count != value}[operator]

    def _search_last_client_activity_at(self, operator, value):
        # Searched through the portals under the user's rules: other practitioners' clients never match.
        return [("serene_portal_ids", "any", [("last_client_activity_at", operator, value)])]

    def _search_pending_item_count(self, operator, value):
        return [("serene_portal_ids", "any", [("pending_item_count", operator, value)])]

    @api.depends_context("uid")
    @api.depends("client_portal_id", "portal_item_limit", "portal_storage_limit_mb", "note_owner_id", "is_client")
    def _compute_portal_usage(self):
        clients = self.filtered(lambda p: p.is_client and p.serene_portal_access != "none")
        messages = clients._serene_limit_messages()
        for partner in self:
            message = messages.get(partner.id) or False
            partner.serene_usage_limit_message = message
            if not partner.serene_portal_can_manage:
                reason = _("Only the client's note owner can add items to the portal.")
            else:
                reason = message
            partner.serene_portal_can_add = not reason
            partner.serene_add_disabled_reason = reason

    @api.depends_context("uid")
    @api.depends("portal_item_ids.attachment_ids")
    def _compute_portal_record_attachment_ids(self):
        # The client's uploads and signed consents; removed (archived) items keep them on the
        # record. A consent's own document (the text to sign) is the practice's, not a record:
        # only its signed, sealed PDF is.
        Item = self.env["serene.portal.item"].with_context(active_test=False)
        clients = [("partner_id", "in", self.ids)]
        items = Item._search([*clients, ("item_type", "in", ("document_request", "consent"))])
        requests = Item._search([*clients, ("item_type", "=", "document_request")])
        # sudo: ir.attachment - one query for the files of the items the user may read: the
        # items' subqueries carry the user's rules, as ir.attachment's own check would. The
        # files are found through all the items (the attachments' index), then told apart.
        files = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "serene.portal.item"),
                    ("res_field", "=", False),
                    ("res_id", "in", items),
                    "|",
                    ("res_id", "in", requests),
                    ("serene_sha256", "!=", False),
                ]
            )
            .with_env(self.env)
        )
        if len(self) == 1:
            self.serene_record_attachment_ids = files
            return
        partner_of = {item.id: item.partner_id.id for item in Item.browse(set(files.mapped("res_id")))}
        for partner in self:
            partner.serene_record_attachment_ids = files.filtered(lambda a, pid=partner.id: partner_of[a.res_id] == pid)

    # ------------------------------------------------------------------
    # CRUD: who may say who works with a client
    # ------------------------------------------------------------------

    @api.constrains("is_client", "note_owner_id", "care_team_user_ids")
    def _check_client_status(self):
        for partner in self:
            if not partner.is_client and partner._serene_works_with_practice():
                raise ValidationError(
                    _(
                        "%(name)s stays a client while they have a note owner, a care team or a client portal.",
                        name=partner.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self.browse()._check_practice_fields_write(vals)
        partners = super().create(vals_list)
        partners._serene_create_portals_for_new_clients()
        return partners

    def write(self, vals):
        if not self.env.su:
            self._check_practice_fields_write(vals)
        changed = GUARDED_FIELDS & set(vals)
        if HANDOVER_FIELDS & set(vals) and not self.env.su:
            # A hand-over may take the contact out of the writer's sight ("own clients only"),
            # and Odoo's write reads the contact back: what write() checks is checked here, for
            # every value, and the write is done as the system.
            self.check_access("write")
            for name in vals:
                self._check_field_access(self._fields[name], "write")
            # sudo: res.partner - access, field access and the practice's rules were checked above
            result = super(ResPartner, self.sudo()).write(vals)
        else:
            result = super().write(vals)
        if changed:
            self._serene_on_contact_details_changed(changed, revoke_links=bool(CONTACT_FIELDS & changed))
        if {"is_client", "note_owner_id", "care_team_user_ids"} & set(vals):
            self._serene_create_portals_for_new_clients()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_clients(self):
        """Practitioners archive clients; nobody deletes a client whose portal has an audit trail."""
        self._serene_check_deletable()

    def _check_practice_fields_write(self, vals):
        """Contacts are editable by every internal user; the fields that grant access to a
        client's health data are not. ``self`` is empty for a creation."""
        user = self.env.user
        if PORTAL_RECORD_FIELDS & set(vals):
            # Lists of the portal's own records: a list written empty would delete them.
            raise AccessError(
                _("A client's portal and its items are managed on the Client Portal page, not through the contact.")
            )
        if "email_normalized" in vals and self._filter_clients():
            # "Email me a new link" finds clients by it: it follows the email, never set by hand.
            raise AccessError(_("A client's normalized email follows their email address."))
        if "is_client" in vals and not vals["is_client"] and self._filter_clients():
            if not user.has_group(PRACTICE_MANAGER):
                raise AccessError(_("Only a practice manager can turn a client back into a plain contact."))
            self._filter_clients()._serene_check_access_level(need="owner")
        if GUARDED_FIELDS & set(vals):
            self._serene_check_contact_details_write()
        if CONTACT_FIELDS & set(vals):
            self._check_identity_for_contact_details()
        if not PRACTICE_FIELDS & set(vals):
            return
        if user.has_group(PRACTICE_MANAGER):
            # Of the clients of their own companies only.
            self._check_portal_access(need="owner")
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

    def _check_identity_for_contact_details(self):
        """A client's email, phone and date of birth decide who receives their links and codes:
        changing them from a web session asks for the password first (Odoo's identity check)."""
        if self._filter_clients() and not identity_recently_checked():
            raise RedirectWarning(
                _(
                    "Confirm your password before changing a client's email, phone or date of birth: "
                    "they decide who receives the client's portal links."
                ),
                self.env.ref("serene_client_portal.res_partner_action_confirm_identity").id,
                _("Confirm Password"),
            )

    @check_identity
    def action_serene_confirm_identity(self):
        """The password prompt asked before a client's contact details change; once confirmed,
        the change can be saved for ten minutes."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("Password confirmed: save the client's details again."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Actions (the buttons of the Client Portal section)
    # ------------------------------------------------------------------

    def _check_portal_access(self, need="owner"):
        """Every action starts here: the contact must be readable (a foreign id answers like a
        missing one), then the user's level on the client's portal must be at least ``need``."""
        self.check_access("read")
        self._serene_check_access_level(need=need)

    def action_client_portal_view(self):
        """The eye button: the staff preview of exactly what the client sees, in a new tab."""
        self.ensure_one()
        self._check_portal_access(need="read")
        if not self.client_portal_id:
            raise UserError(_("Client portal is not yet set up for %(name)s.", name=self.name))
        return {
            "type": "ir.actions.act_url",
            "url": f"/portal/preview/{self.client_portal_id.id}",
            "target": "new",
        }

    def action_client_portal_create(self):
        """The portal icon: create the portal when missing, then open the preview in a new tab."""
        self.ensure_one()
        self._check_portal_access(need="read")
        if not self.client_portal_id:
            self._check_portal_access(need="owner")
            self._serene_get_or_create_portals()
        return self.action_client_portal_view()

    def action_client_portal_add_items(self):
        """The + button: the Add Item dialog."""
        self.ensure_one()
        self._check_portal_access(need="owner")
        if not self.serene_portal_can_add:
            raise UserError(self.serene_add_disabled_reason)
        return {
            "type": "ir.actions.act_window",
            "name": _("Add to %(name)s's Portal", name=self.name),
            "res_model": "serene.portal.add.item",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def action_client_portal_open_messages(self):
        """The secure messages with the client (the client's unread ones are read now)."""
        self.ensure_one()
        self._check_portal_access(need="read")
        if not self.client_portal_id:
            raise UserError(_("Client portal is not yet set up for %(name)s.", name=self.name))
        return self.client_portal_id.action_open_messages()

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
        """Email the client a fresh access link (the guide's "Resend portal link"); when nothing
        can reach the client, the link is shown to copy instead, after the password."""
        self.ensure_one()
        self._check_portal_access(need="owner")
        portal = self._serene_get_or_create_portals()
        email, phone, _why_not = portal._get_client_channels()
        if not (email or phone):
            return self.action_client_portal_show_link()
        outcome = portal._send_access_link()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "A new portal link is on its way to %(name)s (%(to)s).",
                    name=self.name,
                    to=", ".join(outcome["sent_to"]),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @check_identity
    def action_client_portal_show_link(self):
        """No message can reach the client: say why, and hand a fresh link over to copy (it is
        stored nowhere). A live key on screen asks for the password first."""
        self.ensure_one()
        self._check_portal_access(need="owner")
        portal = self._serene_get_or_create_portals()
        _email, _phone, why_not = portal._get_client_channels()
        return {
            "type": "ir.actions.client",
            "tag": "serene_portal_link_dialog",
            "params": {
                "title": _("No message was sent to %(name)s", name=self.name),
                "reasons": why_not,
                "url": portal._new_access_url(),
                "printAction": self.action_client_portal_print_letter(),
            },
        }

    @check_identity
    def action_client_portal_print_letter(self):
        """A letter to hand or post to the client with a fresh access link, as a QR code and as
        text (the guide's "Print access letter"). The link is minted and logged when it prints;
        the password is asked first, as the report itself checks."""
        self.ensure_one()
        self._check_portal_access(need="owner")
        portal = self._serene_get_or_create_portals()
        return self.env.ref("serene_client_portal.action_report_access_letter").report_action(portal)

    def get_client_portal_activity_summary(self):
        """The activity panel's data, loaded by the form after it opens."""
        self.ensure_one()
        self._check_portal_access(need="read")
        # sudo: serene.client.portal - the access level was checked just above
        Portal = self.env["serene.client.portal"].sudo()
        # The week's activity, found through the client: one query; a quiet portal is looked up.
        groups = Portal._read_recent_activity([("portal_id.partner_id", "=", self.id)])
        portal = groups[0][0] if groups else Portal.browse(self.client_portal_id.id)
        if not portal:
            return {
                "state": "none",
                "new_items": 0,
                "last_activity_at": None,
                "message": self.serene_portal_activity_message,
                "client_lines": [],
            }
        return portal._add_unread_messages(portal._summarize_activity(groups))[portal.id]

    # ------------------------------------------------------------------
    # Who may do what with a client's portal
    # ------------------------------------------------------------------

    def _serene_access_levels(self):
        """{partner id: 'manager', 'owner', 'team' or 'none'}: what the current user may do with
        each client's portal. The record rules enforce the same levels on every model."""
        user = self.env.user
        if user.has_group(PRACTICE_MANAGER):
            # A practice manager manages the clients of their own companies only.
            companies = self.env.companies
            return {
                partner.id: "manager" if partner._serene_client_company() in companies else "none" for partner in self
            }
        if not user.has_group(PRACTICE_USER):
            return dict.fromkeys(self.ids, "none")
        # sudo: res.partner - one query for the clients whose care team the user is in
        team = set(self.sudo()._search([("id", "in", self.ids), ("care_team_user_ids", "in", user.ids)]))
        return {
            partner.id: "owner" if partner.note_owner_id == user else "team" if partner.id in team else "none"
            for partner in self
        }

    def _serene_check_access_level(self, need="owner"):
        """Raise unless the current user may ``need`` ('read' or 'owner') the portal of each client."""
        levels = self._serene_access_levels()
        for partner in self:
            level = levels[partner.id]
            if level == "none" or (need == "owner" and level not in MANAGE_LEVELS):
                raise AccessError(
                    _(
                        "You are not allowed to manage the client portal of %(name)s: "
                        "only the client's note owner or a practice manager can.",
                        name=partner.name,
                    )
                )

    def _serene_check_contact_details_write(self):
        """Email, phone and date of birth decide who receives a client's links and codes and who
        passes the identity check, and the emergency contact is theirs alone: on a client, only the
        note owner or a manager of their practice changes them (any practitioner while the client
        has no note owner)."""
        # sudo: res.partner - whether a contact is a client, whoever asks
        clients = self.sudo()._filter_clients()
        if not clients:
            return
        if self.env.user.has_group(PRACTICE_MANAGER):
            clients._serene_check_access_level(need="owner")
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

    def _serene_on_contact_details_changed(self, field_names, revoke_links=True):
        """A client's guarded details changed: recorded in the audit trail (the fields, never the
        values); when they route links (``revoke_links``), every live link is revoked, so that
        nobody keeps a way in through the old address."""
        # sudo: res.partner - the portal of the client, whoever changed the details
        portals = self.sudo().client_portal_id
        if not portals:
            return
        labels = ", ".join(sorted(self._fields[name].string for name in field_names))
        self.env["serene.portal.activity"]._log(portals, "contact_changed", detail=labels)
        if not revoke_links:
            return
        # sudo: serene.portal.link - revoking is part of the change, whoever made it
        portals.sudo().link_ids._filter_live().action_revoke()

    def _serene_check_deletable(self):
        """Raise unless these contacts may be deleted: practitioners archive clients instead, and a
        client whose portal has an audit trail is archived by everyone, managers included."""
        clients = self._filter_clients()
        if clients and not self.env.su and not self.env.user.has_group(PRACTICE_MANAGER):
            raise UserError(
                _("Clients are archived, not deleted: %(names)s.", names=", ".join(clients.mapped("display_name")))
            )
        # sudo: res.partner - the portal exists whoever may read it
        with_portal = self.sudo().filtered("serene_portal_ids")
        if with_portal:
            raise UserError(
                _(
                    "%(names)s have a client portal whose audit trail the practice keeps: archive them instead.",
                    names=", ".join(with_portal.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------------
    # Usage limits: items and upload storage per client, within the practice's plan
    # ------------------------------------------------------------------

    def _serene_client_company(self):
        """The practice a client belongs to: their portal's, else their contact's, else the current one."""
        self.ensure_one()
        # sudo: res.partner / serene.client.portal - the client's company, whoever asks
        partner_sudo = self.sudo()
        return partner_sudo.client_portal_id.company_id or partner_sudo.company_id or self.env.company

    def _serene_client_lang(self, company=None):
        """The language of everything the client reads: pages, forms, emails, text messages,
        letters. The contact's language when the practice's website offers it (or another variant
        of it, fr_BE for fr_FR), else the website's default; never one the website does not offer.
        ``company``: the client's practice when the caller has it at hand."""
        self.ensure_one()
        lang = self.lang
        website = (company or self._serene_client_company())._serene_website()
        if not website:
            return lang or self.env.lang or "en_US"
        offered = website.language_ids.mapped("code")
        if lang in offered:
            return lang
        base = (lang or "").split("_")[0]
        return next((code for code in offered if lang and code.split("_")[0] == base), website.default_lang_id.code)

    def _serene_client_tz(self, company=None):
        """The time zone of the dates and times the client reads: the contact's, else the practice's."""
        self.ensure_one()
        return self.tz or (company or self._serene_client_company()).partner_id.tz or "UTC"

    def _serene_client_limits(self):
        """Effective (item limit, storage limit in bytes) of a client: their own or the company's; 0 is none."""
        self.ensure_one()
        company = self._serene_client_company()
        items = self.portal_item_limit or company.serene_portal_item_limit
        storage_mb = self.portal_storage_limit_mb or company.serene_portal_storage_limit_mb
        return items, storage_mb * 1024 * 1024

    def _serene_limit_messages(self, adding=None):
        """{partner id: why no more items fit} for the clients over a limit, in two queries at most.

        ``adding`` ({partner id: count}) asks whether that many more items would fit; by default one.
        """
        adding = adding or {}
        # sudo: res.partner, serene.client.portal - usage counts everything the client has, whoever looks
        partners = self.sudo()
        usage = partners.client_portal_id._get_usage()
        # The plan's portal count matters only to clients without a portal yet.
        companies = self.env["res.company"].union(
            *(partner._serene_client_company() for partner in partners if not partner.client_portal_id)
        )
        full_plans = companies._serene_portal_plan_full()
        messages = {}
        for partner in partners:
            portal = partner.client_portal_id
            item_limit, storage_limit = partner._serene_client_limits()
            company = partner._serene_client_company()
            count, used = usage.get(portal.id, (0, 0))
            if item_limit and count + adding.get(partner.id, 1) > item_limit:
                messages[partner.id] = limit_message(
                    self.env, "items", name=partner.name, count=count, limit=item_limit
                )
            elif storage_limit and used >= storage_limit:
                messages[partner.id] = limit_message(
                    self.env,
                    "storage",
                    name=partner.name,
                    used=round(used / 1024 / 1024, 1),
                    limit=storage_limit // 1024 // 1024,
                )
            elif not portal and company in full_plans:
                messages[partner.id] = limit_message(self.env, "plan", limit=company.serene_portal_limit)
        return messages

    def _serene_check_item_limits(self, adding):
        """Raise when adding ``adding`` ({partner id: count}) items would cross a usage limit.

        Call with the clients' portals locked (``serene.client.portal._lock_rows``), so that concurrent adds queue.
        """
        messages = self._serene_limit_messages(adding=adding)
        if messages:
            raise UserError("\n".join(messages.values()))

    # ------------------------------------------------------------------
    # The client's portal: created on demand, within the practice's plan
    # ------------------------------------------------------------------

    def _serene_get_or_create_portals(self):
        """The portals of these clients, created (within the practice's plan) where missing."""
        # sudo: res.partner - a portal may exist that the caller cannot read yet
        missing = self.filtered(lambda p: not p.sudo().client_portal_id)
        if missing:
            companies = {partner: partner._serene_client_company() for partner in missing}
            for company in set(companies.values()):
                company._serene_check_portal_plan(sum(1 for c in companies.values() if c == company))
            self.env["serene.client.portal"].create(
                [{"partner_id": partner.id, "company_id": companies[partner].id} for partner in missing]
            )
        # sudo: res.partner - read the link, then hand back records under the caller's rights
        return self.sudo().client_portal_id.with_env(self.env)

    def _serene_create_portals_for_new_clients(self):
        """Practices that ask for it ("create portals proactively") give each new client a portal
        at once. Over the plan, the client is still saved and a note says why no portal came."""
        # sudo: res.partner / serene.client.portal - the practice's setting creates the portal,
        # whoever saved the client
        clients = self.sudo().filtered(
            lambda p: (
                p.is_client and not p.serene_portal_ids and (p.company_id or self.env.company).serene_portal_auto_create
            )
        )
        if not clients:
            return
        try:
            with self.env.cr.savepoint():
                clients._serene_get_or_create_portals()
        except UserError as error:
            for client in clients:
                client.message_post(
                    body=_("No client portal was created: %(reason)s", reason=error.args[0]),
                    subtype_xmlid="mail.mt_note",
                )
