import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

import pytz
import vobject
from babel.dates import format_skeleton, format_time, get_datetime_format

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import babel_locale_parse


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events._serene_assign_service_forms()
        return events

    def write(self, vals):
        result = super().write(vals)
        if {"categ_ids", "partner_ids"} & set(vals):
            self._serene_assign_service_forms()
        return result

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
