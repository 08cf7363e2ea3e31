"""Issue 23's acceptance journey in real browsers: on a 390 px touch screen, keyboard only, a
client books a 50-minute session with their note owner in the next week, moves it and cancels
it; the practitioner's calendar shows each step and the client gets one confirmation per step.
axe-core finds no violation of any impact on the booking, moving and cancelling pages. With a
service the practitioner approves, the note owner confirms the request in the backend.

The keys are real key presses sent through Chrome's DevTools protocol (``KeyboardClient``): Tab
follows the focus order, the arrows move along the radio group of free times and check."""

import base64
import logging
import os
import time
from datetime import timedelta
from pathlib import Path

from odoo import fields
from odoo.tests import tagged

from .test_booking import BookingSetup
from .test_forms_by_keyboard import KeyboardClient, PhoneJourneyMixin
from .test_ui import TourCase

_logger = logging.getLogger(__name__)

# Where the README's screenshots of online booking go when set (docs/screenshots/ of the repo).
SCREENSHOTS = os.environ.get("SERENE_SCREENSHOTS")


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestBookingJourney(BookingSetup, PhoneJourneyMixin, TourCase):
    """The client on a phone, keyboard only; the practitioner's calendar read after each step."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Open every day, 9 to 17 in UTC: the pages are read at the real time of the test, and
        # a week from a day ahead always holds free times.
        cls.hours.write(
            {
                "tz": "UTC",
                "attendance_ids": [(5, 0, 0)]
                + [
                    (0, 0, {"name": f"day {day}", "dayofweek": str(day), "hour_from": 9, "hour_to": 17})
                    for day in range(7)
                ],
            }
        )
        cls.user_owner._serene_booking_resource(cls.company).tz = "UTC"
        cls.client.tz = "UTC"
        # A 50-minute session with the client's note owner, from a day ahead.
        cls.service.write(
            {
                "serene_booking_duration": 50 / 60,
                "serene_min_notice_hours": 24,
                "serene_practitioner_ids": [(6, 0, cls.user_owner.ids)],
            }
        )
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]

    def _screenshot(self, client, filename, scroll_to=None):
        """The screen as the person sees it, for the README (only when SERENE_SCREENSHOTS is set)."""
        if not SCREENSHOTS:
            return
        # The focus ring of the last key press is not part of the picture.
        client.eval("document.activeElement && document.activeElement.blur()")
        if scroll_to:
            client.eval(f"document.querySelector({scroll_to!r}).scrollIntoView({{block: 'start'}})")
            time.sleep(0.3)
        shot = client.browser._websocket_request("Page.captureScreenshot", params={"format": "png"}, timeout=30)
        path = Path(SCREENSHOTS) / filename
        path.write_bytes(base64.b64decode(shot["data"]))
        _logger.info("screenshot saved: %s", path)

    def _choose_a_time(self, client, avoid=None, steps=1):
        """Tab into the group of free times; the arrows move along it and check the time under
        the focus. ``steps`` presses, then more while the time is ``avoid``. The chosen value."""
        client.tab_to("input[name=start]")
        self.assertFalse(client.focused()["checked"], "Tab alone chooses nothing")
        for _i in range(steps):
            client.press("ArrowRight")
        while client.focused()["value"] == avoid:
            client.press("ArrowRight")
        focused = client.focused()
        self.assertTrue(focused["checked"], "the arrow chose the time under the focus")
        self.assertEqual(client.eval("document.querySelectorAll('input[name=start]:checked').length"), 1)
        return focused["value"]

    def _success(self, client, done):
        client.wait_for(f"location.search.includes('done={done}')", what=f"the portal after '{done}'")
        client.wait_for("document.querySelector('.o_serene_success')", what="the success message")
        return client.eval("document.querySelector('.o_serene_success').innerText")

    def _owners_calendar(self):
        """The note owner's sessions with the client, as the note owner reads them, archived too."""
        self.env.invalidate_all()
        Event = self.env["calendar.event"].with_user(self.user_owner).with_context(active_test=False)
        return Event.search(
            [
                ("partner_ids", "in", self.user_owner.partner_id.id),
                ("partner_ids", "in", self.client.id),
                ("serene_portal_id", "=", self.portal.id),
            ]
        )

    def _mails_since(self, before):
        return self.booking_mails() - before

    def test_book_move_and_cancel_by_keyboard(self):
        started = time.time()
        now = fields.Datetime.now()
        chosen = {}

        # Book: from the portal's home, Tab to "Book a session", Enter; a time with the arrows.
        def book(client):
            client.open(f"/portal/{self.key}")
            client.tab_to("a.o_serene_book")
            client.press("Enter")
            client.wait_for("document.querySelector('.o_serene_book_form input[name=start]')", what="the free times")
            self.assertIn("Trauma therapy with Owner Olga", client.eval("document.body.innerText"))
            self.assertIn("50 minutes", client.eval("document.querySelector('.o_serene_book_rules').innerText"))
            self._axe_clean(client, "booking page")
            chosen["booked"] = self._choose_a_time(client)
            self._screenshot(client, "client-booking-phone.png")
            client.press("Tab")
            self.assertEqual(client.focused()["text"], "Book this time", "the submit button follows the times")
            client.press("Enter")
            self.assertIn("Your session is booked", self._success(client, "booked"))
            listed = client.eval("document.querySelector('.o_serene_appointments').innerText")
            self.assertIn("Trauma therapy", listed)
            self.assertTrue(client.eval("!!document.querySelector('.o_serene_appointment a.o_serene_move')"))
            self.assertTrue(client.eval("!!document.querySelector('.o_serene_appointment a.o_serene_cancel')"))
            self._axe_clean(client, "home after booking")
            self._screenshot(client, "client-book-move-cancel-phone.png", scroll_to=".o_serene_appointments")

        before = self.booking_mails()
        self._as_client(book)
        event = self._owners_calendar()
        self.assertEqual(len(event), 1, "the session is in the note owner's calendar")
        self.assertEqual(fields.Datetime.to_string(event.start)[:16], chosen["booked"].replace("T", " "))
        self.assertEqual(event.stop - event.start, timedelta(minutes=50))
        self.assertEqual(event.user_id, self.user_owner)
        self.assertEqual(event.serene_booking_state, "confirmed")
        self.assertTrue(now + timedelta(hours=24) <= event.start < now + timedelta(days=7), "in the next week")
        self.assertEqual(len(self._mails_since(before)), 1, "one confirmation of the booking")

        # Move: Tab to "Move" on the session, Enter; another time with the arrows.
        def move(client):
            client.open(f"/portal/{self.key}")
            client.tab_to(f"a.o_serene_move[href$='/appointment/{event.id}/move']")
            client.press("Enter")
            client.wait_for("document.querySelector('.o_serene_book_form input[name=start]')", what="the free times")
            self.assertIn("Move your session", client.eval("document.querySelector('h1').innerText"))
            self._axe_clean(client, "moving page")
            chosen["moved"] = self._choose_a_time(client, avoid=chosen["booked"], steps=3)
            client.tab_to("button.o_serene_book_submit")
            self.assertEqual(client.focused()["text"], "Move to this time")
            client.press("Enter")
            self.assertIn("Your session was moved", self._success(client, "moved"))
            self._axe_clean(client, "home after moving")

        before = self.booking_mails()
        self._as_client(move)
        self.assertEqual(self._owners_calendar(), event, "the same session, moved")
        self.assertNotEqual(chosen["moved"], chosen["booked"])
        self.assertEqual(fields.Datetime.to_string(event.start)[:16], chosen["moved"].replace("T", " "))
        self.assertEqual(event.stop - event.start, timedelta(minutes=50))
        self.assertTrue(event.active)
        self.assertEqual(len(self._mails_since(before)), 1, "one confirmation of the move")

        # Cancel: Tab to "Cancel" on the session, Enter; "Cancel this session", Enter.
        def cancel(client):
            client.open(f"/portal/{self.key}")
            client.tab_to(f"a.o_serene_cancel[href$='/appointment/{event.id}/cancel']")
            client.press("Enter")
            client.wait_for("document.querySelector('.o_serene_cancel_form')", what="the cancelling page")
            self._axe_clean(client, "cancelling page")
            client.tab_to("button.o_serene_cancel_confirm")
            self.assertEqual(client.focused()["text"], "Cancel this session")
            client.press("Enter")
            self.assertIn("Your session is cancelled", self._success(client, "cancelled"))
            self.assertFalse(client.eval("!!document.querySelector('.o_serene_appointment')"), "no longer listed")
            self._axe_clean(client, "home after cancelling")

        before = self.booking_mails()
        self._as_client(cancel)
        self.assertEqual(self._owners_calendar(), event)
        self.assertFalse(event.active, "archived: gone from the note owner's calendar")
        self.assertFalse(
            self.env["calendar.event"].with_user(self.user_owner).search([("id", "=", event.id)]),
            "not shown in the calendar",
        )
        self.assertEqual(len(self._mails_since(before)), 1, "one confirmation of the cancellation")
        self.assertEqual(len(self.booking_mails()), 3, "booked, moved, cancelled: one confirmation each")
        # sudo: serene.portal.activity - the audit trail as the auditor reads it
        audit = self.env["serene.portal.activity"].sudo().search([("portal_id", "=", self.portal.id)])
        self.assertEqual(
            sorted(row.event_type for row in audit if row.event_type.startswith("appointment_")),
            ["appointment_booked", "appointment_cancelled", "appointment_rescheduled"],
        )
        _logger.info("booking journey by keyboard (book, move, cancel): %.1f s", time.time() - started)

    def test_note_owner_confirms_a_request_in_the_backend(self):
        started = time.time()
        self.service.serene_needs_approval = True

        def request(client):
            client.open(f"/portal/{self.key}")
            client.tab_to("a.o_serene_book")
            client.press("Enter")
            client.wait_for("document.querySelector('.o_serene_book_form input[name=start]')", what="the free times")
            self._choose_a_time(client)
            client.tab_to("button.o_serene_book_submit")
            client.press("Enter")
            self.assertIn("Your practitioner will confirm it", self._success(client, "requested"))
            self.assertTrue(client.eval("!!document.querySelector('.o_serene_appointment .o_serene_waiting')"))

        before = self.booking_mails()
        self._as_client(request)
        event = self._owners_calendar()
        self.assertEqual(event.serene_booking_state, "requested")
        self.assertEqual(len(self._mails_since(before)), 1, "one notice of the request")

        before = self.booking_mails()
        self.run_tour(f"/odoo/calendar.event/{event.id}", "serene_note_owner_confirms_a_booking", "t_owner")
        self.env.invalidate_all()
        self.assertEqual(event.serene_booking_state, "confirmed")
        self.assertTrue(event.active)
        owner = event.attendee_ids.filtered(lambda attendee: attendee.partner_id == self.user_owner.partner_id)
        self.assertEqual(owner.state, "accepted")
        self.assertEqual(len(self._mails_since(before)), 1, "one confirmation of the session")

        def confirmed(client):
            client.open(f"/portal/{self.key}")
            client.wait_for("document.querySelector('.o_serene_appointment')", what="the session")
            self.assertFalse(client.eval("!!document.querySelector('.o_serene_appointment .o_serene_waiting')"))

        self._as_client(confirmed)
        _logger.info("booking journey with approval: %.1f s", time.time() - started)

    def test_services_form_with_online_booking(self):
        """The practice manager's Services form, booking on: its settings show (and are shot for
        the README)."""
        self._screen(self.desk)
        browser = KeyboardClient(self)
        try:
            with self.allow_requests(browser=browser.browser):
                self.authenticate("admin", "admin", browser=browser.browser)
                self.cr.flush()
                self.cr.clear()
                browser.open(f"/odoo/action-serene_client_portal.calendar_event_type_action/{self.service.id}")
                browser.wait_for(
                    "document.querySelector('.o_form_view .o_field_widget[name=serene_max_days_ahead]')",
                    timeout=60,
                    what="the Services form",
                )
                text = browser.eval("document.querySelector('.o_form_view').innerText")
                for label in (
                    "Clients May Book Online",
                    "Practitioners",
                    "Duration",
                    "Buffer",
                    "Book at least",
                    "Book at most",
                    "Practitioner approves each booking",
                ):
                    self.assertIn(label.lower(), text.lower())
                time.sleep(0.5)
                self._screenshot(browser, "staff-service-online-booking.png")
        finally:
            browser.stop()
