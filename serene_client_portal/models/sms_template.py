from odoo import fields, models

from ..tools.practice_text import check_practice_text_fields, check_practice_texts, search_shipped, shipped_ids


class SmsTemplate(models.Model):
    _inherit = "sms.template"
    # What of the addon's texts a practice manager changes: the words.
    _serene_practice_text_fields = ("body",)

    # The addon's own text messages: the practice's managers edit them (ir_rules.xml), with the
    # placeholders the addon's texts use and no other code (tools/practice_text.py).
    serene_practice_text = fields.Boolean(
        "Client Portal Text",
        compute="_compute_serene_practice_text",
        search="_search_serene_practice_text",
        help="One of the Client Portal's text messages: practice managers may edit it.",
    )

    def _compute_serene_practice_text(self):
        shipped = shipped_ids(self)
        for template in self:
            template.serene_practice_text = template.id in shipped

    def _search_serene_practice_text(self, operator, value):
        return search_shipped(self, operator, value)

    def write(self, vals):
        check_practice_text_fields(self, vals, self._serene_practice_text_fields)
        return super().write(vals)

    def _check_access_right_dynamic_template(self):
        texts = check_practice_texts(self)
        return super(SmsTemplate, self - texts)._check_access_right_dynamic_template()
