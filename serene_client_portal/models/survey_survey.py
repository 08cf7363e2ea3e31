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

    def _get_number_of_attempts_lefts(self, partner, email, invite_token):
        """Forms a client completes through their portal are not attempts at a quiz: a PHQ-9
        assigned every month never runs out of attempts."""
        left = super()._get_number_of_attempts_lefts(partner, email, invite_token)
        if not partner or invite_token:  # an invitation's attempts never count portal answers
            return left
        # sudo: survey.user_input - the client's own portal answers, counted for them
        given_through_portal = (
            self.env["survey.user_input"]
            .sudo()
            .search_count(
                [
                    ("survey_id", "=", self.id),
                    ("partner_id", "=", partner.id),
                    ("test_entry", "=", False),
                    ("state", "=", "done"),
                    ("serene_item_id", "!=", False),
                ]
            )
        )
        return left + given_through_portal

    def _serene_get_severity(self, score):
        """The label of the band ``score`` (a total) falls in, or False."""
        self.ensure_one()
        # sudo: serene.severity.band - the bands are read for whoever completes or reviews the assessment
        for band in self.sudo().serene_severity_band_ids:
            if band.min_score <= score <= band.max_score:
                return band.name
        return False
