from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Client fields a form question may fill in: (contact field, question types that answer it).
PARTNER_FIELDS = {
    "phone": ("phone", ("char_box",)),
    "street": ("street", ("char_box", "text_box")),
    "birthdate": ("serene_birthdate", ("date",)),
    "emergency_contact": ("serene_emergency_contact", ("char_box", "text_box")),
}


class SurveyQuestion(models.Model):
    _inherit = "survey.question"

    serene_partner_field = fields.Selection(
        [
            ("phone", "Phone"),
            ("street", "Address"),
            ("birthdate", "Date of Birth"),
            ("emergency_contact", "Emergency Contact"),
        ],
        string="Fills Client Field",
        help="When a client completes this form from their portal, their answer updates this field of "
        "their contact (an empty answer changes nothing). The change is recorded in the portal activity.",
    )
    serene_risk_threshold = fields.Float(
        string="Risk Signal From",
        help="Number questions: an answer at or above this value alerts the note owner at once. 0: none.",
    )

    @api.constrains("serene_partner_field", "question_type")
    def _check_serene_partner_field(self):
        for question in self.filtered("serene_partner_field"):
            if question.question_type not in PARTNER_FIELDS[question.serene_partner_field][1]:
                raise ValidationError(
                    _(
                        "“%(question)s” cannot fill the client's %(field)s: choose a question of a matching type "
                        "(text for a phone, an address or an emergency contact; a date for the date of birth).",
                        question=question.title,
                        field=dict(self._fields["serene_partner_field"]._description_selection(self.env))[
                            question.serene_partner_field
                        ],
                    )
                )


class SurveyQuestionAnswer(models.Model):
    _inherit = "survey.question.answer"

    serene_risk_signal = fields.Boolean(
        string="Risk signal",
        help="Choosing this answer alerts the client's note owner at once: an urgent to-do and an email "
        "(which names no form and no answer), and a red flag on the client's Records.",
    )
