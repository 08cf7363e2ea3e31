from odoo import models


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    def _notify_attendees(self, mail_template, notify_author=False, force_send=False):
        """Invitations, changes and reminders to a client with a portal carry a link to it: the
        mails queued under this flag get one (see ``mail.mail._serene_add_portal_link``)."""
        return super(CalendarAttendee, self.with_context(serene_calendar_mail=True))._notify_attendees(
            mail_template, notify_author=notify_author, force_send=force_send
        )
