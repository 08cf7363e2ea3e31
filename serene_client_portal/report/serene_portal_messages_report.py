from odoo import api, models

from .serene_access_letter_report import wkhtmltopdf_prints_headers


class ReportSereneClientPortalReportPortalMessages(models.AbstractModel):
    """The secure messages of a client's portal for the record: who wrote, when, the text, the
    names of the files and when each was read, on the practice's letterhead."""

    _name = "report.serene_client_portal.report_portal_messages"
    _description = "Secure Messages (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        """Only for those who may read the thread: the report routes reach here directly. Each
        rendering is logged."""
        portals = self.env["serene.client.portal"].browse(docids)
        portals.check_access("read")
        messages = self.env["serene.portal.message"].search([("portal_id", "in", portals.ids)], order="id")
        for portal in portals:
            self.env["serene.portal.activity"]._log(portal, "messages_printed", actor="staff")
        return {
            "doc_ids": portals.ids,
            "doc_model": "serene.client.portal",
            "docs": portals,
            "threads": messages.grouped("portal_id"),
            "letterhead_in_body": (data or {}).get("report_type") == "pdf" and not wkhtmltopdf_prints_headers(),
        }
