from odoo import http

from odoo.addons.web.controllers.report import ReportController

ANSWERS_REPORT = "serene_client_portal.report_survey_answers"


class AnswersReportController(ReportController):
    """The answers PDF writes its audit row when rendered (the report's own
    ``_get_report_values``): its route needs a read/write cursor, Odoo's other reports keep
    their read-only one."""

    def _answers_report_readonly(self, rule, args):
        return args.get("reportname") != ANSWERS_REPORT

    @http.route(readonly=_answers_report_readonly)
    def report_routes(self, reportname, docids=None, converter=None, **data):
        return super().report_routes(reportname, docids=docids, converter=converter, **data)
