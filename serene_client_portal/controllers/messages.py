from odoo import _
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

from .portal import ClientPortal, client_route


class ClientPortalMessages(ClientPortal):
    """The client's secure messages: the same key, identity check and throttle as every other
    portal route (``_portal_check_access``); the model does the rest."""

    def _messages_page(self, portal_sudo, link_sudo, portal_key, status=200, **values):
        page = portal_sudo._portal_messages(link_sudo)
        page.update(values, base_path=f"/portal/{portal_key}", portal_key=portal_key, preview=False)
        return self._render("serene_client_portal.portal_messages", page, status=status)

    @client_route("/messages", ["GET"])
    def portal_messages(self, portal_key, sent=None, **kw):
        try:
            portal_sudo, link_sudo = self._portal_check_access(portal_key)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        success = _("Your message was sent to your practice.") if sent else None
        # Outside the practice's office hours, its automatic answer comes with the confirmation.
        out_of_hours = sent and portal_sudo.company_id._serene_out_of_hours_answer()
        return self._messages_page(portal_sudo, link_sudo, portal_key, success=success, out_of_hours=out_of_hours)

    @client_route("/messages", ["POST"])
    def portal_message_send(self, portal_key, body=None, **kw):
        try:
            portal_sudo, link_sudo = self._portal_check_access(portal_key)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        # The body's size was checked before it was parsed (ir.http); the files are read by the
        # model, each up to the limit, after they were counted.
        files = [(f.filename, f.stream) for f in request.httprequest.files.getlist("files") if f.filename]
        try:
            request.env["serene.portal.message"]._portal_post(portal_sudo, body or "", files, link=link_sudo)
        except (UserError, ValidationError) as error:
            return self._messages_page(
                portal_sudo, link_sudo, portal_key, status=400, error=error.args[0], kept_body=body or ""
            )
        return self._respond(request.redirect(f"/portal/{portal_key}/messages?sent=1#serene_thread_end", local=True))

    @client_route("/messages/<int:message_id>/file/<int:attachment_id>", ["GET"])
    def portal_message_file(self, portal_key, message_id, attachment_id, **kw):
        try:
            portal_sudo, link_sudo, message_sudo = self._portal_message(portal_key, message_id)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        attachment_sudo = message_sudo._portal_download(attachment_id, link=link_sudo)
        if not attachment_sudo:
            return self._item_not_found(portal_sudo, portal_key)
        return self._download(attachment_sudo)
