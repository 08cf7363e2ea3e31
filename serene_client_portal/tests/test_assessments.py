"""Assessments in the chart: severity bands, risk alerts, sealed answers, mapped client fields
and the answers' PDF, each as the note owner, the care team and another practitioner meet it."""

import hashlib
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.serene_client_portal.demo.serene_portal_demo import PHQ9_BANDS, PHQ9_ITEMS

from .common import SereneCase

REPORT = "serene_client_portal.report_survey_answers"
ITEM_9 = PHQ9_ITEMS[-1]


@tagged("post_install", "-at_install", "serene")
class TestAssessments(MockEmail, SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.phq9 = cls.env["serene.portal.demo"]._create_phq9({"title": "Test PHQ-9"})
        cls.phq9_questions = cls.phq9.question_ids.sorted("sequence")

        def question(title, kind, field=False):
            return (0, 0, {"title": title, "question_type": kind, "serene_partner_field": field})

        cls.intake = cls.env["survey.survey"].create(
            {
                "title": "Test Intake",
                "serene_form_kind": "intake_form",
                "access_mode": "token",
                "users_login_required": False,
                "questions_layout": "one_page",
                "scoring_type": "no_scoring",
                "question_and_page_ids": [
                    question("Your mobile number", "char_box", "phone"),
                    question("Your address", "text_box", "street"),
                    question("Your date of birth", "date", "birthdate"),
                    question("Who should we call in an emergency?", "char_box", "emergency_contact"),
                    question("What brings you here?", "text_box"),
                ],
            }
        )
        cls.client.write({"street": "Old Street 5"})

    def _complete(self, survey, answers, kind="assessment"):
        """The client completes ``survey`` from their portal: ``answers`` is {question: answer}."""
        item = self._add(item_type=kind, survey_id=survey.id)
        answer = item.sudo()._portal_start_form()
        for question, value in answers.items():
            answer._save_lines(question, value)
        answer._mark_done()
        return item, answer

    def _phq9(self, scores):
        """Complete the test PHQ-9 with one score (0 to 3) per item."""
        answers = {
            question: question.suggested_answer_ids.filtered(lambda a, s=score: a.answer_score == s).id
            for question, score in zip(self.phq9_questions, scores, strict=True)
        }
        return self._complete(self.phq9, answers)

    def _owner_mails(self):
        return self._new_mails.filtered(
            lambda mail: self.user_owner.partner_id in mail.recipient_ids or "olga@example.com" in (mail.email_to or "")
        )

    def test_a_risk_answer_alerts_the_note_owner_at_once(self):
        with self.mock_mail_gateway():
            item, answer = self._phq9([1, 1, 2, 1, 0, 1, 2, 1, 1])
        self.assertTrue(answer.serene_risk_flag)
        self.assertTrue(item.with_user(self.user_owner).serene_risk_flag, "the Client Portal page shows the flag")
        portal = self.client.client_portal_id
        todos = portal.activity_ids.filtered(lambda a: a.user_id == self.user_owner)
        self.assertEqual(len(todos), 1, "one to-do: the urgent one")
        self.assertTrue(todos.summary.startswith("Urgent:"), todos.summary)
        # Due today in the note owner's time zone, else the practice's, not the test runner's.
        owner_tz = self.user_owner.tz or self.client.client_portal_id.company_id.partner_id.tz or "UTC"
        today = fields.Date.context_today(self.user_owner.with_context(tz=owner_tz))
        self.assertEqual(todos.date_deadline, today)
        self.assertIn("risk signal", portal.message_ids[0].body)

        mails = self._owner_mails()
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.state, "sent", "sent at once, not left for the mail queue")
        sent = [mail for mail in self._mails if "olga@example.com" in str(mail["email_to"])]
        self.assertEqual(len(sent), 1)
        text = f"{mails.subject}\n{mails.body_html}\n{sent[0]['subject']}\n{sent[0]['body']}"
        self.assertIn(f"/odoo/res.partner/{self.client.id}", text)
        for secret in (ITEM_9, "PHQ", "Several days", "More than half", self.phq9.title, "Mild", "score", "Carla"):
            self.assertNotIn(secret, text, "the email says nothing of the client, the form or its answers")

    def test_no_risk_answer_no_alert(self):
        with self.mock_mail_gateway():
            _item, answer = self._phq9([3, 3, 2, 0, 0, 0, 0, 0, 0])
        self.assertFalse(answer.serene_risk_flag)
        todos = self.client.client_portal_id.activity_ids.filtered(lambda a: a.user_id == self.user_owner)
        self.assertEqual(todos.mapped("summary"), ["Review Test PHQ-9"])
        self.assertFalse(self._owner_mails())

    def test_a_number_at_its_risk_threshold_is_a_risk_signal(self):
        survey = self.env["survey.survey"].create(
            {
                "title": "Safety check",
                "serene_form_kind": "assessment",
                "access_mode": "token",
                "users_login_required": False,
                "scoring_type": "no_scoring",
                "question_and_page_ids": [
                    (0, 0, {"title": "Days", "question_type": "numerical_box", "serene_risk_threshold": 1})
                ],
            }
        )
        question = survey.question_ids
        self.assertFalse(self._complete(survey, {question: "0"})[1].serene_risk_flag)
        self.assertTrue(self._complete(survey, {question: "2"})[1].serene_risk_flag)

    def test_total_and_severity_band(self):
        for scores, total, band in (
            ([0] * 9, 0, "Minimal"),
            ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "Mild"),
            ([2, 2, 2, 2, 2, 1, 1, 0, 0], 12, "Moderate"),
            ([3, 3, 3, 3, 3, 2, 2, 0, 0], 19, "Moderately severe"),
            ([3] * 9, 27, "Severe"),
        ):
            with self.subTest(total=total):
                _item, answer = self._phq9(scores)
                self.assertEqual(answer.scoring_total, total)
                self.assertAlmostEqual(answer.scoring_percentage, round(total / 27 * 100, 2))
                self.assertEqual(answer.serene_severity, band)
        records = self.client.with_user(self.user_team).serene_record_input_ids
        self.assertEqual(len(records), 5)
        self.assertEqual(set(records.mapped("serene_severity")), {band for band, _low, _high in PHQ9_BANDS})

    def test_answers_are_sealed_and_tampering_shows(self):
        _item, answer = self._phq9([1, 0, 0, 0, 0, 0, 0, 0, 0])
        self.assertRegex(answer.serene_sha256, r"^[0-9a-f]{64}$")
        self.assertEqual(answer.serene_sha256, hashlib.sha256(answer._serene_canonical_answers().encode()).hexdigest())
        self.assertIn(f'"question":{self.phq9_questions[0].id}', answer._serene_canonical_answers())
        owner_view = answer.with_user(self.user_owner)
        self.assertEqual(owner_view.serene_seal_state, "verified")
        # Someone with database access changes the first answer behind the application's back.
        line = answer.user_input_line_ids.filtered(lambda line: line.question_id == self.phq9_questions[0])
        nearly_every_day = self.phq9_questions[0].suggested_answer_ids.filtered(lambda a: a.answer_score == 3)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE survey_user_input_line SET suggested_answer_id = %s WHERE id = %s", nearly_every_day.id, line.id
            )
        )
        self.env.invalidate_all()
        self.assertEqual(owner_view.serene_seal_state, "changed")
        records = self.client.with_user(self.user_team).serene_record_input_ids
        self.assertEqual(records.serene_seal_state, "changed", "the care team sees it on the Records page")

    def test_seals_and_flags_are_kept_by_the_system(self):
        _item, answer = self._phq9([0, 0, 0, 0, 0, 0, 0, 0, 2])
        for user in (self.user_owner, self.user_team):
            for vals in ({"serene_risk_flag": False}, {"serene_sha256": "0" * 64}, {"serene_severity": "Fine"}):
                with self.subTest(user=user.login, field=next(iter(vals))), self.assertRaises(AccessError):
                    answer.with_user(user).write(vals)
        self.assertTrue(answer.serene_risk_flag)
        self.assertEqual(answer.with_user(self.user_owner).serene_seal_state, "verified")

    def test_mapped_answers_update_the_contact(self):
        url = self._add().portal_id._new_access_url()
        questions = {question.title: question for question in self.intake.question_ids}
        _item, answer = self._complete(
            self.intake,
            {
                questions["Your mobile number"]: "+32 470 99 99 99",
                questions["Your address"]: "",
                questions["Your date of birth"]: "1990-05-04",
                questions["Who should we call in an emergency?"]: "Sam Doe, +32 470 11 11 11",
                questions["What brings you here?"]: "Trouble sleeping",
            },
            kind="intake_form",
        )
        self.assertTrue(answer.serene_sha256)
        client = self.client.with_user(self.user_owner)
        self.assertEqual(client.phone, "+32 470 99 99 99")
        self.assertEqual(client.serene_birthdate, date(1990, 5, 4))
        self.assertEqual(client.serene_emergency_contact, "Sam Doe, +32 470 11 11 11")
        self.assertEqual(client.street, "Old Street 5", "an empty answer changes nothing")
        portal = self.client.client_portal_id
        changes = portal.activity_log_ids.filtered(lambda a: a.event_type == "contact_changed")
        logged = ", ".join(changes.mapped("detail"))
        for label in ("Phone", "Date of Birth", "Emergency Contact"):
            self.assertIn(label, logged)
        self.assertNotIn("99 99", logged, "the trail names fields, not values")
        notes = [body for body in portal.message_ids.mapped("body") if "Contact details updated" in body]
        self.assertEqual(len(notes), 1)
        self.assertIn("from the form Test Intake: Date of Birth, Emergency Contact, Phone", notes[0])
        live = self.valid_link(url.rsplit("/", 1)[1])
        self.assertFalse(live, "a new phone or date of birth revokes the live links, as any such change does")

        # The same answers again change nothing and log nothing.
        count = len(changes)
        self._complete(
            self.intake,
            {questions["Your mobile number"]: "+32470999999", questions["Your date of birth"]: "1990-05-04"},
            kind="intake_form",
        )
        self.assertEqual(len(portal.activity_log_ids.filtered(lambda a: a.event_type == "contact_changed")), count)

        # An address typed on several lines fills the one-line street.
        self._complete(self.intake, {questions["Your address"]: "Rue Neuve 1\n1000 Brussels"}, kind="intake_form")
        self.assertEqual(self.client.street, "Rue Neuve 1, 1000 Brussels")
        latest = portal.activity_log_ids.filtered(lambda a: a.event_type == "contact_changed").sorted("id")[-1]
        self.assertEqual((latest.detail, latest.actor), ("Street", "client"))

    def test_a_mapping_needs_a_matching_question_type(self):
        with self.assertRaises(ValidationError):
            self.intake.question_ids.filtered(lambda q: q.question_type == "char_box")[
                :1
            ].serene_partner_field = "birthdate"

    def test_only_managers_set_severity_bands(self):
        Band = self.env["serene.severity.band"]
        values = {"survey_id": self.phq9.id, "name": "Extra", "min_score": 28, "max_score": 30}
        with self.assertRaises(AccessError):
            Band.with_user(self.user_owner).create(values)
        self.assertTrue(Band.with_user(self.user_manager).create(values))
        with self.assertRaises(ValidationError):
            Band.create(dict(values, min_score=26))
        self.assertEqual(len(self.phq9.with_user(self.user_team).serene_severity_band_ids), 6)

    def _pdf_text(self, pdf):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "answers.pdf")
            path.write_bytes(pdf)
            return subprocess.run(
                ["pdftotext", path, "-"], capture_output=True, text=True, check=True, timeout=60
            ).stdout

    def test_the_chart_pdf(self):
        _item, answer = self._phq9([2, 2, 2, 2, 2, 1, 1, 0, 1])
        action = answer.with_user(self.user_owner).action_serene_print_pdf()
        self.assertEqual((action["type"], action["report_name"]), ("ir.actions.report", REPORT))
        Report = self.env["ir.actions.report"].with_user(self.user_owner).with_context(force_report_rendering=True)
        pdf, kind = Report._render_qweb_pdf(REPORT, answer.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        # Debian's wkhtmltopdf draws the theme's web fonts as shapes: only the monospace
        # fingerprint comes back as text. The rest is checked on the HTML it was given.
        self.assertIn(answer.serene_sha256, "".join(self._pdf_text(pdf).split()))
        html = Report._render_qweb_html(REPORT, answer.ids, data={"report_type": "pdf"})[0].decode()
        for expected in ("Client Carla", "Test PHQ-9", "Moderate", "Risk signal", ITEM_9, "Several days"):
            self.assertIn(expected, html)
        self.assertRegex(html, r">\s*13\s*\(48\.2%\)", "the total, then the percentage")
        self.assertIn(self.company.name, html, "on the letterhead of the client's practice")
        self.assertIn("Verified when printed", html)
        for question in self.phq9_questions:
            self.assertIn(question.title, html)

    def test_who_prints_and_sees_the_flags(self):
        item, answer = self._phq9([0, 0, 0, 0, 0, 0, 0, 0, 3])
        Report = self.env["ir.actions.report"]
        # The care team reads the flag, the seal and the PDF, and changes nothing.
        team_answer = answer.with_user(self.user_team)
        self.assertTrue(team_answer.serene_risk_flag)
        self.assertTrue(item.with_user(self.user_team).serene_risk_flag)
        self.assertEqual(self.client.with_user(self.user_team).serene_record_input_ids, answer)
        self.assertEqual(team_answer.action_serene_print_pdf()["report_name"], REPORT)
        html = Report.with_user(self.user_team)._render_qweb_html(REPORT, answer.ids)[0].decode()
        self.assertIn("Client Carla", html)
        self.assertIn("Risk signal", html)
        # Another practitioner, an internal user, another practice's manager: nothing.
        for user in (self.user_other, self.user_internal, self.user_manager_2):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    answer.with_user(user).read(["serene_risk_flag", "serene_sha256"])
                with self.assertRaises(AccessError):
                    answer.with_user(user).action_serene_print_pdf()
                with self.assertRaises(AccessError):
                    Report.with_user(user)._render_qweb_html(REPORT, answer.ids)

    def test_demo_ships_phq9_and_gad7(self):
        phq9 = self.env.ref("serene_client_portal.survey_assessment_phq9", raise_if_not_found=False)
        if not phq9:
            self.skipTest("the database has no demo data")
        gad7 = self.env.ref("serene_client_portal.survey_assessment_gad7")
        for survey, items, bands in (
            (phq9, 9, [(0, 4), (5, 9), (10, 14), (15, 19), (20, 27)]),
            (gad7, 7, [(0, 4), (5, 9), (10, 14), (15, 21)]),
        ):
            with self.subTest(survey=survey.title):
                self.assertEqual(
                    (survey.serene_form_kind, survey.scoring_type), ("assessment", "scoring_without_answers")
                )
                self.assertEqual(len(survey.question_ids), items)
                for question in survey.question_ids:
                    self.assertEqual(question.suggested_answer_ids.mapped("answer_score"), [0, 1, 2, 3])
                self.assertEqual([(b.min_score, b.max_score) for b in survey.serene_severity_band_ids], bands)
        risky = (phq9 | gad7).question_ids.suggested_answer_ids.filtered("serene_risk_signal")
        self.assertEqual(risky.question_id.title, ITEM_9)
        self.assertEqual(risky.mapped("answer_score"), [1, 2, 3])
        intake_q2 = self.env.ref("serene_client_portal.survey_intake_general_q2")
        self.assertEqual(intake_q2.serene_partner_field, "emergency_contact")
