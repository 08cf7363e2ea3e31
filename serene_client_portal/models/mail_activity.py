from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    # A note owner's to-do raised by a client or a job: its "assigned to you" notification is
    # sent by the scheduled action (serene.client.portal._cron_notify_note_owners), not by the
    # request that raised it.
    serene_notify_pending = fields.Boolean(readonly=True, copy=False, index="btree_not_null")
