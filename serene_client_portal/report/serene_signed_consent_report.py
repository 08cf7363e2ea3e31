from odoo import api, models

from ..tools import drop_remote_resources


class ReportSereneClientPortalReportSignedConsent(models.AbstractModel):
    """The signed consent's page: the consent text as the practice wrote it, less anything a
    renderer would fetch from another host (an image or stylesheet named by URL)."""

    _name = "report.serene_client_portal.report_signed_consent"
    _description = "Signed Consent (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        items = self.env["serene.portal.item"].browse(docids)
        items.check_access("read")
        return {
            "doc_ids": items.ids,
            "doc_model": "serene.portal.item",
            "docs": items,
            "consent_texts": {item.id: drop_remote_resources(item.description) for item in items},
        }
