from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class SereneSeverityBand(models.Model):
    """A score range of an assessment and its clinical label (PHQ-9: 10 to 14 is Moderate)."""

    _name = "serene.severity.band"
    _description = "Assessment Severity Band"
    _order = "survey_id, sequence, min_score, id"

    survey_id = fields.Many2one("survey.survey", string="Assessment", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Severity", required=True, translate=True)
    min_score = fields.Float(string="From Score", required=True, digits=(10, 2))
    max_score = fields.Float(string="To Score", required=True, digits=(10, 2))

    _score_range = models.Constraint("CHECK(min_score <= max_score)", "A severity band starts at or below its end.")

    @api.constrains("survey_id", "min_score", "max_score")
    def _check_no_overlap(self):
        for band in self:
            others = band.survey_id.serene_severity_band_ids - band
            if any(other.min_score <= band.max_score and band.min_score <= other.max_score for other in others):
                raise ValidationError(
                    _(
                        "The severity bands of %(survey)s overlap: each total score has one band.",
                        survey=band.survey_id.title,
                    )
                )
