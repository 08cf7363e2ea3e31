"""Forms only through the portal: the answer token alone opens nothing."""

import json
from urllib.parse import parse_qs, urlsplit

from odoo import http
from odoo.tests import HttpCase, tagged

from odoo.addons.serene_client_portal.tools import PORTAL_HEADERS, portal_csp

from .common import SereneCase, logged_request_line

CSP = "Content-Security-Policy"

# On the survey fill page (start screen and questions), not on the access error page.
FILL_PAGE = "o_survey_form"
ANSWER_TEXT = "Tired but hopeful"


@tagged("post_install", "-at_install", "serene", "security")
class TestFormsOnlyThroughThePortal(SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.form = cls.env["serene.portal.item"].create(
            {"partner_id": cls.client.id, "item_type": "intake_form", "survey_id": cls.survey_intake.id}
        )
        cls.portal = cls.client.client_portal_id
        cls.key = cls.portal._new_access_url().rsplit("/", 1)[1]

    def _open_form(self):
        """The client opens the form from their portal: (start URL, answer)."""
        self.authenticate(None, None)
        response = self.url_open(f"/portal/{self.key}/item/{self.form.id}/form", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        answer = self.form.user_input_id
        self.assertTrue(answer)
        return response.headers["Location"], answer

    def _urls(self, answer):
        survey_token, answer_token = answer.survey_id.access_token, answer.access_token
        return {
            "start": f"/survey/start/{survey_token}?answer_token={answer_token}",
            "resume": f"/survey/{survey_token}/{answer_token}",
            "print": f"/survey/print/{survey_token}?answer_token={answer_token}&review=True",
            "retry": f"/survey/retry/{survey_token}/{answer_token}",
        }

    def _submit(self, answer):
        question = answer.survey_id.question_ids
        response = self.url_open(
            f"/survey/submit/{answer.survey_id.access_token}/{answer.access_token}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {str(question.id): "Written by a stranger"},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json().get("result")

    def _assert_nothing_opens(self, answer):
        inputs_before = self.env["survey.user_input"].sudo().search_count([])
        for name, url in self._urls(answer).items():
            with self.subTest(url=name):
                response = self.url_open(url)
                self.assertNotIn(FILL_PAGE, response.text)
                self.assertNotIn(ANSWER_TEXT, response.text)
        result = self._submit(answer)
        self.assertEqual(result[1].get("error"), "answer_wrong_user")
        self.env.invalidate_all()
        self.assertNotIn("Written by a stranger", answer.user_input_line_ids.mapped("value_char_box"))
        self.assertEqual(self.env["survey.user_input"].sudo().search_count([]), inputs_before, "nothing created")

    def test_client_takes_the_form_through_the_portal(self):
        start, answer = self._open_form()
        self.assertEqual(parse_qs(urlsplit(start).query)["answer_token"], [answer.access_token])
        response = self.url_open(start)
        self.assertEqual(response.status_code, 200)
        self.assertIn(FILL_PAGE, response.text)
        for header, value in dict(PORTAL_HEADERS, **{CSP: portal_csp(response.content)}).items():
            self.assertEqual(response.headers.get(header), value, header)
        session = http.root.session_store.get(self.opener.cookies["session_id"])
        self.assertNotIn(self.key, repr(dict(session)), "no portal key in the server-side session")
        self.assertNotIn(answer.access_token, repr(dict(session)), "no answer token in the session")
        self._submit(answer)
        self.env.invalidate_all()
        self.assertIn(
            "Written by a stranger", answer.user_input_line_ids.mapped("value_char_box"), "the client answers"
        )

    def test_the_answer_token_alone_opens_nothing(self):
        _start, answer = self._open_form()
        answer._save_lines(answer.survey_id.question_ids, ANSWER_TEXT)
        self.authenticate(None, None)  # another browser: a history entry, a forwarded link
        self._assert_nothing_opens(answer)

    def test_revoking_the_links_closes_open_forms(self):
        start, answer = self._open_form()
        answer._save_lines(answer.survey_id.question_ids, ANSWER_TEXT)
        self.assertEqual(self.url_open(start).status_code, 200)
        self.portal.link_ids.action_revoke()
        self._assert_nothing_opens(answer)

    def test_identity_check_guards_the_forms_too(self):
        start, _answer = self._open_form()
        self.company.serene_portal_verify_birthdate = True
        self.client.serene_birthdate = "1990-04-12"
        response = self.url_open(start)
        self.assertNotIn(FILL_PAGE, response.text, "the practice now asks who the visitor is first")

    def test_take_again_creates_nothing(self):
        start, answer = self._open_form()
        self.url_open(start)
        answer._save_lines(answer.survey_id.question_ids, ANSWER_TEXT)
        answer._mark_done()
        before = self.env["survey.user_input"].sudo().search_count([])
        self.url_open(self._urls(answer)["retry"])
        self.assertEqual(self.env["survey.user_input"].sudo().search_count([]), before)

    def test_care_team_reviews_and_never_answers_as_the_client(self):
        _start, answer = self._open_form()
        answer._save_lines(answer.survey_id.question_ids, ANSWER_TEXT)
        urls = self._urls(answer)
        self.authenticate("t_team", "t_team")
        self.assertIn(ANSWER_TEXT, self.url_open(urls["print"]).text, "the care team reviews the answers")
        self.assertNotIn(FILL_PAGE, self.url_open(urls["resume"]).text)
        self.assertEqual(self._submit(answer)[1].get("error"), "answer_wrong_user")
        self.authenticate("t_other", "t_other")
        self.assertNotIn(ANSWER_TEXT, self.url_open(urls["print"]).text, "other practitioners see nothing")

    def test_answer_tokens_never_reach_the_log(self):
        _start, answer = self._open_form()
        self.assertNotIn(answer.access_token, logged_request_line(self._urls(answer)["resume"]))
