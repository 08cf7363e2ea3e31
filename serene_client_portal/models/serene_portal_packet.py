from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .serene_portal_item import ITEM_TYPES


class SerenePortalPacket(models.Model):
    """A saved, named set of items (an intake packet) that staff assign in one click: one
    action, one notification. On the client's portal its items are grouped under its name."""

    _name = "serene.portal.packet"
    _description = "Intake Packet"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    line_ids = fields.One2many("serene.portal.packet.line", "packet_id", string="Items", copy=True)
    line_count = fields.Integer(string="Number of Items", compute="_compute_line_count")

    @api.depends("line_ids")
    def _compute_line_count(self):
        for packet in self:
            packet.line_count = len(packet.line_ids)

    def _serene_open_lines(self, partner):
        """The lines of these packets that ``partner`` already has open: an item from the packet,
        of the same form (or type and title), not completed yet. Assigning the packet again skips them."""
        open_items = self.env["serene.portal.item"].search(
            [("partner_id", "=", partner.id), ("packet_id", "in", self.ids), ("state", "!=", "completed")]
        )
        keys = {(item.packet_id.id, item.item_type, item.survey_id.id or item.name) for item in open_items}
        return self.line_ids.filtered(
            lambda line: (line.packet_id.id, line.item_type, line.survey_id.id or line.name) in keys
        )

    def _prepare_item_vals(self, partner, skip_lines=None):
        """The items this packet gives ``partner``, due relative to today, but for ``skip_lines``."""
        today = fields.Date.context_today(self)
        vals_list = []
        for packet in self:
            if not packet.line_ids:
                raise UserError(_("The packet “%(name)s” has no items yet.", name=packet.name))
            for line in packet.line_ids - (skip_lines or self.env["serene.portal.packet.line"]):
                vals_list.append(
                    {
                        "partner_id": partner.id,
                        "packet_id": packet.id,
                        "sequence": line.sequence,
                        "item_type": line.item_type,
                        "name": line.name,
                        "survey_id": line.survey_id.id,
                        "url": line.url,
                        "description": line.description,
                        "accepted_kind_ids": [(6, 0, line.accepted_kind_ids.ids)],
                        "attachment_ids": [(6, 0, line._copy_files().ids)],
                        "due_date": line.due_days and today + timedelta(days=line.due_days),
                    }
                )
        return vals_list


class SerenePortalPacketLine(models.Model):
    _name = "serene.portal.packet.line"
    _description = "Intake Packet Item"
    _order = "sequence, id"

    packet_id = fields.Many2one("serene.portal.packet", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="packet_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    item_type = fields.Selection(ITEM_TYPES, string="Type", required=True, default="intake_form")
    name = fields.Char(string="Title", required=True, translate=True)
    survey_id = fields.Many2one("survey.survey", string="Form", domain=[("serene_form_kind", "!=", False)])
    url = fields.Char(string="Link")
    description = fields.Html(string="Text", sanitize=True, sanitize_overridable=False, translate=True)
    accepted_kind_ids = fields.Many2many(
        "serene.upload.kind",
        string="Accepted Files",
        default=lambda self: self.env["serene.upload.kind"]._get_default_kinds(),
    )
    attachment_ids = fields.Many2many("ir.attachment", string="Files")
    due_days = fields.Integer(
        string="Due After (days)", help="Due this many days after the packet is assigned (0: no due date)."
    )

    @api.onchange("survey_id")
    def _onchange_survey_id(self):
        if self.survey_id:
            vals = self.env["serene.portal.item"]._prepare_survey_vals(self.survey_id)
            self.name = self.name or vals["name"]
            self.item_type = vals["item_type"]

    @api.constrains("item_type", "survey_id", "url", "due_days")
    def _check_line(self):
        for line in self:
            self.env["serene.portal.item"]._check_form_and_link(line.item_type, line.name, line.survey_id, line.url)
            if line.due_days < 0:
                raise ValidationError(_("A due date comes after the assignment, not before."))

    def _copy_files(self):
        """Each client gets their own copy of the packet's files, owned by their item."""
        if not self.attachment_ids:
            return self.env["ir.attachment"]
        # sudo: ir.attachment - the packet's files are read by whoever assigns the packet
        return self.attachment_ids.sudo().copy({"res_model": False, "res_id": False}).with_env(self.env)
