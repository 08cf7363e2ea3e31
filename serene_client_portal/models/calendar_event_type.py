from datetime import datetime, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CalendarEventType(models.Model):
    """A service of the practice (Odoo's appointment type): the intake forms it assigns, and
    whether and how clients book it from their portal. Its free times are its own rule
    (``_serene_free_slots``), read from the practitioners' real calendars."""

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
    serene_online_booking = fields.Boolean(
        string="Clients May Book Online",
        help="Clients book, move and cancel sessions of this service from their portal, within the rules below.",
    )
    serene_booking_duration = fields.Float(string="Duration", default=50 / 60, help="How long a session lasts.")
    serene_practitioner_ids = fields.Many2many(
        "res.users",
        "serene_event_type_practitioner_rel",
        "type_id",
        "user_id",
        string="Practitioners",
        domain=[("share", "=", False)],
        help="Who offers this service online. A client books only with their note owner and care team among them.",
    )
    serene_buffer_minutes = fields.Integer(
        string="Buffer (minutes)", default=10, help="Time kept free before and after each session."
    )
    serene_min_notice_hours = fields.Integer(
        string="Book at Least (hours ahead)",
        default=24,
        help="The soonest a client may book: this many hours from now.",
    )
    serene_max_days_ahead = fields.Integer(
        string="Book at Most (days ahead)",
        default=30,
        help="The furthest ahead a client may book.",
    )
    serene_needs_approval = fields.Boolean(
        string="Practitioner Approves Each Booking",
        help="A booking waits on the practitioner's calendar until they confirm it; the client is told either way.",
    )

    @api.constrains(
        "serene_booking_duration", "serene_buffer_minutes", "serene_min_notice_hours", "serene_max_days_ahead"
    )
    def _check_serene_booking_rules(self):
        for service in self:
            if service.serene_booking_duration <= 0 or service.serene_booking_duration > 12:
                raise ValidationError(_("A session lasts more than 0 and at most 12 hours."))
            if min(service.serene_buffer_minutes, service.serene_min_notice_hours, service.serene_max_days_ahead) < 0:
                raise ValidationError(_("Buffer, notice and booking horizon cannot be negative."))

    # ------------------------------------------------------------------
    # Free times, from the practitioners' real calendars
    # ------------------------------------------------------------------

    def _serene_session_length(self):
        self.ensure_one()
        return timedelta(minutes=round(self.serene_booking_duration * 60))

    def _serene_booking_window(self, now=None):
        """(earliest, latest) start a client may book now, naive UTC."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        return now + timedelta(hours=self.serene_min_notice_hours), now + timedelta(days=self.serene_max_days_ahead)

    def _serene_free_slots(self, practitioner, company, start, stop, exclude_event=None):
        """The session starts (naive UTC) this service offers with ``practitioner`` between
        ``start`` and ``stop`` (naive UTC), within the booking window.

        A session fits in the practitioner's working hours (their ``resource.calendar``, in its
        time zone, less time off: the practice's closures and their own leaves), keeps the
        buffer free before and after it, and overlaps none of their busy calendar events
        (``exclude_event``: the session being moved). Sessions start at the beginning of each
        stretch of working hours, one after the other (duration and buffer), at the same local
        time on either side of a daylight-saving change."""
        self.ensure_one()
        earliest, latest = self._serene_booking_window()
        start, stop = max(start, earliest), min(stop, latest)
        if start > stop:
            return []
        length = self._serene_session_length()
        buffer = timedelta(minutes=self.serene_buffer_minutes)
        step = length + buffer
        resource = practitioner._serene_booking_resource(company)
        working_hours = resource.calendar_id or company.resource_calendar_id
        if not working_hours:
            return []
        # Whole working days around the window: a stretch that began before ``start`` still
        # anchors the session times in it.
        utc_start = pytz.utc.localize(start - timedelta(days=1))
        utc_stop = pytz.utc.localize(stop + timedelta(days=1))
        # sudo: resource.calendar - clients read the practitioners' working hours and time off as free times only
        intervals = working_hours.sudo()._work_intervals_batch(utc_start, utc_stop, resources=resource.sudo())[
            resource.id
        ]
        busy = self.env["calendar.event"]._serene_busy_times(practitioner, start - step, stop + step, exclude_event)
        slots = []
        for interval_start, interval_stop, _records in intervals:
            moment = interval_start.astimezone(pytz.utc).replace(tzinfo=None)
            end = interval_stop.astimezone(pytz.utc).replace(tzinfo=None)
            while moment + length <= end:
                if start <= moment <= stop and not any(
                    busy_start < moment + length + buffer and moment - buffer < busy_stop
                    for busy_start, busy_stop in busy
                ):
                    slots.append(moment)
                moment += step
        return sorted(set(slots))

    def _serene_slot_is_free(self, practitioner, company, moment, exclude_event=None):
        self.ensure_one()
        return moment in self._serene_free_slots(practitioner, company, moment, moment, exclude_event=exclude_event)

    @api.model
    def _serene_parse_slot(self, value):
        """A slot as the portal's form posts it ("2026-12-08T09:00", UTC), or None."""
        try:
            return datetime.strptime(value or "", "%Y-%m-%dT%H:%M")
        except ValueError:
            return None
