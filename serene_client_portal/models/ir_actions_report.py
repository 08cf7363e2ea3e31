from urllib.parse import urlsplit

from odoo import models

# Where wkhtmltopdf is sent for any host but the practice's own: a closed port, so nothing
# outside is fetched even if practice-written HTML named it.
CLOSED_PROXY = "http://127.0.0.1:9"


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        """The addon's reports render with wkhtmltopdf closed to other hosts."""
        report = self._get_report(report_ref)
        if report.report_name and report.report_name.startswith("serene_client_portal."):
            self = self.with_context(serene_offline_pdf=True)
        return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)

    def _build_wkhtmltopdf_args(
        self, paperformat_id, landscape, specific_paperformat_args=None, set_viewport_size=False
    ):
        """Odoo closes local files (``--disable-local-file-access``); for the addon's reports
        every host but the practice's own (its assets) goes to a proxy that is not there."""
        args = super()._build_wkhtmltopdf_args(
            paperformat_id,
            landscape,
            specific_paperformat_args=specific_paperformat_args,
            set_viewport_size=set_viewport_size,
        )
        if self.env.context.get("serene_offline_pdf"):
            if "--disable-local-file-access" not in args:
                args.insert(0, "--disable-local-file-access")
            args += ["--proxy", CLOSED_PROXY]
            host = urlsplit(self._get_report_url()).hostname
            if host:
                args += ["--bypass-proxy-for", host]
        return args
