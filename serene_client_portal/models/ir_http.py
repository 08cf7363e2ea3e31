from werkzeug.exceptions import RequestEntityTooLarge

from odoo import models
from odoo.http import request

from ..tools import set_portal_headers


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        """A client's upload (files for a request or with a message) is refused from its declared
        size, before Odoo parses the body."""
        path = request.httprequest.path
        uploading = path.endswith("/upload") or (path.endswith("/messages") and request.httprequest.method == "POST")
        if path.startswith("/portal/") and uploading:
            # sudo: res.company - the practices' upload limit, read before the key is known
            [(largest_mb,)] = request.env["res.company"].sudo()._read_group([], [], ["serene_portal_upload_max_mb:max"])
            # The files, and room for the form's other fields and the multipart framing.
            limit = (largest_mb or 10) * 1024 * 1024 + 64 * 1024
            request.httprequest.max_content_length = limit
            if (request.httprequest.content_length or 0) > limit:
                raise RequestEntityTooLarge()
        return super()._pre_dispatch(rule, args)

    @classmethod
    def _get_translation_frontend_modules_name(cls):
        """The addon's words in the browser (the signature pad's button names, the survey's
        dialogs) in the client's language: the frontend loads the addon's translations."""
        return [*super()._get_translation_frontend_modules_name(), "serene_client_portal"]

    @classmethod
    def _post_dispatch(cls, response):
        result = super()._post_dispatch(response)
        # The survey pages of a client's portal forms get the portal's privacy headers.
        if request.httprequest.path.startswith("/survey/") and request.session.get("serene_forms"):
            set_portal_headers(response)
        return result
