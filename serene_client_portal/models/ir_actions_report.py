from urllib.parse import urlsplit

import lxml.html

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

    def _prepare_html(self, html, report_model=False):
        """While the registry loads (the demo data signs a consent when the addon is installed),
        no Odoo answers wkhtmltopdf's requests for the report's assets: the addon's reports then
        render from their own HTML, without stylesheets or scripts to fetch."""
        prepared = super()._prepare_html(html, report_model=report_model)
        if not prepared or not self.env.context.get("serene_offline_pdf") or self.env.registry.ready:
            return prepared
        bodies, res_ids, header, footer, paperformat_args = prepared
        bodies = [self._serene_without_assets(body) for body in bodies]
        header, footer = self._serene_without_assets(header), self._serene_without_assets(footer)
        return bodies, res_ids, header, footer, paperformat_args

    def _serene_without_assets(self, html):
        """``html`` without the links and scripts wkhtmltopdf would fetch from the server (a
        string: wkhtmltopdf reads it from a file)."""
        if not html:
            return html
        root = lxml.html.fromstring(html)
        for node in root.xpath("//link[@href] | //script[@src]"):
            node.drop_tree()
        return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")

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
