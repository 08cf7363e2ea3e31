from odoo import fields, models

from .serene_client_portal import PRACTICE_USER


class SurveySurvey(models.Model):
    _inherit = "survey.survey"

    serene_form_kind = fields.Selection(
        [("intake_form", "Intake Form"), ("assessment", "Assessment")],
        string="Practice Library",
        help="Puts this survey in the practice's intake-form library, to assign through client portals.",
    )
    serene_severity_band_ids = fields.One2many(
        "serene.severity.band",
        "survey_id",
        string="Severity Bands",
        copy=True,
        groups=PRACTICE_USER,
        help="The label of each range of total scores (PHQ-9: 0-4 Minimal ... 20-27 Severe), shown with "
        "the client's completed assessment.",
    )

    def _serene_get_severity(self, score):
        """The label of the band ``score`` (a total) falls in, or False."""
        self.ensure_one()
        # sudo: serene.severity.band - the bands are read for whoever completes or reviews the assessment
        for band in self.sudo().serene_severity_band_ids:
            if band.min_score <= score <= band.max_score:
                return band.name
        return False
