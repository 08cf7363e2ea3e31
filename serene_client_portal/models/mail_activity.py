from odoo import fields, models


class MailActivity(models.Model):
    _inherit = ["mail.activity", "serene.system.fields.mixin"]

    # A user who may edit a to-do cannot flag it again for the job to send its notification anew.
    _serene_system_fields = frozenset({"serene_notify_pending"})

    # A note owner's to-do raised by a client or a job: its "assigned to you" notification is
    # sent by the scheduled action (serene.client.portal._cron_notify_note_owners), not by the
    # request that raised it.
    serene_notify_pending = fields.Boolean(readonly=True, copy=False, index="btree_not_null")
