from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty


class SerenePortalAddItem(models.TransientModel):
    """The Add Item dialog: everything picked here becomes items in one go, with one notification."""

    _name = "serene.portal.add.item"
    _description = "Add Items to a Client Portal"

    partner_id = fields.Many2one("res.partner", string="Client", required=True, readonly=True)
    packet_ids = fields.Many2many("serene.portal.packet", string="Intake Packets")
    survey_ids = fields.Many2many(
        "survey.survey",
        string="Intake Forms & Assessments",
        domain=[("serene_form_kind", "!=", False), ("active", "=", True)],
    )
    resource_attachment_ids = fields.Many2many("ir.attachment", string="Resources to Share")
    line_ids = fields.One2many("serene.portal.add.item.line", "wizard_id", string="Requests and Links")
    instructions_title = fields.Char()
    instructions = fields.Html(sanitize=True, sanitize_overridable=False)
    due_date = fields.Date()
    notify_client = fields.Boolean(string="Notify the client", default=True)
    portal_exists = fields.Boolean(compute="_compute_portal_exists")

    @api.depends("partner_id")
    def _compute_portal_exists(self):
        for wizard in self:
            wizard.portal_exists = bool(wizard.partner_id.client_portal_id)

    def _prepare_item_vals(self, skip_lines=None):
        """The items to create; ``skip_lines``: packet lines the client already has open."""
        self.ensure_one()
        base = {"partner_id": self.partner_id.id, "due_date": self.due_date}
        Item = self.env["serene.portal.item"]
        vals_list = [dict(base, **Item._prepare_survey_vals(survey)) for survey in self.survey_ids]
        vals_list += self.packet_ids._prepare_item_vals(self.partner_id, skip_lines=skip_lines)
        vals_list += [
            dict(
                base,
                item_type="resource",
                name=attachment.name,
                attachment_ids=[(6, 0, attachment.ids)],
                due_date=False,
            )
            for attachment in self.resource_attachment_ids
        ]
        for line in self.line_ids:
            if line.line_type == "link":
                vals_list.append(dict(base, item_type="link", name=line.name, url=line.url, due_date=False))
            else:
                vals_list.append(
                    dict(
                        base,
                        item_type="document_request",
                        name=line.name,
                        description=line.instructions,
                        accepted_kind_ids=[(6, 0, line.accepted_kind_ids.ids)],
                    )
                )
        if not is_html_empty(self.instructions):
            vals_list.append(
                dict(
                    base,
                    item_type="instructions",
                    name=self.instructions_title or _("Instructions"),
                    description=self.instructions,
                )
            )
        return vals_list

    def action_add(self):
        self.ensure_one()
        self.partner_id._serene_check_access_level(need="owner")
        # A packet assigned again adds only what the client does not have open already.
        skipped = self.packet_ids._serene_open_lines(self.partner_id)
        vals_list = self._prepare_item_vals(skip_lines=skipped)
        if not vals_list and skipped:
            raise UserError(
                _(
                    "%(name)s already has every item of these packets open: nothing was added.",
                    name=self.partner_id.name,
                )
            )
        if not vals_list:
            raise UserError(_("Pick at least one packet, form, file, request, link or instructions to add."))
        # The packet an item comes from is the system's to record, the rest is the practitioner's.
        items = self.env["serene.portal.item"]._serene_create_with_system_values(vals_list)
        if self.notify_client:
            items._notify_client()
        message = _("%(count)s items added to %(name)s's portal.", count=len(items), name=self.partner_id.name)
        if skipped:
            message += " " + _(
                "Skipped, as the client already has them open: %(names)s.", names=", ".join(skipped.mapped("name"))
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.act_window_close", "infos": {"serene_items_added": len(items)}},
            },
        }


class SerenePortalAddItemLine(models.TransientModel):
    _name = "serene.portal.add.item.line"
    _description = "Add Items to a Client Portal: request or link"

    wizard_id = fields.Many2one("serene.portal.add.item", required=True, ondelete="cascade")
    line_type = fields.Selection(
        [("document_request", "Document Request"), ("link", "Link")],
        required=True,
        default="document_request",
    )
    name = fields.Char(string="Title", required=True)
    url = fields.Char(string="Link")
    instructions = fields.Html(sanitize=True, sanitize_overridable=False)
    accepted_kind_ids = fields.Many2many(
        "serene.upload.kind",
        string="Accepted Files",
        default=lambda self: self.env["serene.upload.kind"]._get_default_kinds(),
    )

    @api.constrains("line_type", "url")
    def _check_url(self):
        for line in self.filtered(lambda line: line.line_type == "link"):
            self.env["serene.portal.item"]._validate_url(line.url)
