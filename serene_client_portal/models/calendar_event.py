import hashlib
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pytz
import vobject
from babel.dates import format_skeleton, format_time, get_datetime_format

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import babel_locale_parse

from .serene_client_portal import PRACTICE_MANAGER, PRACTICE_USER

BOOKING_STATES = [
    ("requested", "Waiting for approval"),
    ("confirmed", "Booked online"),
    ("declined", "Declined by the practitioner"),
    ("cancelled", "Cancelled by the client"),
]


class CalendarEvent(models.Model):
    """A session: booked by staff in the calendar or by the client from their portal. The
    portal's bookings, moves and cancellations are rules of the session itself (``_serene_*``)."""

    _name = "calendar.event"
    _inherit = ["calendar.event", "serene.system.fields.mixin"]
    # Set by the portal's booking alone.
    _serene_system_fields = frozenset({"serene_booking_state", "serene_portal_id", "serene_booking_token"})

    serene_booking_state = fields.Selection(
        BOOKING_STATES, string="Online Booking", readonly=True, copy=False, index="btree_not_null"
    )
    serene_portal_id = fields.Many2one(
        "serene.client.portal",
        string="Booked From Portal",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
        groups=PRACTICE_USER,
    )
    # The booking form's one-time token: the same form posted twice books one session.
    serene_booking_token = fields.Char(readonly=True, copy=False, groups="base.group_system")

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events._serene_assign_service_forms()
        return events

    def write(self, vals):
        if vals.get("active") is False:
            self._serene_log_staff_cancellations()
        result = super().write(vals)
        if {"categ_ids", "partner_ids"} & set(vals):
            self._serene_assign_service_forms()
        return result

    @api.ondelete(at_uninstall=False)
    def _serene_log_deleted_sessions(self):
        self._serene_log_staff_cancellations()

    def _serene_assign_service_forms(self):
        """Booking a client for an appointment type that carries intake forms or a packet assigns
        them once: never again once the client has that form or packet, completed or removed.
        They go out as the booking user, for the clients whose portal that user may manage."""
        wanted = {}
        for event in self:
            surveys = event.categ_ids.serene_survey_ids
            packets = event.categ_ids.serene_packet_id
            if not surveys and not packets:
                continue
            for client in event.partner_ids.filtered("is_client"):
                survey_ids, packet_ids = wanted.setdefault(client, (set(), set()))
                survey_ids.update(surveys.ids)
                packet_ids.update(packets.ids)
        if not self.env.su:
            managed = self.env["res.partner"].browse([client.id for client in wanted])._filter_portal_managed()
            wanted = {client: ids for client, ids in wanted.items() if client.id in managed.ids}
        if not wanted:
            return
        Item = self.env["serene.portal.item"]
        # sudo: serene.portal.item - a form or packet the client has, had completed or had removed
        # is not assigned again by a booking
        had = (
            Item.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("partner_id", "in", [client.id for client in wanted]),
                    "|",
                    ("survey_id", "!=", False),
                    ("packet_id", "!=", False),
                ]
            )
        )
        assigned = {(item.partner_id.id, item.survey_id.id) for item in had if item.survey_id}
        packets_had = {(item.partner_id.id, item.packet_id.id) for item in had if item.packet_id}
        for client, (survey_ids, packet_ids) in wanted.items():
            packets = self.env["serene.portal.packet"].browse(
                sorted(pid for pid in packet_ids if (client.id, pid) not in packets_had)
            )
            vals_list = packets._prepare_item_vals(client) if packets else []
            in_packets = {vals["survey_id"] for vals in vals_list if vals.get("survey_id")}
            vals_list += [
                Item._prepare_survey_vals(survey, client)
                for survey in self.env["survey.survey"].browse(sorted(survey_ids))
                if (client.id, survey.id) not in assigned and survey.id not in in_packets
            ]
            if not vals_list:
                continue
            try:
                with self.env.cr.savepoint():
                    Item._serene_create_with_system_values(vals_list)._notify_client()
            except UserError as error:
                # Over a usage limit: the booking stands, the note owner learns why nothing went out.
                # sudo: res.partner - the booking user may not post on the client
                client.sudo().message_post(
                    body=_("Intake forms were not assigned for this appointment: %(reason)s", reason=error.args[0]),
                    subtype_xmlid="mail.mt_note",
                )

    # ------------------------------------------------------------------
    # An appointment on the client's portal
    # ------------------------------------------------------------------

    def _serene_client_when(self, tz_name):
        """When the appointment is, as the client reads it: the pattern of the page's language, in
        the client's time zone ``tz_name``, without seconds ("Tue, Dec 8, 2026, 10:13 PM")."""
        self.ensure_one()
        locale = babel_locale_parse(self.env.lang or "en_US")
        if self.allday:
            return format_skeleton("yMMMEd", self.start_date, locale=locale)
        try:
            tz = pytz.timezone(tz_name or "UTC")
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        start = pytz.utc.localize(self.start)
        return get_datetime_format("medium", locale=locale).format(
            format_time(start, "short", tzinfo=tz, locale=locale),
            format_skeleton("yMMMEd", start, tzinfo=tz, locale=locale),
        )

    def _serene_video_link(self):
        """The appointment's video call address, when it is a web address (http or https)."""
        self.ensure_one()
        url = (self.videocall_location or "").strip()
        return url if urlsplit(url).scheme in ("http", "https") else False

    def _serene_client_ics(self, company):
        """The appointment as an iCalendar file for the client's own calendar, which phones sync
        and families share: the practice's name (``company``) and the time, nothing else (no
        service, notes, room, attendees or video link: Odoo's ``_get_ics_file`` carries them all)."""
        self.ensure_one()
        calendar = vobject.iCalendar()
        event = calendar.add("vevent")
        # sudo: ir.config_parameter - the database's id, for a UID stable across downloads
        secret = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        uid = hashlib.sha256(f"{secret}:calendar.event:{self.id}".encode()).hexdigest()[:32]
        event.add("uid").value = f"{uid}@serene-client-portal"
        event.add("dtstamp").value = pytz.utc.localize(fields.Datetime.now())
        if self.allday:
            event.add("dtstart").value = self.start_date
            event.add("dtend").value = (self.stop_date or self.start_date) + timedelta(days=1)
        else:
            event.add("dtstart").value = pytz.utc.localize(self.start)
            event.add("dtend").value = pytz.utc.localize(self.stop or self.start)
        event.add("summary").value = _("Appointment with %(practice)s", practice=company.name)
        return calendar.serialize().encode()

    # ------------------------------------------------------------------
    # Busy times and the lock that keeps one session per slot
    # ------------------------------------------------------------------

    @api.model
    def _serene_busy_times(self, practitioner, start, stop, exclude_event=None):
        """[(start, stop)] (naive UTC) of ``practitioner``'s busy events overlapping ``start`` to
        ``stop``: those they have not declined and that show them as busy (all-day events: their
        whole local days). What the events are is never read out of here."""
        # sudo: calendar.event - a practitioner's busy times, for their free times only
        events = self.sudo().search_fetch(
            [
                ("partner_ids", "in", practitioner.partner_id.id),
                ("show_as", "=", "busy"),
                ("start", "<", stop + timedelta(days=1)),
                ("stop", ">", start - timedelta(days=1)),
                ("id", "not in", exclude_event.ids if exclude_event else []),
            ],
            ["start", "stop", "allday", "start_date", "stop_date"],
        )
        declined = set(
            events.attendee_ids.filtered(
                lambda a: a.partner_id == practitioner.partner_id and a.state == "declined"
            ).event_id.ids
        )
        try:
            tz = pytz.timezone(practitioner.tz or "UTC")
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        busy = []
        for event in events:
            if event.id in declined:
                continue
            if event.allday:
                day_start = tz.localize(datetime.combine(event.start_date, time.min))
                day_stop = tz.localize(
                    datetime.combine((event.stop_date or event.start_date) + timedelta(days=1), time.min)
                )
                interval = (
                    day_start.astimezone(pytz.utc).replace(tzinfo=None),
                    day_stop.astimezone(pytz.utc).replace(tzinfo=None),
                )
            else:
                interval = (event.start, event.stop or event.start)
            if interval[0] < stop and interval[1] > start:
                busy.append(interval)
        return busy

    @api.model
    def _serene_lock_practitioner(self, practitioner, company):
        """Serialize bookings with ``practitioner``: the slot check and the session's creation
        are one transaction, and a concurrent one (another tab, another client, another server)
        touching the same practitioner fails to serialize, so Odoo replays it and the replay sees
        this session (REPEATABLE READ: an UPDATE, not a mere SELECT FOR UPDATE, does that)."""
        resource = practitioner._serene_booking_resource(company)
        self.env.cr.execute(SQL("UPDATE resource_resource SET write_date = write_date WHERE id = %s", resource.id))
        return resource

    # ------------------------------------------------------------------
    # Booking, moving and cancelling from the client's portal
    # ------------------------------------------------------------------

    def _serene_service(self):
        """The service a client manages this session under: its first service open for online booking."""
        self.ensure_one()
        return self.categ_ids.filtered("serene_online_booking")[:1]

    def _serene_client_may_change(self, company):
        """Whether the client still changes this session from the portal: a service open for
        online booking, a practitioner, and more than the practice's cancellation window ahead."""
        self.ensure_one()
        if not self._serene_service() or not self.user_id or self.allday:
            return False
        return self.start - fields.Datetime.now() > timedelta(hours=company.serene_booking_cancel_hours)

    def _serene_call_instead_message(self, company):
        """What the portal says where the client may no longer change the session themselves."""
        hours = company.serene_booking_cancel_hours
        if company.phone:
            return _(
                "To cancel or move a session less than %(hours)s hours before it, "
                "please call %(practice)s on %(phone)s.",
                hours=hours,
                practice=company.name,
                phone=company.phone,
            )
        return _(
            "To cancel or move a session less than %(hours)s hours before it, please contact %(practice)s.",
            hours=hours,
            practice=company.name,
        )

    @api.model
    def _serene_portal_book(self, portal, service, practitioner, moment, link=None, token=None):
        """The client of ``portal`` books ``service`` with ``practitioner`` at ``moment`` (naive
        UTC): within the service's rules, in one transaction with the practitioner's lock.
        The same form posted twice (``token``) books once. Returns the session.

        :raise UserError: a rule refuses it, or the time was just taken
        """
        portal._serene_check_may_book(service, practitioner)
        company = portal.company_id
        self._serene_lock_practitioner(practitioner, company)
        if token:
            # sudo: calendar.event - the booking form's token, under the lock just taken
            done = (
                self.sudo()
                .with_context(active_test=False)
                .search([("serene_portal_id", "=", portal.id), ("serene_booking_token", "=", token)], limit=1)
            )
            if done:
                return done
        if not service._serene_slot_is_free(practitioner, company, moment):
            raise UserError(self._serene_taken_message())
        state = "requested" if service.serene_needs_approval else "confirmed"
        client = portal.partner_id
        # sudo: calendar.event - the client books on the practitioner's calendar; Odoo's own
        # invitation is not sent, the portal's confirmation is (no service, no notes in it)
        event = (
            self.sudo()
            .with_context(no_mail_to_attendees=True, mail_create_nosubscribe=True)
            .create(
                {
                    "name": service.name,
                    "categ_ids": [Command.set(service.ids)],
                    "start": moment,
                    "stop": moment + service._serene_session_length(),
                    "user_id": practitioner.id,
                    "partner_ids": [Command.set([client.id, practitioner.partner_id.id])],
                    "privacy": "private",
                    "serene_booking_state": state,
                    "serene_portal_id": portal.id,
                    "serene_booking_token": token or False,
                }
            )
        )
        event._serene_set_attendance(practitioner_state="accepted" if state == "confirmed" else "needsAction")
        step = "appointment_requested" if state == "requested" else "appointment_booked"
        event._serene_after_change(portal, step, link=link)
        return event

    def _serene_portal_reschedule(self, portal, moment, link=None):
        """The client moves this session to ``moment`` (naive UTC), under the same rules and lock
        as a booking; posting the same move twice moves it once."""
        self.ensure_one()
        company = portal.company_id
        if not self._serene_client_may_change(company):
            raise UserError(self._serene_call_instead_message(company))
        if self.start == moment:
            return self
        service, practitioner = self._serene_service(), self.user_id
        portal._serene_check_may_book(service, practitioner, rebooking=True)
        self._serene_lock_practitioner(practitioner, company)
        if not service._serene_slot_is_free(practitioner, company, moment, exclude_event=self):
            raise UserError(self._serene_taken_message())
        state = "requested" if service.serene_needs_approval else "confirmed"
        # sudo: calendar.event - the client moves their own session on the practitioner's calendar
        self.sudo().with_context(no_mail_to_attendees=True).write(
            {
                "start": moment,
                "stop": moment + service._serene_session_length(),
                "serene_booking_state": state,
            }
        )
        self._serene_set_attendance(practitioner_state="accepted" if state == "confirmed" else "needsAction")
        self._serene_after_change(portal, "appointment_rescheduled", link=link)
        return self

    def _serene_portal_cancel(self, portal, link=None):
        """The client cancels this session, outside the cancellation window: it leaves the
        practitioner's calendar and frees its time."""
        self.ensure_one()
        company = portal.company_id
        if not self._serene_client_may_change(company):
            raise UserError(self._serene_call_instead_message(company))
        # sudo: calendar.event - the client cancels their own session on the practitioner's calendar
        self.sudo().with_context(no_mail_to_attendees=True, serene_portal_change=True).write(
            {"serene_booking_state": "cancelled", "active": False}
        )
        self._serene_after_change(portal, "appointment_cancelled", link=link)
        return self

    def _serene_set_attendance(self, practitioner_state):
        """The client comes; the practitioner has accepted, or has yet to (a request)."""
        # sudo: calendar.attendee - the portal's booking sets the attendees' answers
        for attendee in self.sudo().attendee_ids:
            if attendee.partner_id == self.user_id.partner_id:
                attendee.state = practitioner_state
            elif attendee.partner_id.is_client:
                attendee.state = "accepted"

    def _serene_after_change(self, portal, step, link=None):
        """A booking step is logged, the practitioner gets a to-do, the client one confirmation."""
        self.ensure_one()
        actor = "client" if link else "staff"
        self.env["serene.portal.activity"]._log(portal, step, actor=actor, link=link, detail=self._serene_log_detail())
        practitioner = self.user_id
        if step != "appointment_booked" and practitioner:
            summaries = {
                "appointment_requested": _("Confirm or decline a session booked from the portal"),
                "appointment_rescheduled": _("A client moved their session"),
                "appointment_cancelled": _("A client cancelled their session"),
            }
            if step in summaries:
                # On the client's contact, linked to the session (Odoo's meeting link on to-dos).
                # sudo: mail.activity - the client's portal tells the practitioner
                portal.partner_id.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=practitioner.id,
                    summary=summaries[step],
                    note=self.with_context(lang=practitioner.lang)._serene_client_when(practitioner.tz),
                    calendar_event_id=self.id,
                )
        portal._serene_send_booking_notice(self, step)

    def _serene_log_detail(self):
        return f"{fields.Datetime.to_string(self.start)} UTC"

    @api.model
    def _serene_taken_message(self):
        return _("Sorry, this time was just taken. Please choose another time.")

    # ------------------------------------------------------------------
    # The practitioner answers a request; staff cancel a session
    # ------------------------------------------------------------------

    def action_serene_confirm_booking(self):
        """Confirm sessions clients booked from the portal that wait for approval."""
        for event in self._serene_requests_to_answer():
            # sudo: calendar.event - the practitioner's answer to a request, access checked above
            event.sudo().write({"serene_booking_state": "confirmed"})
            event._serene_set_attendance(practitioner_state="accepted")
            event._serene_close_request_todos()
            # sudo: serene.client.portal - the request's portal, to tell its client
            event._serene_after_change(event.sudo().serene_portal_id, "appointment_confirmed")
        return True

    def action_serene_decline_booking(self):
        """Decline sessions clients booked from the portal that wait for approval: the time is
        freed and the client is told."""
        for event in self._serene_requests_to_answer():
            # sudo: serene.client.portal - the request's portal, to tell its client
            portal = event.sudo().serene_portal_id
            event._serene_close_request_todos()
            # sudo: calendar.event - the practitioner's answer to a request, access checked above
            event.sudo().with_context(no_mail_to_attendees=True, serene_portal_change=True).write(
                {"serene_booking_state": "declined", "active": False}
            )
            event._serene_after_change(portal, "appointment_declined")
        return True

    def _serene_requests_to_answer(self):
        """The requests among these sessions, which the user answers as their practitioner or
        as a practice manager of the client's company (a session booked from the portal is
        private to its attendees, so the manager's answer is the system's write)."""
        user = self.env.user
        # sudo: calendar.event - whose request it is, read to decide who answers it
        requests = self.sudo().filtered(lambda e: e.serene_booking_state == "requested")
        for event in requests:
            if not event.serene_portal_id or not (
                event.user_id == user
                or (user.has_group(PRACTICE_MANAGER) and event.serene_portal_id.company_id in user.company_ids)
            ):
                raise UserError(_("Only the practitioner of a session, or a practice manager, answers its request."))
        return self.browse(requests.ids)

    def _serene_close_request_todos(self):
        # sudo: mail.activity - the request's to-do is done once it is answered
        self.sudo().activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("mail.mail_activity_data_todo")
        )._action_done()

    def _serene_log_staff_cancellations(self):
        """A session of a client with a portal that staff cancel (archive or delete) is logged on
        the portal, as a late cancellation when it was within the practice's window."""
        if self.env.context.get("serene_portal_change"):
            return
        now = fields.Datetime.now()
        # sudo: calendar.event / serene.client.portal - the client's portal keeps the trail, whoever cancels
        for event in self.sudo().filtered(lambda e: e.active and e.start and e.start > now):
            for portal in event.partner_ids.filtered("is_client").client_portal_id:
                late = event.start - now <= timedelta(hours=portal.company_id.serene_booking_cancel_hours)
                self.env["serene.portal.activity"]._log(
                    portal,
                    "appointment_cancelled_late" if late else "appointment_cancelled",
                    actor="staff",
                    detail=event._serene_log_detail(),
                )
