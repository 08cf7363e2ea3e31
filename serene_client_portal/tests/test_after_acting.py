"""What a client expects after acting: an upload's result takes the focus and is announced, a
signed consent can be downloaded again from Completed, and an appointment reads in the client's
own format, goes into their calendar (with nothing clinical in it) and opens its video call."""

import base64
import re
from datetime import datetime

from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from .common import PDF_BYTES, PNG_BYTES, SereneCase
from .test_accessibility import AXE_JS, AXE_RUN

SIGNATURE = base64.b64encode(PNG_BYTES).decode()
# Sunday 8 December 2030, 22:13:23 in New York.
START = datetime(2030, 12, 9, 3, 13, 23)
CLINICAL = ("Trauma therapy", "PTSD", "Room 2", "meet.example.com", "carla@example.com", "olga", "Owner Olga")


def one_space(text):
    """Babel separates a time from AM/PM with a narrow no-break space: compare with spaces."""
    return re.sub(r"[\u202f\u00a0]", " ", text)


class AfterActingCase(SereneCase, HttpCase):
    """A client with a document request, a consent and an appointment in New York time."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.write({"tz": "America/New_York", "lang": "en_US"})
        Item = cls.env["serene.portal.item"]
        cls.request = Item.create(
            {
                "partner_id": cls.client.id,
                "item_type": "document_request",
                "name": "ID card",
                "accepted_kind_ids": cls._kinds("pdf"),
            }
        )
        cls.consent = Item.create(
            {"partner_id": cls.client.id, "item_type": "consent", "name": "Consent", "description": "<p>I agree.</p>"}
        )
        cls.portal = cls.client.client_portal_id
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]
        cls.event = cls.env["calendar.event"].create(
            {
                "name": "Trauma therapy - Carla",
                "start": START,
                "stop": datetime(2030, 12, 9, 4, 13, 23),
                "partner_ids": [(6, 0, cls.client.ids)],
                "user_id": cls.user_owner.id,
                "location": "Room 2",
                "description": "<p>PTSD follow-up</p>",
                "videocall_location": "https://meet.example.com/carla-session",
            }
        )
        Item.create({"partner_id": cls.client_other.id, "item_type": "link", "url": "https://example.com", "name": "L"})
        cls.other_key = cls.client_other.client_portal_id._new_access_url().rsplit("/", 1)[1]

    def _home(self):
        response = self.url_open(f"/portal/{self.key}")
        self.assertEqual(response.status_code, 200)
        return response.text


@tagged("post_install", "-at_install", "serene")
class TestAfterActing(AfterActingCase):
    def test_a_signed_consent_is_downloaded_from_completed(self):
        signed = self.consent.sudo()._portal_sign("Client Carla", SIGNATURE)
        html = self._home()
        completed = html.split("o_serene_completed", 1)[1]
        link = f"/portal/{self.key}/item/{self.consent.id}/file/{signed.id}"
        self.assertIn(f'href="{link}"', completed)
        self.assertIn("Download your signed copy", completed)
        downloads = self.portal.activity_log_ids.filtered(lambda a: a.event_type == "file_downloaded")
        response = self.url_open(link)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, signed.raw, "the sealed copy, as signed")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        logged = self.portal.activity_log_ids.filtered(lambda a: a.event_type == "file_downloaded") - downloads
        self.assertEqual((len(logged), logged.actor), (1, "client"), "the download is in the audit trail")
        # Another client's link opens nothing of it; a revoked link neither.
        other = self.url_open(f"/portal/{self.other_key}/item/{self.consent.id}/file/{signed.id}")
        self.assertEqual(other.status_code, 404)
        self.assertNotIn(b"%PDF", other.content)
        self.portal.link_ids.action_revoke()
        revoked = self.url_open(link, allow_redirects=False)
        self.assertEqual(revoked.status_code, 303)
        self.assertTrue(revoked.headers["Location"].endswith("/portal/link-not-valid"))

    def test_appointments_in_the_clients_format_with_calendar_and_video(self):
        html = self._home()
        self.assertIn("Sun, Dec 8, 2030, 10:13 PM", one_space(html), "the client's time zone, no seconds")
        self.assertNotIn("10:13:23", html)
        ics_url = f"/portal/{self.key}/appointment/{self.event.id}/calendar.ics"
        self.assertIn(f'href="{ics_url}"', html)
        self.assertIn("Add to calendar", html)
        join = re.search(r"<a\b[^>]*o_serene_join_online[^>]*>", html)
        self.assertTrue(join, "Join online session")
        self.assertIn('href="https://meet.example.com/carla-session"', join.group(0))
        self.assertIn('target="_blank"', join.group(0))
        self.assertIn("Join online session", html)

        response = self.url_open(ics_url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/calendar"))
        self.assertIn("attachment", response.headers["Content-Disposition"])
        ics = response.text
        self.assertIn("BEGIN:VEVENT", ics)
        self.assertIn("DTSTART:20301209T031323Z", ics)
        self.assertIn("DTEND:20301209T041323Z", ics)
        self.assertIn(f"SUMMARY:Appointment with {self.company.name}", ics)
        for detail in (*CLINICAL, "ATTENDEE", "ORGANIZER", "DESCRIPTION", "LOCATION"):
            self.assertNotIn(detail, ics, "nothing clinical and nobody else in the client's calendar")
        self.assertEqual(response.headers.get("Cache-Control"), "no-store")

    def test_the_calendar_file_only_under_the_clients_own_live_key(self):
        ics_url = f"/portal/{{}}/appointment/{self.event.id}/calendar.ics"
        other = self.url_open(ics_url.format(self.other_key))
        self.assertEqual(other.status_code, 404, "another client's key")
        self.assertNotIn("BEGIN:VCALENDAR", other.text)
        self.portal.show_appointments = False
        self.assertEqual(self.url_open(ics_url.format(self.key)).status_code, 404, "appointments not shown")
        self.portal.show_appointments = True
        self.assertIn("BEGIN:VCALENDAR", self.url_open(ics_url.format(self.key)).text)
        self.portal.link_ids.action_revoke()
        revoked = self.url_open(ics_url.format(self.key), allow_redirects=False)
        self.assertEqual(revoked.status_code, 303, "a revoked link")
        self.assertNotIn("BEGIN:VCALENDAR", revoked.text)
        # A practice that checks who the visitor is: not before the check.
        self.company.serene_portal_verify_birthdate = True
        self.client.serene_birthdate = "1990-04-12"
        key = self.portal._new_access_url().rsplit("/", 1)[1]
        unverified = self.url_open(ics_url.format(key))
        self.assertEqual(unverified.status_code, 401, "the identity check first")
        self.assertNotIn("BEGIN:VCALENDAR", unverified.text)

    def test_no_join_button_without_a_web_address(self):
        self.event.videocall_location = False
        self.assertNotIn("Join online session", self._home())
        # Odoo makes any other address a web address on this server; one written behind its back is not shown.
        self.env.cr.execute(
            SQL("UPDATE calendar_event SET videocall_location = %s WHERE id = %s", "javascript:alert(1)", self.event.id)
        )
        self.env.invalidate_all()
        html = self._home()
        self.assertNotIn("Join online session", html)
        self.assertNotIn("javascript:alert", html)


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestAfterActingInTheBrowser(AfterActingCase):
    def test_the_upload_result_takes_the_focus(self):
        self.start_tour(f"/portal/{self.key}", "serene_upload_result_takes_the_focus")
        self.assertEqual(self.request.attachment_ids.mapped("name"), ["id-card.pdf"])

    def test_the_new_parts_of_the_home_page_pass_axe(self):
        self.consent.sudo()._portal_sign("Client Carla", SIGNATURE)
        self.request.sudo()._portal_upload([("scan.pdf", PDF_BYTES)])
        code = AXE_JS.read_text() + "\n" + AXE_RUN
        self.browser_js(
            f"/portal/{self.key}?uploaded={self.request.id}#upload-result",
            code,
            ready="document.readyState === 'complete' && !!document.querySelector('.o_serene_add_to_calendar')"
            " && !!document.querySelector('.o_serene_signed_copy') && !!document.querySelector('#upload-result')",
            timeout=120,
        )
