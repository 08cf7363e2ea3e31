from odoo import http
from odoo.http import request

from odoo.addons.web.controllers.binary import Binary

# The fields of ir.attachment that hold a file's bytes.
FILE_FIELDS = ("raw", "datas")


def _attachment_id(model, record_id, field):
    """The id of the ir.attachment whose bytes a /web/content or /web/image call asks for, or None."""
    if (model or "ir.attachment") != "ir.attachment" or (field or "raw") not in FILE_FIELDS:
        return None
    try:
        return int(record_id)
    except (TypeError, ValueError):
        return None


class ClientFileBinary(Binary):
    """Staff opening a client's file (the Records page's download, Odoo's viewer) through
    /web/content or /web/image write one row of the client's portal activity. A resized image
    (a thumbnail in a list or the chatter) is not a reading of the file and writes nothing."""

    def _client_file_readonly(self, rule, args):
        """Odoo serves files on a read-only cursor; a client's file opened by staff needs a
        read/write one for its row. A visitor's file (a website image) costs no lookup."""
        if not request.session.uid:
            return True
        query = request.httprequest.args
        attachment_id = _attachment_id(
            args.get("model") or query.get("model"),
            args.get("id") or query.get("id"),
            args.get("field") or query.get("field"),
        )
        return not attachment_id or not request.env["ir.attachment"]._serene_is_client_file(attachment_id)

    @http.route(readonly=_client_file_readonly)
    def content_common(self, xmlid=None, model="ir.attachment", id=None, field="raw", **kw):
        response = super().content_common(xmlid=xmlid, model=model, id=id, field=field, **kw)
        self._log_client_file_read(response, xmlid, model, id, field)
        return response

    @http.route(readonly=_client_file_readonly)
    def content_image(self, xmlid=None, model="ir.attachment", id=None, field="raw", width=0, height=0, **kw):
        response = super().content_image(xmlid=xmlid, model=model, id=id, field=field, width=width, height=height, **kw)
        if not int(width or 0) and not int(height or 0):
            self._log_client_file_read(response, xmlid, model, id, field)
        return response

    def _log_client_file_read(self, response, xmlid, model, record_id, field):
        attachment_id = None if xmlid else _attachment_id(model, record_id, field)
        if response.status_code != 200 or not attachment_id or not request.env.user._is_internal():
            return
        attachment = request.env["ir.attachment"].browse(attachment_id)
        # /web/image answers a refused file with a placeholder image: only a file the user may read counts.
        if attachment.has_access("read"):
            attachment._serene_log_staff_read()
