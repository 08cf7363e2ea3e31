"""The client's language everywhere: the portal's pages, the forms, the identity check, the consent,
emails, text messages and the access letter, in the contact's language when the practice's website
offers it, else in the website's default; decided from the contact, never from the URL or a cookie."""

import json
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import SereneCase

LANGS = ("fr_FR", "es_ES", "de_DE")
# The modules whose words a client reads, loaded in each language as a practice's Odoo would be.
TERM_MODULES = ["web", "http_routing", "portal", "website", "mail", "sms", "survey", "calendar", "serene_client_portal"]


class ClientLanguageCase(SereneCase):
    """French, Spanish and German active and offered by the practice's website (English stays its
    default), with every module's translations that the Odoo here ships."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        Lang = env["res.lang"]
        for code in LANGS:
            Lang._activate_lang(code)
        env["ir.module.module"]._load_module_terms(TERM_MODULES, list(LANGS))
        cls.website = env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.website.language_ids |= Lang.search([("code", "in", LANGS)])
        cls.phq9 = env.ref("serene_client_portal.survey_assessment_phq9")

    def _key(self, partner=None):
        partner = partner or self.client
        if not partner.client_portal_id:
            self._add(partner=partner)
        return partner.client_portal_id._new_access_url().rsplit("/", 1)[1]

    def _html_lang(self, text):
        start = text.index("<html")
        return text[start : text.index(">", start)]


@tagged("post_install", "-at_install", "serene")
class TestClientLanguage(ClientLanguageCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.lang = "fr_FR"
        cls.form = cls.env["serene.portal.item"].create(
            {"partner_id": cls.client.id, "item_type": "assessment", "survey_id": cls.phq9.id}
        )
        cls.portal = cls.client.client_portal_id
        # The addon's own words come with its translations; one is set here so that these tests
        # show the plumbing whatever the state of the .po files.
        cls.env.ref("serene_client_portal.portal_home").update_field_translations(
            "arch_db", {"fr_FR": {"To do": "À faire"}, "es_ES": {"To do": "Pendiente"}}
        )

    def test_the_portal_is_in_the_clients_language_whatever_the_url_or_cookie(self):
        key = self._key()
        page = self.url_open(f"/portal/{key}", allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertIn('lang="fr-FR"', self._html_lang(page.text))
        self.assertIn("À faire", page.text)
        # A visitor's browser that last read the website in German, or a German URL: the client's
        # pages stay in the client's language, with no redirect that carries the key elsewhere.
        self.opener.cookies.set("frontend_lang", "de_DE")
        page = self.url_open(f"/portal/{key}", allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertIn('lang="fr-FR"', self._html_lang(page.text))
        page = self.url_open(f"/de/portal/{key}", allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertIn('lang="fr-FR"', self._html_lang(page.text))
        self.assertIn("À faire", page.text)

    def test_a_language_the_website_does_not_offer_gives_the_websites_default(self):
        for code in ("it_IT", "fr_BE"):
            self.env["res.lang"]._activate_lang(code)
        self.website.default_lang_id = self.env["res.lang"]._lang_get("es_ES")
        for lang, expected in (("it_IT", "es-ES"), ("fr_BE", "fr-FR"), ("de_DE", "de-DE"), (False, "es-ES")):
            self.client.lang = lang
            page = self.url_open(f"/portal/{self._key()}", allow_redirects=False)
            self.assertIn(f'lang="{expected}"', self._html_lang(page.text), lang)

    def test_a_dead_key_keeps_the_visitors_language_and_learns_nothing(self):
        expired = self._key()
        self.valid_link(expired).expires_at = fields.Datetime.now() - timedelta(seconds=1)
        answers = []
        for key in (expired, "x" * 43):
            response = self.url_open(f"/portal/{key}", headers={"Accept-Language": "de-DE,de;q=0.9"})
            answers.append((response.status_code, [r.headers.get("Location") for r in response.history]))
            self.assertIn('lang="de-DE"', self._html_lang(response.text), "the visitor's language, not the client's")
        self.assertEqual(answers[0], answers[1])

    def test_the_identity_check_is_in_the_clients_language(self):
        self.company.serene_portal_verify_birthdate = True
        self.client.serene_birthdate = "1990-04-12"
        page = self.url_open(f"/portal/{self._key()}", allow_redirects=False)
        self.assertEqual(page.status_code, 401)
        self.assertIn('lang="fr-FR"', self._html_lang(page.text))
        self.assertIn('name="birthdate"', page.text)

    def test_the_form_is_in_the_clients_language_with_the_published_wording(self):
        key = self._key()
        self.opener.cookies.set("frontend_lang", "de_DE")
        response = self.url_open(f"/portal/{key}/item/{self.form.id}/form")
        self.assertEqual(response.status_code, 200)
        answer = self.form.user_input_id
        self.assertEqual(answer.lang_id.code, "fr_FR")
        self.assertTrue(response.url.split("/", 3)[3].startswith("fr/survey/"), response.url)
        self.assertIn('lang="fr-FR"', self._html_lang(response.text))
        self.assertIn("Dépistage de la dépression (PHQ-9)", response.text)
        self.assertIn("Au cours des 2 dernières semaines", response.text)
        # No language menu: the form is in the client's language, as the portal is.
        self.assertNotIn('<option value="de_DE"', response.text)
        # The way back to the portal reaches the French survey pages too.
        self.assertTrue(
            any(c.name == "serene_portal_return" and c.path == "/fr/survey" for c in self.opener.cookies),
            "the return cookie is sent to /fr/survey/...",
        )
        begin = self.url_open(
            f"/survey/begin/{answer.survey_id.access_token}/{answer.access_token}",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}}),
            headers={"Content-Type": "application/json"},
        ).json()["result"][1]["survey_content"]
        self.assertIn("Peu d&#39;intérêt ou de plaisir à faire les choses", begin)
        self.assertIn("Jamais", begin)
        self.assertIn("Presque tous les jours", begin)
        self.assertNotIn("Not at all", begin)

    def test_the_instruments_in_each_language(self):
        gad7 = self.env.ref("serene_client_portal.survey_assessment_gad7")
        expected = {
            "fr_FR": ("Peu d'intérêt ou de plaisir à faire les choses", "Jamais", "Difficulté à se détendre"),
            "es_ES": ("Poco interés o placer en hacer cosas", "Ningún día", "Ha tenido dificultad para relajarse"),
            "de_DE": (
                "Wenig Interesse oder Freude an Ihren Tätigkeiten",
                "Überhaupt nicht",
                "Schwierigkeiten zu entspannen",
            ),
        }

        def texts(survey):
            return [
                survey.title,
                str(survey.description),
                *survey.question_ids.mapped("title"),
                *survey.question_ids.suggested_answer_ids.mapped("value"),
                *survey.serene_severity_band_ids.mapped("name"),
            ]

        for lang, (phq9_first, never, gad7_fourth) in expected.items():
            phq9, gad = self.phq9.with_context(lang=lang), gad7.with_context(lang=lang)
            self.assertEqual(phq9.question_ids[0].title, phq9_first)
            self.assertEqual(phq9.question_ids[0].suggested_answer_ids[0].value, never)
            self.assertEqual(gad.question_ids[3].title, gad7_fourth)
            for survey in (phq9, gad):
                english = set(texts(survey.with_context(lang="en_US")))
                untranslated = [text for text in texts(survey) if text in english and text not in ("Minimal",)]
                self.assertEqual(untranslated, [], f"{survey.with_context(lang='en_US').title} in {lang}")

    def test_emails_and_text_messages_in_the_clients_language(self):
        mail_template = self.env.ref("serene_client_portal.mail_template_portal_items")
        sms_template = self.env.ref("serene_client_portal.sms_template_portal_link")
        self.env["res.lang"]._activate_lang("it_IT")
        for code, word in (("fr_FR", "portail"), ("it_IT", "portale")):
            mail_template.with_context(lang=code).subject = f"{{{{ object.company_id.name }}}}: votre {word}"
            sms_template.with_context(lang=code).body = f"Votre {word}: {{{{ ctx.get('portal_url') }}}}"
        self.client.phone = "+32470000001"
        Notification = self.env["serene.portal.notification"]
        for lang, word in (("fr_FR", "portail"), ("it_IT", None)):
            self.client.lang = lang
            Notification._send(
                "serene_client_portal.mail_template_portal_items",
                self.portal,
                self.client,
                "link",
                portal=self.portal,
                values={"portal_url": "https://example.com/portal/k"},
            )
            Notification._send(
                "serene_client_portal.sms_template_portal_link",
                self.portal,
                self.client,
                "link",
                portal=self.portal,
                values={"portal_url": "https://example.com/portal/k"},
            )
            mail = (
                self.env["mail.mail"]
                .sudo()
                .search([("serene_portal_id", "=", self.portal.id)], order="id desc", limit=1)
            )
            sms = (
                self.env["sms.sms"].sudo().search([("serene_portal_id", "=", self.portal.id)], order="id desc", limit=1)
            )
            if word:
                self.assertIn(f"votre {word}", mail.subject)
                self.assertIn(f"Votre {word}", sms.body)
            else:
                # Italian is active in Odoo but the website does not offer it: its default, English.
                self.assertIn("your client portal", mail.subject)
                self.assertIn("your client portal link", sms.body)

    def test_the_access_letter_is_in_the_clients_language(self):
        self.env.ref("serene_client_portal.report_access_letter_document").update_field_translations(
            "arch_db", {"fr_FR": {"Your client portal": "Votre portail client"}}
        )
        Report = self.env["ir.actions.report"].with_user(self.user_owner)
        html = Report._render_qweb_html("serene_client_portal.report_access_letter", self.portal.ids)[0].decode()
        self.assertIn("Votre portail client", html)
        self.client.lang = "it_IT" if self.env["res.lang"]._activate_lang("it_IT") else "en_US"
        html = Report._render_qweb_html("serene_client_portal.report_access_letter", self.portal.ids)[0].decode()
        self.assertIn("Your client portal", html)

    def test_dates_and_times_in_the_clients_time_zone(self):
        self.company.partner_id.tz = "Europe/Brussels"
        self.client.tz = False
        self.assertEqual(self.client._serene_client_tz(), "Europe/Brussels")
        self.client.tz = "America/Montreal"
        self.assertEqual(self.client._serene_client_tz(), "America/Montreal")
        # The page's context carries it: a completed item's date is the client's day, in French.
        with freeze_time("2026-03-02 02:30:00"):
            self.form._mark_completed()
        page = self.url_open(f"/portal/{self._key()}", allow_redirects=False).text
        self.assertIn("01/03/2026", page, "2:30 UTC on 2 March is 1 March in Montreal")
