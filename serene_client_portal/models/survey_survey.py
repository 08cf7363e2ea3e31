from odoo import fields, models


class SurveySurvey(models.Model):
    _inherit = "survey.survey"

    serene_form_kind = fields.Selection(
        [("intake_form", "Intake Form"), ("assessment", "Assessment")],
        string="Practice Library",
        help="Puts this survey in the practice's intake-form library, to assign through client portals.",
    )
