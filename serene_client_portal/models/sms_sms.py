from odoo import fields, models

from .serene_portal_notification import SMS_STATES


class SmsSms(models.Model):
    _inherit = "sms.sms"

    # The portal a client text message (link, code) belongs to; removed once sent or given up.
    serene_portal_id = fields.Many2one("serene.client.portal", index="btree_not_null", ondelete="cascade")
    # What staff see of it once it is gone: queued, sent or failed.
    serene_notification_id = fields.Many2one("serene.portal.notification", index="btree_not_null", ondelete="set null")

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals and vals["state"] in SMS_STATES:
            tracked = self.filtered("serene_notification_id")
            if tracked:
                reason = dict(self._fields["failure_type"]._description_selection(self.env)).get(
                    vals.get("failure_type")
                )
                tracked.serene_notification_id._follow(SMS_STATES[vals["state"]], reason)
        return result
