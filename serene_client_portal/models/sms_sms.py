from odoo import fields, models


class SmsSms(models.Model):
    _inherit = "sms.sms"

    # The portal a client text message (link, code) belongs to; removed once sent or given up.
    serene_portal_id = fields.Many2one("serene.client.portal", index="btree_not_null", ondelete="cascade")
