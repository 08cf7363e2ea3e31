"""No English left for a French, Spanish or German client: every client page, email and text message
is rendered in English and in each shipped language, and a text that reads the same in both is
listed, page by page and language by language.

A text counts as untranslated when it is identical to a text of the English rendering of the same
page, once the names, dates, numbers, links and brand names in it are taken out and it is not a
word the language shares with English (``SAME_IN``). The words of Odoo's own modules (the survey
engine's buttons, the email layout) are translated by Odoo's own ``i18n/<lang>.po``: where this
Odoo ships none for a module and language they are listed apart and not counted; with a full Odoo
they count like the addon's."""

import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import polib
from lxml import html as lxml_html

from odoo import fields, http
from odoo.modules import Manifest
from odoo.tests import HttpCase, tagged
from odoo.tools.translate import get_po_paths

from .common import HTML_AS_PNG, PDF_BYTES, PNG_BYTES
from .test_client_language import LANGS, TERM_MODULES, ClientLanguageCase

_logger = logging.getLogger(__name__)

# Names that are the same in every language.
ALLOWED = {"Odoo", "PHQ-9", "GAD-7", "PDF", "JPEG", "PNG", "HEIC", "DOCX", "SMS", "QR", "OK"}
# Words that each language writes as English does: checked by hand, kept short.
SAME_IN = {
    "fr_FR": {"Instructions", "Documents", "Date", "Message", "Messages", "Code", "Note", "Total", "Client"},
    "es_ES": {"Total"},
    # "Assessment": the loanword German clinical practice uses (the translators' choice).
    "de_DE": {"Name", "Link", "Portal", "Code", "Status", "Assessment"},
}
# Where a text is read besides an element's own text.
TEXT_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-description", "aria-roledescription")
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg"}
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
PARTS = re.compile(r"<|%\(|%s|\{\{")
URL = re.compile(r"https?://\S+|/portal/\S+|\S+@\S+")


def normalize(text):
    # Without the invisible padding of an email's preview text.
    return " ".join((text or "").replace("\u034f", " ").replace("\u200b", " ").split())


def visible_texts(markup):
    """The texts of ``markup`` (an HTML page or fragment) a person reads or hears: element text,
    the text after each element, and the attributes a screen reader speaks."""
    if not markup.strip():
        return set()
    root = lxml_html.fromstring(markup) if "<" in markup else None
    if root is None:
        return {normalize(markup)}
    texts = set()
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            texts.add(normalize(element.tail))
            continue
        if element.tag not in SKIPPED_TAGS:
            texts.add(normalize(element.text))
            texts.update(normalize(element.get(name)) for name in TEXT_ATTRIBUTES)
            if element.tag == "input" and element.get("type") in ("submit", "button"):
                texts.add(normalize(element.get("value")))
        texts.add(normalize(element.tail))
    texts.discard("")
    return texts


def pot_terms(module):
    """The normalized source texts of ``module``'s .pot (empty when it ships none)."""
    path = Path(Manifest.for_addon(module).path, "i18n", f"{module}.pot")
    if not path.exists():
        return set()
    return {normalize(entry.msgid) for entry in polib.pofile(str(path))}


@tagged("post_install", "-at_install", "serene", "i18n")
class TestClientTranslations(ClientLanguageCase, HttpCase):
    """Fails with the list of every untranslated text, per page and language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        Item = env["serene.portal.item"]
        base = {"partner_id": cls.client.id}
        cls.company.write({"email": "hello@practice.example", "phone": "+32 2 555 01 02"})
        cls.client.sudo().write({"serene_birthdate": "1990-04-12", "tz": "Europe/Brussels"})
        # One PHQ-9 per language: each language opens a form at its start page.
        cls.forms = {
            lang: Item.create(dict(base, item_type="assessment", survey_id=cls.phq9.id)) for lang in ("en_US", *LANGS)
        }
        cls.request_item = Item.create(
            dict(base, item_type="document_request", name="ID card", accepted_kind_ids=cls._kinds("pdf", "image"))
        )
        cls.done_request = Item.create(
            dict(base, item_type="document_request", name="Referral letter", accepted_kind_ids=cls._kinds("pdf"))
        )
        cls.done_request._mark_completed()
        Item.create(
            dict(
                base,
                item_type="resource",
                name="Worksheet",
                attachment_ids=[(0, 0, {"name": "worksheet.pdf", "raw": PDF_BYTES})],
            )
        )
        Item.create(dict(base, item_type="link", name="Breathing exercise", url="https://example.com/breathe"))
        Item.create(
            dict(base, item_type="instructions", name="Before we meet", description="<p>Bring your glasses.</p>")
        )
        cls.consent = Item.create(
            dict(base, item_type="consent", name="Consent to treatment", description="<p>Consent text 42.</p>")
        )
        env["calendar.event"].create(
            {
                "name": "Session",
                "start": fields.Datetime.now() + timedelta(days=3),
                "stop": fields.Datetime.now() + timedelta(days=3, hours=1),
                "partner_ids": [(6, 0, cls.client.ids)],
            }
        )
        cls.portal = cls.client.client_portal_id
        cls.key = cls._key(cls)
        # What a page says that is not a word to translate: names, the practice, the items' titles.
        cls.names = sorted(
            {
                cls.client.name,
                cls.company.name,
                cls.company.email,
                cls.company.phone,
                cls.user_owner.name,
                *cls.portal.item_ids.mapped("name"),
                "Bring your glasses.",
                "Consent text 42.",
                "worksheet.pdf",
                "scan.png",
                "Session",
            },
            key=len,
            reverse=True,
        )
        odoo_modules = [module for module in TERM_MODULES if module != "serene_client_portal"]
        cls.addon_terms = pot_terms("serene_client_portal")
        cls.odoo_terms = {module: pot_terms(module) for module in odoo_modules}

    # ------------------------------------------------------------------
    # Rendering everything a client reads, in one language
    # ------------------------------------------------------------------

    def _post(self, path, **data):
        return self.url_open(path, data=dict(data, csrf_token=http.Request.csrf_token(self)), allow_redirects=False)

    def _jsonrpc(self, path, params):
        return self.url_open(
            path,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        ).json()["result"]

    def _message(self, template, record, recipient, kind, values=None):
        """What the one sender queues for ``recipient``: an email's subject and body, or an SMS's text."""
        rows = self.env["serene.portal.notification"]._send(
            f"serene_client_portal.{template}", record, recipient, kind, portal=self.portal, values=values
        )
        if rows.channel == "sms":
            return self.env["sms.sms"].sudo().search([("serene_notification_id", "=", rows.id)]).body
        mail = self.env["mail.mail"].sudo().search([("serene_notification_id", "=", rows.id)])
        return f"<div><p>{mail.subject}</p>{mail.body_html}</div>"

    def _render_all(self, lang):
        """{page or message: its HTML or text}, for a client (and a note owner) reading ``lang``."""
        self.client.lang = lang
        self.user_owner.lang = lang
        # A new visit from a browser set to ``lang``: the pages with no key follow the browser.
        self.opener.cookies.clear()
        self.authenticate(None, None)
        # A browser's new session has no language of its own (the test's has English).
        self.session.context.pop("lang", None)
        http.root.session_store.save(self.session)
        self.opener.headers["Accept-Language"] = lang.replace("_", "-")
        key = self.key
        pages = {}
        get = self.url_open
        pages["home"] = get(f"/portal/{key}").text
        pages["link not valid"] = get("/portal/link-not-valid").text
        pages["new link requested"] = self._post("/portal/request-link", email="nobody@example.com").text
        pages["item not available"] = get(f"/portal/{key}/item/{self.forms['en_US'].id + 100000}/consent").text
        pages["consent"] = get(f"/portal/{key}/item/{self.consent.id}/consent").text
        files = [("files", ("scan.png", PNG_BYTES))]
        upload = f"/portal/{key}/item/{self.request_item.id}/upload"
        csrf = {"csrf_token": http.Request.csrf_token(self)}
        sent = self.url_open(upload, data=dict(csrf, note=""), files=files, allow_redirects=False)
        pages["upload received"] = get(sent.headers["Location"]).text
        refused = self.url_open(upload, data=dict(csrf, note=""), files=[("files", ("scan.png", HTML_AS_PNG))])
        pages["upload refused"] = refused.text
        pages["secure messages"] = get(f"/portal/{key}/messages").text
        form = get(f"/portal/{key}/item/{self.forms[lang].id}/form")
        pages["form: start page"] = form.text
        answer = self.forms[lang].user_input_id
        tokens = f"{answer.survey_id.access_token}/{answer.access_token}"
        pages["form: questions"] = self._jsonrpc(f"/survey/begin/{tokens}", {})[1]["survey_content"]
        # The identity check: asked, refused, a code sent.
        self.company.write({"serene_portal_verify_birthdate": True, "serene_portal_verify_code": "email"})
        pages["identity check"] = get(f"/portal/{key}").text
        pages["identity check: not matching"] = self._post(f"/portal/{key}/verify", birthdate="1980-01-01").text
        pages["identity check: code sent"] = self._post(f"/portal/{key}/verify", send_code="1").text
        self.company.write({"serene_portal_verify_birthdate": False, "serene_portal_verify_code": "none"})
        pages["signed out"] = self._post(f"/portal/{key}/sign-out").text
        # Emails and text messages, as the one sender renders them.
        url = {"portal_url": "https://practice.example/portal/k"}
        items = self.request_item
        pages["email: new items"] = self._message(
            "mail_template_portal_items", self.portal, self.client, "items", dict(url, portal_items=items)
        )
        pages["email: reminder"] = self._message(
            "mail_template_portal_items",
            self.portal,
            self.client,
            "reminder",
            dict(url, portal_items=items, portal_reminder=True),
        )
        pages["email: link"] = self._message("mail_template_portal_items", self.portal, self.client, "link", url)
        code = {"portal_code": "123456", "code_minutes": 10}
        pages["email: identity code"] = self._message(
            "mail_template_identity_code", self.portal, self.client, "code", code
        )
        pages["email: appointment (portal block)"] = str(
            self.env["ir.qweb"]
            .with_context(lang=self.client._serene_client_lang())
            ._render("serene_client_portal.calendar_portal_link", {"portal": self.portal, "url": url["portal_url"]})
        )
        owner = self.user_owner.partner_id
        pages["email to the note owner: urgent"] = self._message(
            "mail_template_note_owner_urgent", self.portal, owner, "urgent", {"contact_url": "https://x.example/c"}
        )
        when = fields.Datetime.now() + timedelta(days=1)
        pages["email to the note owner: daily digest"] = self._message(
            "mail_template_digest_daily",
            self.user_owner,
            owner,
            "digest",
            {"digest_rows": [{"url": "https://x.example/c", "when": when, "pending": 2}]},
        )
        pages["email to the note owner: weekly digest"] = self._message(
            "mail_template_digest_weekly",
            self.user_owner,
            owner,
            "digest",
            {"digest_rows": [{"url": "https://x.example/c", "visits": 3, "forms": 1, "documents": 2, "pending": 1}]},
        )
        pages["email: new secure message"] = self._message(
            "mail_template_portal_message", self.portal, self.client, "message", url
        )
        pages["email to the note owner: new secure message"] = self._message(
            "mail_template_note_owner_message",
            self.portal,
            owner,
            "message_staff",
            {"backend_url": "https://x.example/odoo"},
        )
        pages["email: the answer to a reply"] = self._message(
            "mail_template_message_email_reply",
            self.client,
            self.client,
            "auto_reply",
            {"is_staff": False, "portal_request_url": "https://x.example/r", "backend_url": "https://x.example/o"},
        )
        self.company.serene_portal_notify_sms = True
        for template, kind, values in (
            ("sms_template_portal_link", "link", url),
            ("sms_template_portal_items", "items", url),
            ("sms_template_portal_reminder", "reminder", url),
            ("sms_template_identity_code", "code", code),
            ("sms_template_portal_message", "message", url),
        ):
            pages[f"SMS: {template.removeprefix('sms_template_')}"] = self._message(
                template, self.portal, self.client, kind, values
            )
        return pages

    # ------------------------------------------------------------------
    # Comparing
    # ------------------------------------------------------------------

    def _words(self, text):
        """``text`` without names, links and numbers: what is left to translate."""
        for name in self.names:
            text = text.replace(name, " ")
        text = URL.sub(" ", text)
        return normalize(text)

    def _untranslated(self, lang, english, translated):
        """The texts of ``translated`` read as in ``english``: (the addon's, Odoo's own)."""
        same = {
            text for text in visible_texts(translated) & visible_texts(english) if LETTERS.search(self._words(text))
        }
        same = {text for text in same if self._words(text) not in ALLOWED | SAME_IN.get(lang, set())}
        addon, odoo = [], []
        for text in sorted(same):
            owners = self._owners(self._words(text))
            if owners and not any(list(get_po_paths(module, lang)) for module in owners):
                odoo.append(f"{text!r} ({', '.join(owners)})")
            else:
                addon.append(repr(text))
        return addon, odoo

    def _owners(self, words):
        """The Odoo modules whose source texts hold ``words`` when the addon's do not: a whole
        source text, or a part of one with markup or placeholders (an email's body, a message
        with values), not a word of a longer label."""

        def holds(terms):
            return words in terms or any(words in term for term in terms if PARTS.search(term))

        if holds(self.addon_terms):
            return []
        return [module for module, terms in self.odoo_terms.items() if holds(terms)]

    def test_no_untranslated_text_for_a_client(self):
        english = self._render_all("en_US")
        report, odoo_report, count = [], [], 0
        for lang in LANGS:
            rendered = self._render_all(lang)
            self.assertEqual(set(rendered), set(english))
            for page, markup in rendered.items():
                if "<html" in markup and not page.startswith(("email", "SMS")):
                    html_tag = markup[markup.index("<html") : markup.index(">", markup.index("<html")) + 1]
                    if f'lang="{lang.replace("_", "-")}"' not in html_tag:
                        report.append(f"[{lang}] {page}: {html_tag}")
                addon, odoo = self._untranslated(lang, english[page], markup)
                count += len(addon)
                if addon:
                    report.append(f"[{lang}] {page} ({len(addon)}): {', '.join(addon)}")
                if odoo:
                    odoo_report.append(f"[{lang}] {page}: {', '.join(odoo)}")
        if odoo_report:
            _logger.info(
                "Odoo's own words left in English because this Odoo ships no translation of their module "
                "(not counted):\n%s",
                "\n".join(odoo_report),
            )
        if report:
            self.fail(
                f"{count} untranslated texts on the client's pages, emails and text messages:\n" + "\n".join(report)
            )
