import hashlib
import logging

from odoo import api, models
from odoo.tools import email_normalize
from odoo.tools.mail import unfold_references

from .serene_portal_notification import AUTO_REPLY_TAG, SECURE_MESSAGE_TAG

_logger = logging.getLogger(__name__)


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _detect_loop_headers(self, msg_dict):
        """A reply to the notice of a secure message imports nothing, anywhere: the thread is on
        the portal only. Its sender is answered once that replies are not read, with the way to
        the portal; a reply to that answer is dropped too."""
        references = [ref for ref in unfold_references(msg_dict.get("references") or "") if ref]
        references.append(msg_dict.get("in_reply_to") or "")
        if any(f"-openerp-{AUTO_REPLY_TAG}@" in ref for ref in references):
            _logger.info("Ignored a reply to the answer to an email reply (Message-Id %s)", msg_dict.get("message_id"))
            return True
        if any(f"-openerp-{SECURE_MESSAGE_TAG}@" in ref for ref in references):
            _logger.info("Ignored a reply to a secure message notice (Message-Id %s)", msg_dict.get("message_id"))
            self._serene_answer_email_reply(msg_dict.get("email_from"))
            return True
        return super()._detect_loop_headers(msg_dict)

    @api.model
    def _serene_answer_email_reply(self, email_from):
        """Tell the contact who replied by email to a secure message notice that nothing was kept
        and where to write: known contacts only (no answer to forged or unknown senders), at
        most once an hour an address."""
        email = email_normalize(email_from or "")
        if not email:
            return
        # sudo: res.partner - the gateway runs for an unknown sender; the address is looked up to answer it
        partner = self.env["res.partner"].sudo().search([("email_normalized", "=", email)], limit=1)
        if not partner:
            return
        allowed, _found = self.env["serene.portal.throttle"]._count_attempt(
            "reply_email", hashlib.sha256(email.encode()).hexdigest()
        )
        if not allowed:
            return
        # sudo: res.users - whether the sender is a member of the practice, to point them to Odoo
        is_staff = bool(partner.user_ids.sudo().filtered(lambda user: not user.share))
        base_url = partner.get_base_url()
        self.env["serene.portal.notification"]._send(
            "serene_client_portal.mail_template_message_email_reply",
            partner,
            partner,
            "auto_reply",
            portal=partner.client_portal_id,
            values={
                "is_staff": is_staff,
                "portal_request_url": f"{base_url}/portal/link-not-valid",
                "backend_url": f"{base_url}/odoo",
            },
        )
