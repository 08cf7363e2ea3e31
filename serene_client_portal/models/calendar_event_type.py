from odoo import fields, models


class CalendarEventType(models.Model):
    _inherit = "calendar.event.type"

    serene_survey_ids = fields.Many2many(
        "survey.survey",
        "serene_event_type_survey_rel",
        "type_id",
        "survey_id",
        string="Intake Forms",
        domain=[("serene_form_kind", "!=", False)],
        help="Forms assigned through the client portal to clients booked for this kind of appointment.",
    )
    serene_packet_id = fields.Many2one(
        "serene.portal.packet",
        string="Intake Packet",
        help="A packet assigned through the client portal to clients booked for this kind of appointment.",
    )
