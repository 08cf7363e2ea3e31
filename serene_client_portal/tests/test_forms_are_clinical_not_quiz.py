"""Forms given through the portal are clinical, not a quiz: whatever survey settings a practice
picks (scoring, pass mark, certification, attempts, time limit, answers shown after each page),
the client never reads a score, a pass or a fail, a certification, "Take Again" or Odoo's badge,
and comes back to their portal; staff read the total, the severity band and the risk flag."""

import json
import re

from lxml import etree

from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import SereneCase

# Item 9 ("Thoughts that you would be better off dead...") answered "Several days": a risk signal.
SELF_HARM = [0, 0, 0, 0, 0, 0, 0, 0, 1]
QUIZ_WORDS = re.compile(
    r"scored|\d\s*%|passed|failed|congratulations|certification|take again|/survey/retry|review your answers"
    r"|powered by|o_brand_promotion|time limit|badge",
    re.IGNORECASE,
)


def visible_text(html):
    """The page's markup without its scripts and styles (the bundles name "certification" too)."""
    return re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.IGNORECASE | re.DOTALL)


class ClinicalFormCase(MockEmail, SereneCase, HttpCase):
    """A PHQ-9 with every quiz setting a practice may pick, on a client's portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.phq9 = cls.env["serene.portal.demo"]._create_phq9({"title": "Test PHQ-9"})
        # Every quiz setting a practice may pick on the survey form.
        cls.phq9.write(
            {
                "scoring_type": "scoring_with_answers_after_page",
                "users_can_go_back": False,
                "scoring_success_min": 2,
                "certification": True,
                "certification_mail_template_id": cls.env.ref("survey.mail_template_certification").id,
                "is_attempts_limited": True,
                "attempts_limit": 1,
                "is_time_limited": True,
                "time_limit": 30,
            }
        )
        cls.key = cls._add_phq9().portal_id._new_access_url().rsplit("/", 1)[1]

    @classmethod
    def _add_phq9(cls):
        return (
            cls.env["serene.portal.item"]
            .with_user(cls.user_owner)
            .create({"partner_id": cls.client.id, "item_type": "assessment", "survey_id": cls.phq9.id})
        )

    def _jsonrpc(self, url, params):
        response = self.url_open(
            url,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()["result"]

    def _take(self, item, scores):
        """The client opens ``item`` from their portal and answers the PHQ-9 with ``scores``:
        (start page, answer to the submit, end page), as the client's browser receives them."""
        self.authenticate(None, None)
        start = self.url_open(f"/portal/{self.key}/item/{item.id}/form")
        self.assertEqual(start.status_code, 200)
        self.env.invalidate_all()
        answer = item.user_input_id
        self.assertTrue(answer)
        tokens = f"{self.phq9.access_token}/{answer.access_token}"
        self._jsonrpc(f"/survey/begin/{tokens}", {})
        params = {
            str(question.id): str(question.suggested_answer_ids.filtered(lambda a, s=score: a.answer_score == s).id)
            for question, score in zip(self.phq9.question_ids.sorted("sequence"), scores, strict=True)
        }
        submitted = self._jsonrpc(f"/survey/submit/{tokens}", params)
        end = self.url_open(f"/survey/{tokens}")
        self.assertEqual(end.status_code, 200)
        return start.text, submitted, end.text

    def _screening_with_a_risk_signal(self):
        """The client's PHQ-9, answered through the portal with self-harm thoughts."""
        item = self.client.client_portal_id.item_ids
        self._take(item, SELF_HARM)
        return item.user_input_id


@tagged("post_install", "-at_install", "serene")
class TestFormsAreClinicalNotQuiz(ClinicalFormCase):
    def test_the_client_is_thanked_and_led_back_to_the_portal(self):
        item = self.client.client_portal_id.item_ids
        with self.mock_mail_gateway():
            start, (correct_answers, submitted), end = self._take(item, SELF_HARM)
        answer = item.user_input_id
        self.assertEqual(answer.state, "done")
        self.assertTrue(answer.serene_risk_flag)
        self.assertEqual(correct_answers, {}, "no right or wrong answers are sent after the page")
        for name, html in (
            ("start page", visible_text(start).split('id="wrap"')[-1]),
            ("end of the form", submitted["survey_content"]),
            ("end page", visible_text(end)),
        ):
            with self.subTest(page=name):
                self.assertFalse(QUIZ_WORDS.findall(html), f"no quiz on the {name}")
        for html in (submitted["survey_content"], end):
            back = re.search(r"<a\b[^>]*o_serene_back_to_portal[^>]*>", html)
            self.assertTrue(back, "a link back to the portal")
            href = re.search(r'href="([^"]+)"', back.group(0)).group(1)
            self.assertEqual(href.replace("&amp;", "&"), f"/portal/{self.key}?done=form")
            self.assertIn("Thank you", html)
            self.assertIn("Back to your portal", html)
        self.assertFalse(
            self._new_mails.filtered(lambda mail: self.client in mail.recipient_ids),
            "no certification email to the client",
        )
        self.assertFalse(answer.scoring_success, "a screening is neither passed nor failed")
        # Take Again, typed by hand: nothing taken again, and no Odoo badge on the page that says so.
        retry = self.url_open(f"/survey/retry/{self.phq9.access_token}/{answer.access_token}")
        self.assertNotIn("Powered by", retry.text)
        self.assertEqual(item.user_input_id, answer)
        self.assertEqual(self.client.with_user(self.user_owner).certifications_count, 0, "no Certification button")

    def test_settings_cannot_limit_or_time_a_clients_forms(self):
        first = self.client.client_portal_id.item_ids
        self._take(first, [0] * 9)
        self.assertEqual(first.user_input_id.state, "done")
        self.assertEqual(self.phq9._get_number_of_attempts_lefts(self.client, False, False), 1, "not used up")
        # A month later the practice assigns the PHQ-9 again: the attempts limit (1) does not apply.
        second = self._add_phq9()
        _start, (_correct, submitted), _end = self._take(second, [1] * 9)
        self.assertNotIn("error", submitted)
        self.assertEqual(second.user_input_id.state, "done")
        self.assertEqual(second.user_input_id.scoring_total, 9)
        # Left open longer than the survey's time limit, the form still takes the client's answers.
        third = self._add_phq9()
        self.authenticate(None, None)
        self.url_open(f"/portal/{self.key}/item/{third.id}/form")
        self.env.invalidate_all()
        answer = third.user_input_id
        self.assertTrue(answer)
        answer.start_datetime = "2020-01-01 00:00:00"
        self.assertFalse(answer.survey_time_limit_reached)

    def _arch(self, view_type):
        views = self.env["survey.user_input"].with_user(self.user_owner).get_views([(False, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_staff_read_total_band_and_flag_not_a_quiz(self):
        answer = self._screening_with_a_risk_signal()
        form = self._arch("form")
        for title in ("Passed", "Failed"):
            [ribbon] = form.xpath(f"//widget[@name='web_ribbon'][@title='{title}']")
            self.assertIn("serene_portal_form", ribbon.get("invisible"), f"no {title} ribbon on a portal form")
        [risk] = form.xpath("//widget[@name='web_ribbon'][@title='Risk signal']")
        self.assertEqual(risk.get("invisible"), "not serene_risk_flag")
        for name in ("scoring_total", "serene_severity"):
            self.assertTrue(form.xpath(f"//field[@name='{name}']"), name)
        [score] = form.xpath("//div[field[@name='scoring_percentage']]")
        self.assertIn("serene_portal_form", score.get("invisible"))
        listing = self._arch("list")
        for name in ("scoring_success", "scoring_percentage"):
            [field] = listing.xpath(f"//field[@name='{name}']")
            self.assertEqual(field.get("invisible"), "serene_portal_form", name)
        self.env.invalidate_all()
        self.assertTrue(answer.serene_risk_flag, "the answer the browser test shows carries the risk signal")


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestFormsAreClinicalNotQuizInTheBrowser(ClinicalFormCase):
    def test_staff_read_total_band_and_flag_not_a_quiz(self):
        answer = self._screening_with_a_risk_signal()
        self.start_tour(f"/odoo/survey.user_input/{answer.id}", "serene_staff_read_a_screening", login="t_owner")
