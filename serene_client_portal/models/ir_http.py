from odoo import models
from odoo.http import request

from ..tools import PORTAL_HEADERS


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _post_dispatch(cls, response):
        result = super()._post_dispatch(response)
        # The survey pages of a client's portal forms get the portal's privacy headers.
        if request.httprequest.path.startswith("/survey/") and request.session.get("serene_forms"):
            response.headers.update(PORTAL_HEADERS)
        return result
