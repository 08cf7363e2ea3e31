"""Client pages give scripts no permission where none runs (``script-src 'none'``); the signing
page and the survey pages allow their own scripts only: the bundles of this server and the
inline scripts they carry, by hash, never ``'unsafe-inline'``."""

import base64
import hashlib
import re
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tools import config

from odoo.addons.serene_client_portal.tools import portal_csp

from .common import SereneCase

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)


def script_src(response):
    policy = response.headers["Content-Security-Policy"]
    [directive] = [part.strip() for part in policy.split(";") if part.strip().startswith("script-src")]
    return directive


@tagged("post_install", "-at_install", "serene", "security")
class TestClientPagesRunNoScript(SereneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Item = cls.env["serene.portal.item"]
        base = {"partner_id": cls.client.id}
        cls.form = Item.create(dict(base, item_type="intake_form", survey_id=cls.survey_intake.id))
        cls.consent = Item.create(dict(base, item_type="consent", name="Consent", description="<p>I agree.</p>"))
        cls.key = cls.client.client_portal_id._new_access_url().rsplit("/", 1)[1]

    def _assert_only_own_scripts(self, response):
        directive = script_src(response)
        self.assertNotIn("'unsafe-inline'", directive)
        self.assertNotIn("*", directive)
        inline = INLINE_SCRIPT.findall(response.text)
        self.assertTrue(inline, "the page runs Odoo's frontend")
        for script in inline:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            self.assertIn(f"'sha256-{digest}'", directive, "each inline script of the page by its hash")
        self.assertEqual(directive.count("'sha256-"), len(set(inline)), "and no other")

    def test_portal_pages_without_script_allow_none(self):
        # As in production: the test tours' scripts are not on the page.
        with patch.dict(config.options, {"test_enable": False}):
            for path in (
                f"/portal/{self.key}",
                f"/portal/{self.key}/messages",
                "/portal/link-not-valid",
                f"/portal/{'x' * 43}",
            ):
                with self.subTest(path=path):
                    response = self.url_open(path)
                    self.assertNotIn("<script", response.text)
                    self.assertEqual(script_src(response), "script-src 'none'")

    def test_the_signing_page_allows_only_its_own_scripts(self):
        with patch.dict(config.options, {"test_enable": False}):
            response = self.url_open(f"/portal/{self.key}/item/{self.consent.id}/consent")
        self.assertEqual(response.status_code, 200)
        self.assertIn("portal.signature_form", response.text)
        self._assert_only_own_scripts(response)

    def test_the_survey_pages_allow_only_their_own_scripts(self):
        with patch.dict(config.options, {"test_enable": False}):
            start = self.url_open(f"/portal/{self.key}/item/{self.form.id}/form")
        self.assertIn("/survey/", start.url)
        self.assertEqual(start.status_code, 200)
        self._assert_only_own_scripts(start)

    def test_the_policy_follows_the_page(self):
        self.assertIn("script-src 'none'", portal_csp(b"<html><body><p>Hello</p></body></html>"))
        policy = portal_csp(b"<html><script src='/web/assets/x.js'></script><script>var a = 1;</script></html>")
        digest = base64.b64encode(hashlib.sha256(b"var a = 1;").digest()).decode()
        self.assertIn(f"script-src 'self' 'unsafe-eval' 'sha256-{digest}'", policy)
        self.assertNotIn("unsafe-inline'", policy.split("style-src")[0])
