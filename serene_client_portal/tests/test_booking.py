"""Clients book, move and cancel sessions from their portal (issue 23): free times from the
practitioners' real working hours, time off and events, in their time zones; the practice's rules
(buffers, notice, horizon, approval, cancellation window, who books with whom); one session per
slot; an audit row, a to-do and one confirmation per step."""

import re
import threading
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import api, fields
from odoo.exceptions import AccessError, UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, HttpCase, TransactionCase, tagged
from odoo.tests.common import get_db_name

from .common import SereneCase, replay_like_a_request
from .test_client_language import ClientLanguageCase

# Monday 2 March 2026, 08:00 UTC (09:00 in Brussels).
NOW = datetime(2026, 3, 2, 8, 0)


def utc(*args):
    return datetime(*args)


class BookingSetup(SereneCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.hours = env["resource.calendar"].create(
            {
                "name": "Practice hours",
                "tz": "Europe/Brussels",
                "attendance_ids": [
                    (0, 0, {"name": f"{day} {period}", "dayofweek": str(day), "hour_from": start, "hour_to": stop})
                    for day in range(5)
                    for period, start, stop in (("am", 9, 12), ("pm", 13, 17))
                ],
            }
        )
        cls.company.resource_calendar_id = cls.hours
        for user in cls.user_owner | cls.user_team | cls.user_other:
            user.tz = "Europe/Brussels"
            user._serene_booking_resource(cls.company).write({"calendar_id": cls.hours.id, "tz": "Europe/Brussels"})
        cls.service = env["calendar.event.type"].create(
            {
                "name": "Trauma therapy",
                "serene_online_booking": True,
                "serene_booking_duration": 50 / 60,
                "serene_buffer_minutes": 10,
                "serene_min_notice_hours": 24,
                "serene_max_days_ahead": 30,
                "serene_practitioner_ids": [(6, 0, (cls.user_owner | cls.user_team | cls.user_other).ids)],
            }
        )
        cls.client.write({"tz": "Europe/Brussels", "lang": "en_US"})
        cls.portal = env["serene.client.portal"].create({"partner_id": cls.client.id})
        # Carla has had a session: she is not a new client.
        env["calendar.event"].create(
            {
                "name": "First session",
                "start": utc(2026, 2, 2, 9, 0),
                "stop": utc(2026, 2, 2, 10, 0),
                "partner_ids": [(6, 0, cls.client.ids)],
                "user_id": cls.user_owner.id,
            }
        )

    def slots(self, practitioner, start, stop, service=None, exclude=None):
        return (service or self.service)._serene_free_slots(practitioner, self.company, start, stop, exclude)

    def book(self, moment, practitioner=None, submission=None, portal=None):
        return self.env["calendar.event"]._serene_portal_book(
            (portal or self.portal).sudo(), self.service, practitioner or self.user_owner, moment, token=submission
        )

    def booking_mails(self, partner=None):
        return (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("recipient_ids", "in", (partner or self.client).ids),
                    ("serene_notification_id.kind", "=", "appointment"),
                ]
            )
        )


@tagged("post_install", "-at_install", "serene")
@freeze_time(NOW)
class TestFreeTimes(BookingSetup, TransactionCase):
    def test_working_hours_in_the_practitioners_time_zone(self):
        # Tuesday 3 March: 9, 10, 11, 13, 14, 15, 16 in Brussels (UTC+1); 16:00 ends at 16:50.
        tuesday = self.slots(self.user_owner, utc(2026, 3, 3), utc(2026, 3, 4))
        self.assertEqual([slot.hour for slot in tuesday], [8, 9, 10, 12, 13, 14, 15])
        self.assertFalse(self.slots(self.user_owner, utc(2026, 3, 7), utc(2026, 3, 9)), "no weekend hours")

    def test_notice_and_horizon(self):
        self.assertFalse(self.slots(self.user_owner, NOW, utc(2026, 3, 3)), "nothing within 24 hours")
        self.assertTrue(self.slots(self.user_owner, utc(2026, 3, 30), utc(2026, 3, 31)))
        self.assertFalse(self.slots(self.user_owner, utc(2026, 4, 2), utc(2026, 4, 4)), "nothing after 30 days")
        self.service.serene_min_notice_hours = 0
        self.assertEqual(self.slots(self.user_owner, NOW, utc(2026, 3, 2, 12))[0], utc(2026, 3, 2, 8, 0))

    def test_time_off_and_closures(self):
        resource = self.user_owner._serene_booking_resource(self.company)
        Leave = self.env["resource.calendar.leaves"]
        Leave.create(
            {
                "name": "Time off",
                "resource_id": resource.id,
                "calendar_id": self.hours.id,
                "date_from": utc(2026, 3, 4, 0),
                "date_to": utc(2026, 3, 4, 23),
            }
        )
        Leave.create(
            {
                "name": "Closed",
                "calendar_id": self.hours.id,
                "date_from": utc(2026, 3, 5, 0),
                "date_to": utc(2026, 3, 5, 23),
            }
        )
        self.assertFalse(self.slots(self.user_owner, utc(2026, 3, 4), utc(2026, 3, 5)), "the practitioner's time off")
        self.assertFalse(self.slots(self.user_owner, utc(2026, 3, 5), utc(2026, 3, 6)), "the practice's closure")
        self.assertTrue(self.slots(self.user_team, utc(2026, 3, 4), utc(2026, 3, 5)), "a colleague still works")

    def test_practice_managers_enter_closures_and_time_off_in_their_practice(self):
        resource = self.user_team._serene_booking_resource(self.company)
        Leave = self.env["resource.calendar.leaves"]
        vals = {"calendar_id": self.hours.id, "date_from": utc(2026, 3, 9, 0), "date_to": utc(2026, 3, 9, 23)}
        closure = Leave.with_user(self.user_manager).create(dict(vals, name="Closed"))
        leave = Leave.with_user(self.user_manager).create(dict(vals, name="Team time off", resource_id=resource.id))
        self.assertFalse(self.slots(self.user_owner, utc(2026, 3, 9), utc(2026, 3, 10)))
        # A practitioner enters their own time off, not a closure; another practice's manager neither.
        Leave.with_user(self.user_team).create(dict(vals, name="Own", resource_id=resource.id))
        with self.assertRaises(AccessError):
            Leave.with_user(self.user_owner).create(dict(vals, name="Closed too"))
        with self.assertRaises(AccessError):
            (closure | leave).with_user(self.user_manager_2).write({"name": "Changed"})

    def test_existing_events_and_buffers(self):
        Event = self.env["calendar.event"]
        # 11:30-12:00 in Brussels takes 11:00 (which would end at 11:50 plus its buffer).
        Event.create(
            {
                "name": "Supervision",
                "start": utc(2026, 3, 3, 10, 30),
                "stop": utc(2026, 3, 3, 11, 0),
                "partner_ids": [(6, 0, self.user_owner.partner_id.ids)],
            }
        )
        # 13:55-14:05: the buffer after 13:00 and the session at 14:00 both meet it.
        Event.create(
            {
                "name": "Call",
                "start": utc(2026, 3, 3, 12, 55),
                "stop": utc(2026, 3, 3, 13, 5),
                "partner_ids": [(6, 0, self.user_owner.partner_id.ids)],
            }
        )
        # Not busy: shown as free, and one the practitioner declined.
        Event.create(
            {
                "name": "Optional",
                "start": utc(2026, 3, 3, 14, 0),
                "stop": utc(2026, 3, 3, 15, 0),
                "show_as": "free",
                "partner_ids": [(6, 0, self.user_owner.partner_id.ids)],
            }
        )
        declined = Event.create(
            {
                "name": "Declined",
                "start": utc(2026, 3, 3, 15, 0),
                "stop": utc(2026, 3, 3, 16, 0),
                "partner_ids": [(6, 0, self.user_owner.partner_id.ids)],
            }
        )
        declined.attendee_ids.filtered(lambda a: a.partner_id == self.user_owner.partner_id).do_decline()
        tuesday = self.slots(self.user_owner, utc(2026, 3, 3), utc(2026, 3, 4))
        self.assertEqual([slot.hour for slot in tuesday], [8, 9, 14, 15])
        # Without a buffer, sessions follow each other every 50 minutes, and 13:00-13:50 fits before 13:55.
        self.service.serene_buffer_minutes = 0
        tuesday = self.slots(self.user_owner, utc(2026, 3, 3), utc(2026, 3, 4))
        self.assertEqual(tuesday[:3], [utc(2026, 3, 3, 8, 0), utc(2026, 3, 3, 8, 50), utc(2026, 3, 3, 9, 40)])
        self.assertIn(utc(2026, 3, 3, 12, 0), tuesday)
        self.assertNotIn(utc(2026, 3, 3, 12, 50), tuesday)

    def test_all_day_events_take_the_practitioners_local_day(self):
        self.env["calendar.event"].create(
            {
                "name": "Training",
                "allday": True,
                "start_date": fields.Date.to_date("2026-03-03"),
                "stop_date": fields.Date.to_date("2026-03-03"),
                "partner_ids": [(6, 0, self.user_owner.partner_id.ids)],
            }
        )
        self.assertFalse(self.slots(self.user_owner, utc(2026, 3, 3), utc(2026, 3, 4)))

    @freeze_time(datetime(2026, 3, 20, 8, 0))
    def test_a_daylight_saving_change_keeps_the_local_times(self):
        # Brussels moves to summer time on Sunday 29 March; New York moved on 8 March.
        before = self.slots(self.user_owner, utc(2026, 3, 27), utc(2026, 3, 28))
        after = self.slots(self.user_owner, utc(2026, 3, 30), utc(2026, 3, 31))
        self.assertEqual(before[0], utc(2026, 3, 27, 8, 0), "9:00 in Brussels in winter time")
        self.assertEqual(after[0], utc(2026, 3, 30, 7, 0), "9:00 in Brussels in summer time")
        self.client.tz = "America/New_York"
        week = self.portal.with_context(lang="en_US")._serene_booking_week(self.service, self.user_owner, week=1)
        days = {label: times for _iso, label, times in week["days"]}
        self.assertEqual(week["tz_name"], "America/New_York")
        friday, monday = days["Friday, March 27, 2026"], days["Monday, March 30, 2026"]
        self.assertEqual(re.sub(r"\s", " ", friday[0][1]), "4:00 AM")
        self.assertEqual(re.sub(r"\s", " ", monday[0][1]), "3:00 AM")
        self.assertEqual(monday[0][0], "2026-03-30T07:00", "the form posts the time in UTC")


@tagged("post_install", "-at_install", "serene")
@freeze_time(NOW)
class TestBookingRules(BookingSetup, TransactionCase):
    def test_a_booking_holds_the_slot_and_tells_everyone_once(self):
        moment = utc(2026, 3, 3, 9, 0)
        event = self.book(moment, submission="form-1")
        self.assertEqual(event.serene_booking_state, "confirmed")
        self.assertEqual(event.partner_ids, self.client | self.user_owner.partner_id)
        self.assertEqual(event.stop - event.start, timedelta(minutes=50))
        self.assertEqual(event.privacy, "private")
        self.assertEqual(set(event.attendee_ids.mapped("state")), {"accepted"})
        self.assertNotIn(moment, self.slots(self.user_owner, utc(2026, 3, 3), utc(2026, 3, 4)))
        self.assertEqual(self.book(moment, submission="form-1"), event, "the same form posted twice books once")
        with self.assertRaisesRegex(UserError, "this time was just taken"):
            self.book(moment, submission="form-2")
        mails = self.booking_mails()
        self.assertEqual(len(mails), 1, "one confirmation")
        self.assertIn("is confirmed", mails.body_html)
        self.assertIn("Tue, Mar 3, 2026, 10:00", re.sub(r"\s", " ", mails.body_html))
        self.assertNotIn("Trauma", mails.body_html + mails.subject, "nothing of the service")
        self.assertFalse(
            self.env["mail.mail"].sudo().search([("recipient_ids", "in", self.user_owner.partner_id.ids)]),
            "no invitation from Odoo's calendar",
        )
        rows = self.env["serene.portal.activity"].search([("portal_id", "=", self.portal.id)])
        self.assertEqual(
            rows.filtered(lambda r: r.event_type == "appointment_booked").detail, "2026-03-03 09:00:00 UTC"
        )

    def test_clients_book_with_their_note_owner_and_care_team_only(self):
        self.assertEqual(self.portal._serene_booking_practitioners(self.service), self.user_owner | self.user_team)
        self.book(utc(2026, 3, 3, 9, 0), practitioner=self.user_team)
        with self.assertRaisesRegex(UserError, "not open"):
            self.book(utc(2026, 3, 3, 9, 0), practitioner=self.user_other)
        self.service.serene_online_booking = False
        with self.assertRaisesRegex(UserError, "not open"):
            self.book(utc(2026, 3, 3, 10, 0))

    def test_first_sessions_only_when_the_practice_allows_them(self):
        newcomer = self.env["res.partner"].create(
            {"name": "New Nina", "email": "nina@example.com", "is_client": True, "company_id": self.company.id}
        )
        portal = self.env["serene.client.portal"].create({"partner_id": newcomer.id})
        self.assertFalse(portal._serene_bookable_services())
        with self.assertRaisesRegex(UserError, "first session"):
            self.book(utc(2026, 3, 3, 9, 0), portal=portal)
        self.company.serene_booking_first_session = True
        self.assertEqual(
            portal._serene_booking_practitioners(self.service),
            self.user_owner | self.user_team | self.user_other,
            "nobody of theirs: any practitioner of the service",
        )
        self.assertTrue(self.book(utc(2026, 3, 3, 9, 0), portal=portal, practitioner=self.user_other))

    def test_an_archived_portal_books_nothing(self):
        self.portal.active = False
        self.assertFalse(self.portal._serene_bookable_services())
        with self.assertRaisesRegex(UserError, "not open"):
            self.book(utc(2026, 3, 3, 9, 0))

    def test_approval_mode(self):
        self.service.serene_needs_approval = True
        event = self.book(utc(2026, 3, 3, 9, 0))
        self.assertEqual(event.serene_booking_state, "requested")
        owner_attendee = event.attendee_ids.filtered(lambda a: a.partner_id == self.user_owner.partner_id)
        self.assertEqual(owner_attendee.state, "needsAction", "shown as tentative on the practitioner's calendar")
        todo = event.activity_ids
        self.assertEqual(
            (todo.user_id, todo.summary[:10], todo.res_id), (self.user_owner, "Confirm or", self.client.id)
        )
        self.assertEqual(self.client.with_user(self.user_owner).serene_booking_request_count, 1)
        Partner = self.env["res.partner"].with_user(self.user_owner)
        self.assertIn(self.client, Partner.search([("serene_booking_request_count", ">", 0)]))
        self.assertNotIn(self.client_other, Partner.search([("serene_booking_request_count", ">", 0)]))
        self.assertEqual(self.client.with_user(self.user_other).serene_booking_request_count, 0)
        self.assertIn("was sent to", self.booking_mails().body_html)
        with self.assertRaisesRegex(UserError, "Only the practitioner"):
            event.with_user(self.user_team).action_serene_confirm_booking()
        event.with_user(self.user_owner).action_serene_confirm_booking()
        self.assertEqual(event.serene_booking_state, "confirmed")
        self.assertEqual(owner_attendee.state, "accepted")
        self.assertFalse(event.activity_ids, "the request's to-do is done")
        self.assertEqual(len(self.booking_mails()), 2)
        # A declined request frees its time and tells the client.
        second = self.book(utc(2026, 3, 3, 10, 0))
        second.with_user(self.user_manager).action_serene_decline_booking()
        self.assertFalse(second.active)
        self.assertIn(utc(2026, 3, 3, 10, 0), self.slots(self.user_owner, utc(2026, 3, 3), utc(2026, 3, 4)))
        self.assertIn("could not confirm", self.booking_mails()[0].body_html)

    def test_move_and_cancel_outside_the_window(self):
        event = self.book(utc(2026, 3, 4, 9, 0))
        event._serene_portal_reschedule(self.portal.sudo(), utc(2026, 3, 5, 13, 0))
        event._serene_portal_reschedule(self.portal.sudo(), utc(2026, 3, 5, 13, 0))
        self.assertEqual(event.start, utc(2026, 3, 5, 13, 0))
        self.assertIn(utc(2026, 3, 4, 9, 0), self.slots(self.user_owner, utc(2026, 3, 4), utc(2026, 3, 5)))
        self.assertEqual(len(self.booking_mails()), 2, "one confirmation per step, not per post")
        self.assertEqual(event.activity_ids.summary, "A client moved their session")
        with self.assertRaisesRegex(UserError, "just taken"):
            other = self.book(utc(2026, 3, 6, 9, 0))
            event._serene_portal_reschedule(self.portal.sudo(), other.start)
        event._serene_portal_cancel(self.portal.sudo())
        self.assertFalse(event.active)
        self.assertEqual(event.serene_booking_state, "cancelled")
        self.assertIn(utc(2026, 3, 5, 13, 0), self.slots(self.user_owner, utc(2026, 3, 5), utc(2026, 3, 6)))
        self.assertIn("is cancelled", self.booking_mails()[0].body_html)
        self.assertIn("A client cancelled their session", self.client.activity_ids.mapped("summary"))
        steps = self.env["serene.portal.activity"].search([("portal_id", "=", self.portal.id)]).mapped("event_type")
        self.assertEqual(
            [step for step in steps if step.startswith("appointment")],
            ["appointment_cancelled", "appointment_booked", "appointment_rescheduled", "appointment_booked"],
        )
        self.assertEqual(self.client.with_user(self.user_owner).serene_late_cancellation_count, 0)

    def test_inside_the_window_the_client_calls_and_a_late_cancellation_is_counted(self):
        self.company.phone = "+32 2 555 01 01"
        self.service.serene_min_notice_hours = 0
        event = self.book(utc(2026, 3, 3, 9, 0))  # tomorrow, 10:00 in Brussels
        self.assertTrue(event._serene_client_may_change(self.company), "25 hours ahead")
        with freeze_time(NOW + timedelta(hours=2)):
            self.assertFalse(event._serene_client_may_change(self.company))
            with self.assertRaisesRegex(UserError, r"please call .* on \+32 2 555 01 01"):
                event._serene_portal_cancel(self.portal.sudo())
            with self.assertRaisesRegex(UserError, "less than 24 hours"):
                event._serene_portal_reschedule(self.portal.sudo(), utc(2026, 3, 10, 9, 0))
            # The practice cancels it after the client's call: a late cancellation, for the practice only.
            event.with_user(self.user_owner).action_archive()
        self.assertEqual(self.client.with_user(self.user_owner).serene_late_cancellation_count, 1)
        self.assertEqual(self.client.with_user(self.user_other).serene_late_cancellation_count, 0)

    def test_the_services_forms_are_assigned_once(self):
        self.service.serene_survey_ids = self.survey_intake
        self.book(utc(2026, 3, 3, 9, 0))
        self.book(utc(2026, 3, 4, 9, 0))
        items = self.env["serene.portal.item"].search([("partner_id", "=", self.client.id)])
        self.assertEqual(items.survey_id, self.survey_intake)
        self.assertEqual(len(items), 1)


@tagged("post_install", "-at_install", "serene")
class TestBookingPages(BookingSetup, HttpCase):
    """The booking pages, over HTTP, behind the portal's key and identity check."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Open every day, all day, in UTC: the pages are read at the real time of the test.
        cls.hours.write(
            {
                "tz": "UTC",
                "attendance_ids": [(5, 0, 0)]
                + [
                    (0, 0, {"name": f"day {day}", "dayofweek": str(day), "hour_from": 0, "hour_to": 24})
                    for day in range(7)
                ],
            }
        )
        for user in cls.user_owner | cls.user_team:
            user._serene_booking_resource(cls.company).tz = "UTC"
        cls.client.tz = "UTC"
        cls.service.write({"serene_min_notice_hours": 48, "serene_buffer_minutes": 10})
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]
        cls.base = f"/portal/{cls.key}"

    def first_slots(self, page, count=2):
        return re.findall(r'name="start"[^>]*value="([0-9T:-]+)"', page)[:count]

    def post(self, path, **data):
        page = self.url_open(self.base).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.url_open(path, data={"csrf_token": csrf, **data}, allow_redirects=False)

    def test_book_move_and_cancel_over_http(self):
        home = self.url_open(self.base).text
        self.assertIn(f'href="{self.base}/book"', home)
        page = self.url_open(f"{self.base}/book").text
        self.assertIn("Book a session", page)
        self.assertIn("Owner Olga", page)
        self.assertNotIn("Other Otto", page, "only the client's own practitioners")
        first, second = self.first_slots(page)
        answer = self.post(
            f"{self.base}/book",
            service=self.service.id,
            practitioner=self.user_owner.id,
            start=first,
            submission="s1",
        )
        self.assertEqual(answer.status_code, 303)
        self.assertIn("done=booked", answer.headers["Location"])
        event = self.env["calendar.event"].search([("serene_portal_id", "=", self.portal.id)])
        self.assertEqual(fields.Datetime.to_string(event.start)[:16], first.replace("T", " "))
        home = self.url_open(self.base + "?done=booked").text
        self.assertIn("Your session is booked", home)
        self.assertIn(f"/appointment/{event.id}/move", home)
        # The time just taken, from a page that still offered it.
        taken = self.post(
            f"{self.base}/book", service=self.service.id, practitioner=self.user_owner.id, start=first, submission="s2"
        )
        self.assertEqual(taken.status_code, 409)
        self.assertIn("this time was just taken", taken.text)
        self.assertNotIn(f'value="{first}"', taken.text, "offered no more")
        moved = self.post(f"{self.base}/appointment/{event.id}/move", start=second)
        self.assertEqual(moved.status_code, 303)
        self.assertEqual(fields.Datetime.to_string(event.start)[:16], second.replace("T", " "))
        self.assertIn("Cancel your session", self.url_open(f"{self.base}/appointment/{event.id}/cancel").text)
        cancelled = self.post(f"{self.base}/appointment/{event.id}/cancel")
        self.assertEqual(cancelled.status_code, 303)
        self.assertFalse(event.active)
        self.assertEqual(len(self.booking_mails()), 3, "booked, moved, cancelled: one confirmation each")
        steps = self.env["serene.portal.activity"].search([("portal_id", "=", self.portal.id)]).mapped("event_type")
        self.assertIn("appointment_booked", steps)
        self.assertEqual(
            self.env["serene.portal.activity"]
            .search([("event_type", "=", "appointment_booked"), ("portal_id", "=", self.portal.id)])
            .actor,
            "client",
        )

    def test_inside_the_window_the_page_says_whom_to_call(self):
        self.company.phone = "+32 2 555 01 01"
        soon = fields.Datetime.now().replace(microsecond=0) + timedelta(hours=3)
        event = self.env["calendar.event"].create(
            {
                "name": "Session",
                "start": soon,
                "stop": soon + timedelta(minutes=50),
                "partner_ids": [(6, 0, (self.client | self.user_owner.partner_id).ids)],
                "user_id": self.user_owner.id,
                "categ_ids": [(6, 0, self.service.ids)],
            }
        )
        home = self.url_open(self.base).text
        self.assertNotIn(f"/appointment/{event.id}/cancel", home)
        self.assertIn("please call", home)
        page = self.url_open(f"{self.base}/appointment/{event.id}/cancel")
        self.assertEqual(page.status_code, 403)
        self.assertIn("+32 2 555 01 01", page.text)
        self.assertEqual(self.post(f"{self.base}/appointment/{event.id}/cancel").status_code, 403)
        self.assertTrue(event.active)

    def test_the_booking_routes_keep_the_portals_checks(self):
        other_key = self.env["serene.client.portal"].create({"partner_id": self.client_other.id})
        other_key = other_key._new_access_url().rsplit("/", 1)[1]
        event = self.book(fields.Datetime.now().replace(microsecond=0, second=0, minute=0) + timedelta(days=3))
        # Another client's key does not reach Carla's session.
        self.assertEqual(self.url_open(f"/portal/{other_key}/appointment/{event.id}/cancel").status_code, 404)
        # A practitioner who is not the client's is refused, never swapped for one who is.
        page = self.url_open(f"{self.base}/book").text
        answer = self.post(
            f"{self.base}/book",
            service=self.service.id,
            practitioner=self.user_other.id,
            start=self.first_slots(page, 1)[0],
            submission="other",
        )
        self.assertEqual(answer.status_code, 403)
        self.assertEqual(self.env["calendar.event"].search_count([("serene_portal_id", "=", self.portal.id)]), 1)
        # A revoked key books nothing.
        self.portal.link_ids.action_revoke()
        page = self.url_open(f"{self.base}/book", allow_redirects=False)
        self.assertEqual(page.status_code, 303)
        self.assertIn("link-not-valid", page.headers["Location"])
        # The identity check comes first.
        self.company.serene_portal_verify_birthdate = True
        key = self.portal._new_access_url().rsplit("/", 1)[1]
        self.assertEqual(self.url_open(f"/portal/{key}/book").status_code, 401)


@tagged("post_install", "-at_install", "serene")
class TestBookingConcurrency(BaseCase):
    """Two clients taking the same slot at once, with real transactions on real connections."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            owner = env.ref("base.user_admin")
            company = env.company
            hours = env["resource.calendar"].create(
                {
                    "name": "Concurrent hours",
                    "tz": "UTC",
                    "attendance_ids": [
                        (0, 0, {"name": f"d{day}", "dayofweek": str(day), "hour_from": 0, "hour_to": 24})
                        for day in range(7)
                    ],
                }
            )
            owner._serene_booking_resource(company).write({"calendar_id": hours.id, "tz": "UTC"})
            service = env["calendar.event.type"].create(
                {
                    "name": "Concurrent service",
                    "serene_online_booking": True,
                    "serene_min_notice_hours": 0,
                    "serene_practitioner_ids": [(6, 0, owner.ids)],
                }
            )
            portals = env["serene.client.portal"]
            for name in ("Concurrent Ann", "Concurrent Ben"):
                client = env["res.partner"].create(
                    {"name": name, "is_client": True, "note_owner_id": owner.id, "company_id": company.id}
                )
                env["calendar.event"].create(
                    {
                        "name": "Past",
                        "start": datetime(2020, 1, 1, 9),
                        "stop": datetime(2020, 1, 1, 10),
                        "partner_ids": [(6, 0, client.ids)],
                    }
                )
                portals |= portals.create({"partner_id": client.id})
            self.ids = {"service": service.id, "portals": portals.ids, "hours": hours.id, "owner": owner.id}
            self.slot = service._serene_free_slots(
                owner, company, datetime.now() + timedelta(days=2), datetime.now() + timedelta(days=3)
            )[0]
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            portals = env["serene.client.portal"].browse(self.ids["portals"])
            clients = portals.partner_id
            events = env["calendar.event"].with_context(active_test=False).search([("partner_ids", "in", clients.ids)])
            events.unlink()
            cr.execute("DELETE FROM serene_portal_activity WHERE portal_id IN %s", [tuple(portals.ids)])
            cr.execute("DELETE FROM serene_client_portal WHERE id IN %s", [tuple(portals.ids)])
            env["calendar.event.type"].browse(self.ids["service"]).unlink()
            cr.execute("DELETE FROM mail_message WHERE model = 'res.partner' AND res_id IN %s", [tuple(clients.ids)])
            cr.execute("DELETE FROM res_partner WHERE id IN %s", [tuple(clients.ids)])

    def test_two_clients_take_the_same_slot_at_once_one_session_one_refusal(self):
        barrier = threading.Barrier(2, timeout=30)
        outcomes = []

        def book(portal_id):
            local = threading.local()

            def attempt(cr):
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                portal = env["serene.client.portal"].browse(portal_id)
                cr.execute("SELECT 1")  # the transaction's snapshot starts here
                if not getattr(local, "synced", False):
                    local.synced = True
                    barrier.wait()
                service = env["calendar.event.type"].browse(self.ids["service"])
                owner = env["res.users"].browse(self.ids["owner"])
                env["calendar.event"]._serene_portal_book(portal, service, owner, self.slot, token=f"t{portal_id}")
                return "booked"

            try:
                outcomes.append(replay_like_a_request(self.registry, attempt))
            except UserError as error:
                outcomes.append(f"refused: {error.args[0]}")
            except Exception as error:  # reported by the assertion below
                outcomes.append(f"error: {error!r}")

        threads = [threading.Thread(target=book, args=(portal_id,)) for portal_id in self.ids["portals"]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(sorted(o.split(":")[0] for o in outcomes), ["booked", "refused"], outcomes)
        self.assertIn("this time was just taken", "".join(outcomes))
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM calendar_event WHERE serene_portal_id IN %s AND start = %s AND active",
                [tuple(self.ids["portals"]), self.slot],
            )
            self.assertEqual(cr.fetchone()[0], 1, "one session in the slot")


@tagged("post_install", "-at_install", "serene")
class TestBookingInTheClientsLanguage(BookingSetup, ClientLanguageCase, HttpCase):
    """A French client books in French: the page, the days and times, the confirmation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hours.write(
            {
                "tz": "UTC",
                "attendance_ids": [(5, 0, 0)]
                + [
                    (0, 0, {"name": f"day {day}", "dayofweek": str(day), "hour_from": 0, "hour_to": 24})
                    for day in range(7)
                ],
            }
        )
        cls.user_owner._serene_booking_resource(cls.company).tz = "UTC"
        cls.client.write({"lang": "fr_FR", "tz": "Europe/Paris"})
        cls.service.serene_min_notice_hours = 48
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]

    def test_a_french_client_books_in_french(self):
        base = f"/portal/{self.key}"
        page = self.url_open(f"{base}/book").text
        self.assertIn('lang="fr-FR"', self._html_lang(page))
        self.assertIn("Réserver une séance", page)
        self.assertIn("Réserver ce créneau", page)
        self.assertIn("Europe/Paris", page)
        self.assertTrue(
            re.search(r"<legend[^>]*>(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d+", page),
            "the days as a French reader writes them",
        )
        start = re.search(r'name="start"[^>]*value="([0-9T:-]+)"', page).group(1)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        answer = self.url_open(
            f"{base}/book",
            data={
                "csrf_token": csrf,
                "service": self.service.id,
                "practitioner": self.user_owner.id,
                "start": start,
                "submission": "fr",
            },
        )
        self.assertIn("Votre séance est réservée", answer.text)
        mail = self.booking_mails()
        self.assertEqual(mail.subject, f"{self.company.name} : votre séance")
        self.assertNotIn("is confirmed", mail.body_html)
