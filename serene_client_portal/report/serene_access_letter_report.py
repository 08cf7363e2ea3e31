import base64
import functools
import io
import subprocess

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools.misc import find_in_path

from ..tools.identity import identity_recently_checked


def qr_data_uri(text):
    """``text`` as a QR code, a PNG data: URI that the letter carries inside itself."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(text)
    code.make(fit=True)
    stream = io.BytesIO()
    code.make_image().save(stream, format="PNG")
    return "data:image/png;base64," + base64.b64encode(stream.getvalue()).decode()


@functools.lru_cache(1)
def wkhtmltopdf_prints_headers():
    """Whether wkhtmltopdf prints report headers: only its builds "with patched qt" do, so with
    others (Debian's) the letter carries the practice's letterhead in its body instead."""
    try:
        version = subprocess.run(
            [find_in_path("wkhtmltopdf"), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "patched qt" in version


class ReportSereneClientPortalReportAccessLetter(models.AbstractModel):
    """The printable access letter: a fresh link to the client's portal, as a QR code and as
    text, with short instructions, on the practice's letterhead. It names no item: the letter
    may be read by anyone who holds it."""

    _name = "report.serene_client_portal.report_access_letter"
    _description = "Client Portal Access Letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        """Mint one fresh link per portal at print time, logged as a link sent by letter. Only
        the note owner or a practice manager may: the report routes reach here directly."""
        Portal = self.env["serene.client.portal"]
        portals = Portal.browse(docids)
        portals.check_access("read")
        portals.partner_id._serene_check_access_level(need="owner")
        # Minting revokes the oldest live link: only through the web client's download, a POST
        # with a CSRF token, never through a GET that another site could make the browser send.
        if request and request.httprequest.method != "POST":
            raise UserError(_("Print the access letter with the button on the client's Client Portal page."))
        # A letter is a live key: a web session prints it only after the password (the button asks).
        if not identity_recently_checked():
            raise UserError(_("Confirm your password first: print the letter with the button on the client's page."))
        archived = portals.filtered(lambda portal: not portal.active)
        if archived:
            raise UserError(
                _(
                    "The client portal of %(names)s is archived: restore it before printing an access letter.",
                    names=", ".join(archived.mapped("partner_id.name")),
                )
            )
        today = fields.Date.context_today(self)
        letters = {}
        for portal in portals:
            company = portal.company_id
            url = portal._new_access_url(detail=_("Printed access letter"))
            letters[portal.id] = {
                "url": url,
                "qr": qr_data_uri(url),
                "date": today,
                "expiry_days": company.serene_portal_link_expiry_days,
                "sliding": company.serene_portal_link_sliding,
                "identity_check": company.serene_portal_verify_birthdate
                or company.serene_portal_verify_code in ("email", "sms"),
            }
        return {
            "doc_ids": portals.ids,
            "doc_model": Portal._name,
            "docs": portals,
            "letters": letters,
            "letterhead_in_body": (data or {}).get("report_type") == "pdf" and not wkhtmltopdf_prints_headers(),
        }
