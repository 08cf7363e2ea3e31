import json
import os
from pathlib import Path

from odoo.tests import HttpCase, tagged

from .common import PDF_BYTES, XSS, SereneCase

AXE_JS = Path(
    os.environ.get("SERENE_AXE_JS")
    or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache",
    )
    / "serene-client-portal"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)

# Run axe-core on the loaded page; report serious and critical violations as a test error.
AXE_RUN = """
axe.run(document, {resultTypes: ["violations"], runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]})
  .then((result) => {
    const bad = result.violations.filter((v) => ["serious", "critical"].includes(v.impact));
    if (bad.length) {
      console.error("axe: " + JSON.stringify(bad.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
      }))));
    } else {
      console.log("axe checked " + result.passes.length + " rules");
      console.log("test successful");
    }
  });
"""


class AxePages(SereneCase):
    """WCAG 2.1 AA on the client's pages, checked by axe-core in Chromium."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Item = cls.env["serene.portal.item"]
        base = {"partner_id": cls.client.id}
        Item.create(dict(base, item_type="intake_form", survey_id=cls.survey_intake.id))
        Item.create(dict(base, item_type="document_request", name="ID card", accepted_kind_ids=cls._kinds("pdf")))
        Item.create(dict(base, item_type="link", name=XSS, url="https://example.com"))
        Item.create(dict(base, item_type="instructions", name="Before we meet", description="<p>Bring water.</p>"))
        cls.key = cls.client.client_portal_id._new_access_url().rsplit("/", 1)[1]

    def _axe(self, path, login=None):
        if not AXE_JS.is_file():
            self.fail(f"axe-core is missing at {AXE_JS}: run scripts/setup.sh")
        code = AXE_JS.read_text() + "\n" + AXE_RUN
        self.browser_js(path, code, ready="document.readyState === 'complete'", login=login, timeout=120)

    def test_portal_home(self):
        self._axe(f"/portal/{self.key}")

    def test_messages_page(self):
        portal = self.client.client_portal_id
        # sudo: serene.portal.message - a thread with a message and a file from each side
        Message = self.env["serene.portal.message"].sudo()
        Message._portal_post(portal.sudo(), "Hello,\nsee the letter.", [("letter.pdf", PDF_BYTES)])
        self.env["serene.portal.message"].with_user(self.user_owner).create(
            {"portal_id": portal.id, "body": "Thank you, see you Monday."}
        )
        self._axe(f"/portal/{self.key}/messages")

    def test_link_not_valid_page(self):
        self._axe("/portal/link-not-valid")

    def test_identity_check_page(self):
        self.company.write({"serene_portal_verify_birthdate": True, "serene_portal_verify_code": "sms"})
        self._axe(f"/portal/{self.key}")

    def test_staff_preview(self):
        self._axe(f"/portal/preview/{self.client.client_portal_id.id}", login="t_owner")


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestPortalAccessibility(AxePages, HttpCase):
    allow_inherited_tests_method = True

    def test_runner_reports_violations(self):
        """The check can fail: a page with an unlabelled input and low contrast is caught."""
        code = (
            AXE_JS.read_text()
            + "\ndocument.body.insertAdjacentHTML('beforeend', "
            + json.dumps('<input type="text"><p style="color:#eee;background:#fff">faint</p>')
            + ");\n"
            + AXE_RUN.replace('console.log("test successful");', 'console.error("no violation found");')
        )
        with self.assertRaises(AssertionError) as caught:
            self.browser_js("/portal/link-not-valid", code, ready="document.readyState === 'complete'", timeout=60)
        # The JSON report, not the echoed source: axe's minified code has no quoted keys.
        self.assertIn('{"id":"label"', str(caught.exception))
        self.assertIn('{"id":"color-contrast"', str(caught.exception))


@tagged("post_install", "-at_install", "serene", "serene_slow")
class TestPortalAccessibilityPhone(AxePages, HttpCase):
    """The same pages on a 360 px wide phone screen."""

    allow_inherited_tests_method = True
    browser_size = "360x780"
    touch_enabled = True
