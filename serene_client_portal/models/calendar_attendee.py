from odoo import models


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    def _notify_attendees(self, mail_template, notify_author=False, force_send=False):
        """Invitations, changes and reminders to a client with a portal carry a link to it: the
        mails this call queued for the events' clients get one (``mail.mail._serene_add_portal_link``)."""
        # sudo: mail.mail - the queue's last row before Odoo queues the invitations
        Mail = self.env["mail.mail"].sudo()
        last_id = Mail.search([], order="id desc", limit=1).id or 0
        result = super()._notify_attendees(mail_template, notify_author=notify_author, force_send=force_send)
        # sudo: res.partner - the booking user may not read whether an attendee is a client
        clients = self.partner_id.sudo()._filter_clients()
        if clients:
            Mail.search(
                [
                    ("id", ">", last_id),
                    ("model", "=", "calendar.event"),
                    ("res_id", "in", self.event_id.ids),
                    ("recipient_ids", "in", clients.ids),
                    ("serene_portal_id", "=", False),
                ]
            )._serene_add_portal_link()
        return result
