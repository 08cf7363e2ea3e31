"""A client completes a portal form with the keyboard only, on a phone, and axe-core finds no
violation of any impact at any step: the portal, the form's start page, its questions (every
question type the library uses), its errors, the submit confirmation, the end page and the
consent page. The keys are real key presses sent through Chrome's DevTools protocol, so the
browser does what it does for a person: Tab follows the focus order, arrows move within a radio
group, Space checks."""

import json
import logging
import os
import re
import tempfile
import time
from datetime import date

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser
from odoo.tools.translate import get_po_paths

from .common import PNG_BYTES, SereneCase
from .test_accessibility import AXE_JS
from .test_client_language import LANGS, TERM_MODULES, ClientLanguageCase
from .test_client_translations import ALLOWED, LETTERS, SAME_IN, URL, normalize, pot_terms, visible_texts

_logger = logging.getLogger(__name__)

# Every violation, whatever its impact: the forms must be clean, not only free of the worst.
AXE_ALL = """
axe.run(document, {resultTypes: ["violations"], runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]})
  .then((result) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  })))
"""

KEYS = {
    "Tab": ("Tab", "Tab", 9, ""),
    "Enter": ("Enter", "Enter", 13, "\r"),
    "Space": (" ", "Space", 32, " "),
    "ArrowDown": ("ArrowDown", "ArrowDown", 40, ""),
    "ArrowUp": ("ArrowUp", "ArrowUp", 38, ""),
    "ArrowRight": ("ArrowRight", "ArrowRight", 39, ""),
}

# What has the focus, in a few words a failure message can show.
FOCUSED = """(() => {
    const el = document.activeElement;
    return {tag: el.tagName, type: el.type || "", name: el.name || "", value: el.value || "",
            checked: !!el.checked, text: (el.innerText || el.getAttribute("aria-label") || "").trim().slice(0, 40),
            cls: el.className || ""};
})()"""


class KeyboardClient:
    """A Chromium driven like a person at a keyboard: Odoo's test browser, with key presses sent
    as input events (trusted, with the browser's own default actions)."""

    def __init__(self, case):
        self.case = case
        self.browser = ChromeBrowser(case)

    def eval(self, expression):
        answer = self.browser._websocket_request(
            "Runtime.evaluate",
            params={"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=60,
        )
        if "exceptionDetails" in answer:
            raise AssertionError(f"{expression[:80]}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def wait_for(self, expression, timeout=20, what=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.eval(f"(() => {{ try {{ return !!({expression}); }} catch {{ return false; }} }})()"):
                return
            time.sleep(0.2)
        raise AssertionError(f"Still waiting for {what or expression}; the focus is on {self.focused()}")

    def open(self, path):
        self.browser.navigate_to(self.case.base_url() + path, wait_stop=True)
        self.wait_for("document.readyState === 'complete'")

    def press(self, name, shift=False):
        key, code, key_code, text = KEYS[name]
        event = {
            "key": key,
            "code": code,
            "windowsVirtualKeyCode": key_code,
            "nativeVirtualKeyCode": key_code,
            "modifiers": 8 if shift else 0,
        }
        down = dict(event, type="keyDown", text=text) if text else dict(event, type="rawKeyDown")
        self.browser._websocket_request("Input.dispatchKeyEvent", params=down)
        self.browser._websocket_request("Input.dispatchKeyEvent", params=dict(event, type="keyUp"))
        time.sleep(0.15)

    def type(self, text):
        for char in text:
            event = {"key": char, "text": char, "unmodifiedText": char}
            self.browser._websocket_request("Input.dispatchKeyEvent", params=dict(event, type="keyDown"))
            self.browser._websocket_request("Input.dispatchKeyEvent", params=dict(event, type="keyUp"))

    def focused(self):
        return self.eval(FOCUSED)

    def tab_to(self, selector, limit=40):
        """Press Tab until the focus is on ``selector``: it must be reachable with Tab."""
        for _i in range(limit):
            if self.eval(f"document.activeElement.matches({json.dumps(selector)})"):
                return self.focused()
            self.press("Tab")
        raise AssertionError(f"Tab never reached {selector}; the focus ends on {self.focused()}")

    def axe(self):
        if not self.eval("typeof axe !== 'undefined'"):
            self.eval(AXE_JS.read_text())
        return self.eval(AXE_ALL)

    def javascript_errors(self):
        result = self.browser._result
        return result.done() and not result.cancelled() and result.exception()

    def set_files_of_focused_input(self, paths):
        """What a person's file dialog does for the file input in focus."""
        focused = self.browser._websocket_request("Runtime.evaluate", params={"expression": "document.activeElement"})
        self.browser._websocket_request(
            "DOM.setFileInputFiles", params={"files": paths, "objectId": focused["result"]["objectId"]}
        )

    def type_date_in_browser_order(self, day):
        """Type ``day`` into a native date input, its parts in the order the browser's locale shows."""
        order = self.eval(
            "new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2000, 10, 22))"
            ".filter((p) => p.type !== 'literal').map((p) => p.type)"
        )
        parts = {"day": f"{day.day:02d}", "month": f"{day.month:02d}", "year": f"{day.year}"}
        self.type("".join(parts[part] for part in order))

    def stop(self):
        self.browser.stop()


class PhoneJourneyMixin:
    """A client on a phone, keyboard only (``_as_client``), and the practice in the backend on a
    desktop screen (``run_tour``): mixed into the journeys' tour cases."""

    phone = ("390x844", True)
    desk = ("1366x768", False)

    def _screen(self, size):
        # Odoo's test browser reads the screen from the test case as it starts.
        self.browser_size, self.touch_enabled = size

    def _as_client(self, walk):
        """``walk(client)`` in a new phone-sized browser of the anonymous client."""
        self._screen(self.phone)
        client = KeyboardClient(self)
        stopped = False
        try:
            with self.allow_requests(browser=client.browser):
                self.authenticate(None, None, browser=client.browser)
                self.cr.flush()
                self.cr.clear()
                walk(client)
                self.assertFalse(client.javascript_errors(), "no JavaScript error on the way")
                # Closed while the server still answers: the page's last requests are not refused.
                client.stop()
                stopped = True
        finally:
            if not stopped:
                client.stop()
        self.env.invalidate_all()

    def run_tour(self, url, name, login):
        # The practice works in the backend on a desktop screen.
        self._screen(self.desk)
        return super().run_tour(url, name, login)

    def _axe_clean(self, client, step):
        """No axe-core violation of any impact, and no sideways scrolling, at ``step``."""
        violations = client.axe()
        self.assertEqual(violations, [], f"axe-core, {step}: {json.dumps(violations)}")
        overflow = client.eval("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, f"no sideways scrolling, {step}")


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestFormsByKeyboard(SereneCase, HttpCase):
    """A keyboard-only client on a 390 px touch screen."""

    browser_size = "390x844"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey_every_type = cls._make_survey_every_type()
        Item = cls.env["serene.portal.item"]
        base = {"partner_id": cls.client.id}
        cls.form = Item.create(dict(base, item_type="intake_form", survey_id=cls.survey_every_type.id))
        cls.consent = Item.create(dict(base, item_type="consent", name="Consent", description="<p>I agree.</p>"))
        cls.key = cls.client.client_portal_id._new_access_url().rsplit("/", 1)[1]

    @classmethod
    def _make_survey_every_type(cls):
        """An intake form with every question type the library uses, required or not."""

        def choices(*values):
            return [(0, 0, {"value": value}) for value in values]

        def question(title, question_type, **values):
            return (0, 0, dict(values, title=title, question_type=question_type))

        return cls.env["survey.survey"].create(
            {
                "title": "Intake, every question type",
                "serene_form_kind": "intake_form",
                "access_mode": "token",
                "users_login_required": False,
                "questions_layout": "one_page",
                "scoring_type": "no_scoring",
                "question_and_page_ids": [
                    question(
                        "How did you hear about us?",
                        "simple_choice",
                        constr_mandatory=True,
                        suggested_answer_ids=choices("A friend", "My doctor", "Online"),
                    ),
                    question(
                        "What brings you here?",
                        "multiple_choice",
                        description="<p>Choose all that apply.</p>",
                        suggested_answer_ids=choices("Stress", "Sleep", "Mood"),
                    ),
                    question(
                        "Over the last week",
                        "matrix",
                        constr_mandatory=True,
                        matrix_subtype="simple",
                        suggested_answer_ids=choices("Never", "Sometimes", "Often"),
                        matrix_row_ids=choices("I slept well", "I felt calm"),
                    ),
                    question("Your preferred name", "char_box", constr_mandatory=True),
                    question("Anything else we should know?", "text_box"),
                    question("Date of birth", "date"),
                    question("Hours of sleep a night", "numerical_box"),
                ],
            }
        )

    def _check(self, client, step, counts):
        """axe-core finds nothing at this step, and the page fits the screen's width."""
        client.wait_for(
            "!document.querySelector('.o_survey_form_content') || "
            "getComputedStyle(document.querySelector('.o_survey_form_content')).opacity === '1'",
            what="the end of the page's fade-in",
        )
        violations = client.axe()
        by_impact = {}
        for violation in violations:
            by_impact[violation["impact"]] = by_impact.get(violation["impact"], 0) + 1
        counts[step] = by_impact
        self.assertEqual(violations, [], f"axe-core at the step '{step}'")
        overflow = client.eval("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, f"no sideways scrolling at the step '{step}'")

    def _question_input(self, position, selector="input"):
        """``selector`` in the question at ``position`` (from 1) of the form."""
        question = self.survey_every_type.question_ids.sorted("sequence")[position - 1]
        return f'.js_question-wrapper[id="{question.id}"] {selector}'

    def test_only_portal_forms_change(self):
        """Odoo's survey pages change for a form opened through the portal only: the same
        survey answered outside a portal is rendered and scripted as Odoo renders it."""
        portal_page = self.url_open(f"/portal/{self.key}/item/{self.form.id}/form")
        self.assertIn("/survey/", portal_page.url)
        self.assertIn("data-serene-accessible", portal_page.text)
        self.assertIn("serene_client_portal.survey_a11y", portal_page.text)
        plain = self.survey_every_type._create_answer(user=self.env.ref("base.public_user"))
        self.survey_every_type.access_mode = "public"
        plain_page = self.url_open(
            f"/survey/start/{self.survey_every_type.access_token}?answer_token={plain.access_token}"
        )
        self.assertEqual(plain_page.status_code, 200)
        self.assertIn("o_survey-fill-form", plain_page.text)
        self.assertNotIn("data-serene-accessible", plain_page.text)
        self.assertNotIn("serene_client_portal.survey_a11y", plain_page.text)

    def test_keyboard_only_client_completes_a_form(self):
        counts = {}
        client = KeyboardClient(self)
        try:
            with self.allow_requests(browser=client.browser):
                self.authenticate(None, None, browser=client.browser)
                self.cr.flush()
                self.cr.clear()
                self._walk_through_the_form(client, counts)
                self.assertFalse(client.javascript_errors(), "no JavaScript error on the way")
        finally:
            _logger.info("axe-core violations by step and impact (%s): %s", self.browser_size, json.dumps(counts))
            client.stop()
        answer = self.env["survey.user_input"].search([("serene_item_id", "=", self.form.id)])
        self.assertEqual(answer.state, "done")
        by_question = {line.question_id.title: line for line in answer.user_input_line_ids}
        self.assertEqual(by_question["How did you hear about us?"].suggested_answer_id.value, "My doctor")
        self.assertEqual(
            answer.user_input_line_ids.filtered(
                lambda line: line.question_id.question_type == "multiple_choice"
            ).mapped("suggested_answer_id.value"),
            ["Stress", "Sleep"],
        )
        matrix = answer.user_input_line_ids.filtered(lambda line: line.question_id.question_type == "matrix")
        self.assertEqual(
            {(line.matrix_row_id.value, line.suggested_answer_id.value) for line in matrix},
            {("I slept well", "Sometimes"), ("I felt calm", "Never")},
        )
        self.assertEqual(by_question["Your preferred name"].value_char_box, "Sam")
        self.assertEqual(by_question["Anything else we should know?"].value_text_box, "Nothing")
        self.assertEqual(str(by_question["Date of birth"].value_date), "1990-02-01")
        self.assertEqual(by_question["Hours of sleep a night"].value_numerical_box, 7)

    def _walk_through_the_form(self, client, counts):
        # The portal: Tab to the form's Start link, Enter opens it.
        client.open(f"/portal/{self.key}")
        client.tab_to("a.o_serene_start_form")
        client.press("Enter")
        client.wait_for("document.querySelector(\"button[value='start']:not(.disabled)\")", what="the start page")
        self._check(client, "start", counts)

        client.tab_to("button[value='start']")
        client.press("Enter")
        client.wait_for("document.querySelector('.js_question-wrapper')", what="the questions")
        client.wait_for("document.querySelector(\"button[value='finish']:not(.disabled)\")")
        self._check(client, "questions", counts)
        # The page says how far the client is, where a screen reader hears it.
        self.assertTrue(client.eval("!!document.querySelector('.o_serene_form_progress[role=status]')"))

        # Each question is a group named by its title; a required one says so.
        groups = client.eval(
            """[...document.querySelectorAll('.js_question-wrapper')].map((q) => {
                const named = '[role=group], [role=radiogroup]';
                const group = q.matches(named) ? q : q.querySelector(named);
                const title = group && document.getElementById(group.getAttribute('aria-labelledby'));
                return title ? title.textContent.replace(/\\s+/g, ' ').trim() : null;
            })"""
        )
        self.assertEqual(len(groups), 7)
        self.assertTrue(all(groups), groups)
        self.assertIn("required", groups[0])
        self.assertNotIn("required", groups[1])

        # Enter on the untouched page goes on: the required questions are refused, each error is
        # announced and tied to its question, and the focus goes to the first.
        client.tab_to(self._question_input(4, "input[type=text]"))
        client.press("Enter")
        client.wait_for("document.querySelector('.o_survey_question_error.slide_in')", what="the errors")
        self.assertFalse(
            client.eval("document.body.innerText.includes('There was an error during the validation')"),
            "Enter is not an error",
        )
        errors = client.eval(
            """[...document.querySelectorAll('.js_question-wrapper')]
              .filter((q) => q.querySelector('.o_survey_question_error.slide_in'))
              .map((q) => {
                const error = q.querySelector('.o_survey_question_error');
                const invalid = q.querySelector('[aria-invalid=true]');
                return {
                    text: error.textContent.trim(),
                    live: error.getAttribute('role') === 'alert' || !!error.closest('[aria-live]'),
                    tied: !!invalid && (invalid.getAttribute('aria-describedby') || '').split(' ').includes(error.id),
                };
            })"""
        )
        self.assertEqual(len(errors), 3, errors)
        for error in errors:
            self.assertEqual(error, {"text": "This question requires an answer.", "live": True, "tied": True})
        first_choice = json.dumps(self._question_input(1, "input[type=radio]"))
        self.assertTrue(
            client.eval(f"document.activeElement.matches({first_choice})"),
            "the focus is on the first question refused",
        )
        self._check(client, "errors", counts)

        # Single choice: the arrows move within the question and choose.
        first = client.focused()
        self.assertEqual((first["type"], first["checked"]), ("radio", False))
        client.press("ArrowDown")
        focused = client.focused()
        self.assertEqual((focused["type"], focused["checked"]), ("radio", True), "the arrow chose the next answer")
        self.assertEqual(client.eval("document.activeElement.closest('label').innerText.trim()"), "My doctor")
        # The choice in focus is seen: a focus ring around its label.
        self.assertNotEqual(
            client.eval("getComputedStyle(document.activeElement.closest('label')).outlineStyle"), "none"
        )

        # Multiple choice: Tab reaches it, Space chooses, the arrows move, Enter chooses.
        focused = client.tab_to(self._question_input(2, "input[type=checkbox]"))
        client.press("Space")
        self.assertTrue(client.focused()["checked"])
        client.press("ArrowDown")
        self.assertFalse(client.focused()["checked"], "the arrow moved without choosing")
        client.press("Enter")
        self.assertTrue(client.focused()["checked"], "Enter chose it")

        # Matrix: each row is a radio group; the arrows move along the row.
        client.tab_to(self._question_input(3, "input[type=radio]"))
        client.press("ArrowRight")
        self.assertTrue(client.focused()["checked"])
        client.tab_to(self._question_input(3, "tbody tr:nth-child(2) input[type=radio]"))
        client.press("Space")
        self.assertTrue(client.focused()["checked"])

        # Free text, date and number, typed.
        client.tab_to(self._question_input(4, "input[type=text]"))
        client.type("Sam")
        client.tab_to(self._question_input(5, "textarea"))
        client.type("Nothing")
        client.tab_to(self._question_input(6, "input.o_survey_question_date"))
        client.type("02/01/1990")
        client.tab_to(self._question_input(7, "input[type=number]"))
        client.type("7")
        self._check(client, "answered", counts)

        # Enter goes on: the submit confirmation, its button in reach.
        client.press("Enter")
        client.wait_for("document.querySelector('.modal')", what="the submit confirmation")
        client.wait_for("document.activeElement.closest('.modal')", what="the focus in the confirmation")
        self._check(client, "confirmation", counts)
        client.tab_to(".modal-footer .btn-primary")
        client.press("Enter")
        client.wait_for("document.querySelector('.o_survey_finished')", what="the end page")
        self._check(client, "end", counts)

        # The consent: Odoo's signature pad, typed or drawn, every button named.
        client.open(f"/portal/{self.key}/item/{self.consent.id}/consent")
        client.wait_for("document.querySelector('.o_web_sign_name_and_signature .o_web_sign_auto_button')")
        self._check(client, "consent", counts)
        client.tab_to(".o_web_sign_draw_button")
        client.press("Enter")
        client.wait_for("document.querySelector('.o_web_sign_draw_clear')")
        self._check(client, "consent, drawing", counts)


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestFormsByKeyboardNarrow(TestFormsByKeyboard):
    """The same on a 320 px wide screen: what a 640 px window shows at 200 % zoom."""

    allow_inherited_tests_method = True
    browser_size = "320x640"


# A score as a client would read it, in any of the shipped languages.
SCORE_TEXT = re.compile(r"\d\s*%|%\s*\d|\bscore|puntuaci|punktzahl|\bpunkte\b|/\s*27\b", re.IGNORECASE)


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestKeyboardJourneyInEachLanguage(ClientLanguageCase, TestFormsByKeyboard):
    """The whole journey of a new client, keyboard only on a 390 px touch screen, in French, Spanish
    and German: a fresh link, the identity check, a PHQ-9 with a self-harm answer, an intake form
    with every question type, a consent signed and a file uploaded. At every step axe-core finds
    nothing, the page is in the client's language with no English left and shows no score; the note
    owner then reads the total, the band and the risk flag."""

    # The English journeys of the parent class run there, not again here with this class's
    # client (whose identity check comes first).
    test_keyboard_only_client_completes_a_form = None
    test_only_portal_forms_change = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Item = cls.env["serene.portal.item"]
        base = {"partner_id": cls.client.id}
        cls.phq9_item = Item.create(dict(base, item_type="assessment", survey_id=cls.phq9.id))
        cls.request_item = Item.create(
            dict(base, item_type="document_request", name="ID card", accepted_kind_ids=cls._kinds("pdf", "image"))
        )
        cls.company.serene_portal_verify_birthdate = True
        cls.client.sudo().serene_birthdate = "1990-04-12"  # sudo: res.partner - the test's client record
        upload = tempfile.NamedTemporaryFile(prefix="scan", suffix=".png", delete=False)  # noqa: SIM115
        upload.write(PNG_BYTES)
        upload.close()
        cls.upload_path = upload.name
        cls.addClassCleanup(os.unlink, upload.name)
        # What the pages show that is not a word to translate: names, the practice's own texts.
        survey = cls.survey_every_type
        cls.names = sorted(
            {
                cls.client.name,
                cls.company.name,
                cls.user_owner.name,
                *cls.client.client_portal_id.item_ids.mapped("name"),
                survey.title,
                *survey.question_ids.mapped("title"),
                *survey.question_ids.suggested_answer_ids.mapped("value"),
                *survey.question_ids.matrix_row_ids.mapped("value"),
                "Choose all that apply.",
                "I agree.",
            },
            key=len,
            reverse=True,
        )
        cls.terms = {module: pot_terms(module) for module in TERM_MODULES}

    def _english_left(self, lang, markup):
        """The texts of ``markup`` that are an English source text of the addon, or of an Odoo
        module that ships a translation in ``lang``; and those of modules that ship none."""
        left, without_po = [], []
        for text in visible_texts(markup):
            words = text
            for name in self.names:
                words = words.replace(name, " ")
            words = normalize(URL.sub(" ", words))
            if not LETTERS.search(words) or words in ALLOWED | SAME_IN.get(lang, set()):
                continue
            owners = [module for module, terms in self.terms.items() if words in terms]
            if not owners:
                continue
            # A word of both the addon and an Odoo module this Odoo ships no translation of (the
            # "Cancel" of the survey's own confirmation dialog) cannot be told apart: listed apart.
            untranslated_odoo = [
                module for module in owners if module != "serene_client_portal" and not list(get_po_paths(module, lang))
            ]
            if untranslated_odoo:
                without_po.append(f"{text!r} ({', '.join(owners)})")
            else:
                left.append(text)
        return sorted(left), sorted(without_po)

    def _check_in(self, client, lang, step, counts, odoo_left):
        self._check(client, step, counts)
        self.assertEqual(client.eval("document.documentElement.lang"), lang.replace("_", "-"), step)
        text = client.eval("document.body.innerText")
        self.assertFalse(SCORE_TEXT.search(text), f"no score shown at the step '{step}': {text[:300]!r}")
        left, without_po = self._english_left(lang, client.eval("document.documentElement.outerHTML"))
        self.assertEqual(left, [], f"untranslated text at the step '{step}'")
        if without_po:
            odoo_left[step] = without_po

    def _journey(self, lang):
        self.client.lang = lang
        key = self.client.client_portal_id._new_access_url().rsplit("/", 1)[1]
        counts, odoo_left = {}, {}
        client = KeyboardClient(self)
        try:
            with self.allow_requests(browser=client.browser):
                self.authenticate(None, None, browser=client.browser)
                self.cr.flush()
                self.cr.clear()
                self._walk_the_journey(client, lang, key, counts, odoo_left)
                self.assertFalse(client.javascript_errors(), "no JavaScript error on the way")
        finally:
            _logger.info("axe-core violations by step and impact (%s, %s): %s", lang, self.browser_size, counts)
            if odoo_left:
                _logger.info(
                    "Odoo's own words left in English in %s because this Odoo ships no translation of their "
                    "module (not counted): %s",
                    lang,
                    json.dumps(odoo_left, ensure_ascii=False),
                )
            client.stop()
        self._check_what_the_note_owner_reads()

    def _walk_the_journey(self, client, lang, key, counts, odoo_left):
        def check(step):
            self._check_in(client, lang, step, counts, odoo_left)

        # A fresh link: the identity check, the date of birth typed, Enter.
        client.open(f"/portal/{key}")
        client.wait_for("document.querySelector('#serene_birthdate')", what="the identity check")
        check("identity check")
        client.tab_to("#serene_birthdate")
        client.type_date_in_browser_order(date(1990, 4, 12))
        self.assertEqual(client.eval("document.activeElement.value"), "1990-04-12")
        client.press("Enter")
        client.wait_for("document.querySelector('a.o_serene_start_form')", what="the portal's home page")
        check("home")

        # The PHQ-9: the second answer of each question ("several days"), self-harm included.
        client.tab_to(f"a.o_serene_start_form[href$='/item/{self.phq9_item.id}/form']")
        client.press("Enter")
        client.wait_for("document.querySelector(\"button[value='start']:not(.disabled)\")", what="the start page")
        check("PHQ-9 start")
        client.tab_to("button[value='start']")
        client.press("Enter")
        client.wait_for("document.querySelector(\"button[value='finish']:not(.disabled)\")", what="the questions")
        check("PHQ-9 questions")
        for question in self.phq9.question_ids.sorted("sequence"):
            client.tab_to(f'.js_question-wrapper[id="{question.id}"] input[type=radio]')
            client.press("ArrowDown")
            self.assertTrue(client.focused()["checked"], question.title)
        check("PHQ-9 answered")
        client.tab_to("button[value='finish']")
        client.press("Enter")
        client.wait_for("document.querySelector('.modal')", what="the submit confirmation")
        client.wait_for("document.activeElement.closest('.modal')", what="the focus in the confirmation")
        check("PHQ-9 confirmation")
        client.tab_to(".modal-footer .btn-primary")
        client.press("Enter")
        client.wait_for("document.querySelector('.o_survey_finished')", what="the end page")
        check("PHQ-9 end")

        # The intake form, every question type.
        client.open(f"/portal/{key}")
        client.tab_to(f"a.o_serene_start_form[href$='/item/{self.form.id}/form']")
        client.press("Enter")
        client.wait_for("document.querySelector(\"button[value='start']:not(.disabled)\")", what="the start page")
        check("intake start")
        client.tab_to("button[value='start']")
        client.press("Enter")
        client.wait_for("document.querySelector(\"button[value='finish']:not(.disabled)\")", what="the questions")
        check("intake questions")
        client.tab_to(self._question_input(1, "input[type=radio]"))
        client.press("ArrowDown")
        client.tab_to(self._question_input(2, "input[type=checkbox]"))
        client.press("Space")
        client.tab_to(self._question_input(3, "input[type=radio]"))
        client.press("ArrowRight")
        client.tab_to(self._question_input(3, "tbody tr:nth-child(2) input[type=radio]"))
        client.press("Space")
        client.tab_to(self._question_input(4, "input[type=text]"))
        client.type("Sam")
        client.tab_to(self._question_input(5, "textarea"))
        client.type("Rien")
        date_format = self.env["res.lang"]._lang_get(lang).date_format
        client.tab_to(self._question_input(6, "input.o_survey_question_date"))
        client.type(date(1990, 2, 1).strftime(date_format))
        client.tab_to(self._question_input(7, "input[type=number]"))
        client.type("7")
        check("intake answered")
        client.press("Enter")
        client.wait_for("document.querySelector('.modal')", what="the submit confirmation")
        client.wait_for("document.activeElement.closest('.modal')", what="the focus in the confirmation")
        check("intake confirmation")
        client.tab_to(".modal-footer .btn-primary")
        client.press("Enter")
        client.wait_for("document.querySelector('.o_survey_finished')", what="the end page")
        check("intake end")

        # The consent: the name typed in the signature's "auto" mode, which writes it as the
        # signature, then Enter on the sign button.
        client.open(f"/portal/{key}/item/{self.consent.id}/consent")
        client.wait_for("document.querySelector('.o_web_sign_name_and_signature .o_web_sign_auto_button')")
        check("consent")
        client.tab_to(".o_web_sign_name_input")
        client.eval("document.activeElement.select()")
        client.type("Sam Client")
        client.wait_for("!document.querySelector('.o_portal_sign_submit').disabled", what="a signature")
        client.tab_to(".o_portal_sign_submit")
        client.press("Enter")
        client.wait_for("location.search.includes('done=consent')", what="the portal after signing")
        check("consent signed")

        # The upload: the file chosen as a file dialog does, the form sent by keyboard.
        client.tab_to(f"#files_{self.request_item.id}")
        client.set_files_of_focused_input([self.upload_path])
        client.tab_to(f"form[action$='/item/{self.request_item.id}/upload'] .o_serene_upload_submit")
        client.press("Enter")
        client.wait_for("document.querySelector('#upload-result')", what="the upload's result")
        check("uploaded")

    def _check_what_the_note_owner_reads(self):
        self.env.invalidate_all()
        answer = self.phq9_item.user_input_id.with_user(self.user_owner)
        self.assertEqual(answer.state, "done")
        [read] = answer.read(["scoring_total", "serene_severity", "serene_risk_flag"])
        self.assertEqual(read["scoring_total"], 9)
        bands = self.phq9.serene_severity_band_ids.filtered(lambda band: band.min_score <= 9 <= band.max_score)
        self.assertIn(read["serene_severity"], {bands.with_context(lang=code).name for code in ("en_US", *LANGS)})
        self.assertTrue(read["serene_risk_flag"], "the self-harm answer raises the flag")
        form = self.env["survey.user_input"].with_user(self.user_owner).get_views([(False, "form")])
        arch = form["views"]["form"]["arch"]
        for name in ("scoring_total", "serene_severity", "serene_risk_flag"):
            self.assertIn(f'name="{name}"', arch)
        intake = self.form.user_input_id
        self.assertEqual(intake.state, "done")
        by_question = {line.question_id.title: line for line in intake.user_input_line_ids}
        self.assertEqual(str(by_question["Date of birth"].value_date), "1990-02-01")
        self.assertEqual(self.consent.state, "completed")
        self.assertEqual(self.request_item.attachment_ids.mapped("name"), [self.upload_path.rsplit("/", 1)[1]])

    def test_in_french(self):
        self._journey("fr_FR")

    def test_in_spanish(self):
        self._journey("es_ES")

    def test_in_german(self):
        self._journey("de_DE")
