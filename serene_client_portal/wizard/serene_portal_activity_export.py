from datetime import datetime, time, timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.base.models.res_users import check_identity
from odoo.addons.web.controllers.export import CSVExport

from ..models.serene_client_portal import PRACTICE_MANAGER

# Leading characters that make a spreadsheet cell a formula, besides those Odoo's export quotes.
FORMULA_STARTS_ODOO_MISSES = ("@", "\t", "\r")

COLUMNS = [
    ("event_at", "When (UTC)"),
    ("event_type", "Event"),
    ("partner_id", "Client"),
    ("item_id", "Item"),
    ("actor", "Actor"),
    ("user_id", "Staff user"),
    ("result", "Result"),
    ("detail", "Detail"),
    ("ip_address", "IP address"),
    ("user_agent", "User agent"),
    ("key_fingerprint", "Key fingerprint"),
]


class SerenePortalActivityExport(models.TransientModel):
    """An auditor's export: the portal activity of one client or of the whole practice for a
    period, as CSV. The export is itself a row of the log."""

    _name = "serene.portal.activity.export"
    _description = "Export Client Portal Activity"

    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        domain=[("is_client", "=", True)],
        help="Leave empty for the whole practice.",
    )
    date_from = fields.Date(required=True, default=lambda self: fields.Date.today() - timedelta(days=30))
    date_to = fields.Date(required=True, default=fields.Date.today)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for export in self:
            if export.date_from > export.date_to:
                raise UserError(_("The period ends before it starts."))

    @check_identity
    def action_export(self):
        """The whole trail of a period leaves the practice: the password is asked first."""
        self.ensure_one()
        if not self.env.user.has_group(PRACTICE_MANAGER):
            raise AccessError(_("Only practice managers export portal activity."))
        domain = [
            ("company_id", "=", self.company_id.id),
            ("event_at", ">=", datetime.combine(self.date_from, time.min)),
            ("event_at", "<=", datetime.combine(self.date_to, time.max)),
        ]
        if self.partner_id:
            domain.append(("partner_id", "=", self.partner_id.id))
        events = self.env["serene.portal.activity"].search(domain, order="event_at, id")
        attachment = self.env["ir.attachment"].create(
            {
                "name": self._file_name(),
                "raw": self._to_csv(events),
                "mimetype": "text/csv",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        scope = self.partner_id.display_name or _("the whole practice")
        detail = _(
            "%(scope)s, %(start)s to %(end)s, %(count)s events",
            scope=scope,
            start=self.date_from,
            end=self.date_to,
            count=len(events),
        )
        self.env["serene.portal.activity"]._log(
            # sudo: res.partner - the audit row of an export goes on the client's portal, whoever reads it
            self.partner_id.sudo().client_portal_id,
            "audit_exported",
            actor="staff",
            company=self.company_id,
            detail=detail,
        )
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def _file_name(self):
        who = (self.partner_id.name or self.company_id.name or "practice").replace(" ", "-").lower()
        return f"portal-activity-{who}-{self.date_from}-{self.date_to}.csv"

    def _to_csv(self, events):
        """The events as Odoo's own CSV export writes them: a cell a spreadsheet would take for a
        formula (what a visitor's browser sent, a file name) starts with a quote and stays text."""
        Activity = self.env["serene.portal.activity"]
        labels = {
            name: dict(Activity._fields[name]._description_selection(self.env))
            for name in ("event_type", "actor", "result")
        }
        rows = []
        for event in events:
            row = []
            for name, _label in COLUMNS:
                value = event[name]
                if name in labels:
                    value = labels[name].get(value, value)
                elif isinstance(value, models.BaseModel):
                    value = value.display_name or ""
                elif name == "event_at":
                    value = fields.Datetime.to_string(value)
                # Odoo's export quotes a leading =, + and -; spreadsheets also run @, tab and CR.
                if isinstance(value, str) and value.startswith(FORMULA_STARTS_ODOO_MISSES):
                    value = "'" + value
                row.append(value)
            rows.append(row)
        return CSVExport().from_data(None, [label for _name, label in COLUMNS], rows).encode()
