from markupsafe import Markup

from odoo import fields, models


class MailActivity(models.Model):
    _name = "mail.activity"
    _inherit = ["mail.activity", "serene.system.fields.mixin"]

    # A user who may edit a to-do cannot flag it again for the job to send its notification anew.
    _serene_system_fields = frozenset({"serene_notify_pending"})

    # A note owner's to-do raised by a client or a job: its "assigned to you" notification is
    # sent by the scheduled action (serene.client.portal._cron_notify_note_owners), not by the
    # request that raised it.
    serene_notify_pending = fields.Boolean(readonly=True, copy=False, index="btree_not_null")

    def action_notify(self):
        """Odoo's "assigned to you" notification names the record (the client) and the to-do's
        summary (a form, a risk signal) in the email's subject and body. For a to-do on a client
        or on the portal's records it says only that a to-do waits, with a link to it."""
        clinical = self.filtered(lambda activity: activity._serene_is_clinical())
        result = super(MailActivity, self - clinical).action_notify()
        for activity in clinical.filtered("user_id"):
            activity._serene_notify_neutral()
        return result

    def _serene_is_clinical(self):
        """Whether this to-do is on a client or on one of the addon's records."""
        self.ensure_one()
        if not self.res_model or not self.res_id:
            return False
        if self.res_model.startswith("serene."):
            return True
        if self.res_model == "res.partner":
            # sudo: res.partner - whether the to-do's contact is a client, whoever assigned it
            return bool(self.env["res.partner"].sudo().browse(self.res_id).exists()._filter_clients())
        return False

    def _serene_notify_neutral(self):
        """The assigned user's notification (inbox or email, as they chose) in their language:
        a neutral line and the link to the to-do's record, no name, no form, no summary."""
        self.ensure_one()
        activity = self.with_context(lang=self.user_id.lang) if self.user_id.lang else self
        record = activity.env[activity.res_model].browse(activity.res_id)
        neutral = activity.env._("Client Portal to-do")
        record.message_notify(
            partner_ids=activity.user_id.partner_id.ids,
            subject=activity.env._("A to-do was assigned to you"),
            body=Markup("<p>%s</p>") % activity.env._("A to-do was assigned to you. Open it in Odoo to read it."),
            model_description=neutral,
            force_record_name=neutral,
            email_layout_xmlid="mail.mail_notification_layout",
            subtitles=[neutral],
        )
