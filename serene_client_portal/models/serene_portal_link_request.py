import hashlib

from odoo import api, fields, models
from odoo.tools import email_normalize


class SerenePortalLinkRequest(models.Model):
    """An "Email me a new link" request, waiting for the scheduled action that answers it.

    The visitor's request does the same work whether or not the address belongs to a client
    (one row, one trigger), so its timing tells nothing; the lookup and the email happen
    after the response, in the cron worker."""

    _name = "serene.portal.link.request"
    _description = "Client Portal Link Request"
    _log_access = False

    email = fields.Char(required=True)
    requested_at = fields.Datetime(required=True, default=fields.Datetime.now)

    @api.model
    def _queue(self, email, address):
        """Queue a request for a fresh link to ``email``, counted per asking ``address`` (an IPv4
        address or IPv6 /64) and per email address; whether anything was queued."""
        # sudo: serene.portal.throttle - the requests of anonymous visitors are counted, whoever asks
        Throttle = self.env["serene.portal.throttle"].sudo()
        allowed, _found = Throttle._count_attempt("link_ip", address)
        if not allowed:
            return False
        email = email_normalize(email or "")
        if not email or len(email) > 254:
            return False
        allowed, _found = Throttle._count_attempt("link_email", hashlib.sha256(email.encode()).hexdigest())
        if not allowed:
            return False
        # sudo: serene.portal.link.request - the visitor is anonymous
        self.sudo().create({"email": email})
        # sudo: ir.cron - the anonymous visitor's request wakes the job that answers it
        self.env.ref("serene_client_portal.ir_cron_send_requested_links").sudo()._trigger()
        return True

    @api.model
    def _cron_send_requested_links(self):
        """Answer the queued requests: a fresh link to each client whose address matched."""
        requests = self.search([], order="id", limit=200)
        self.env["serene.client.portal"]._request_links_by_email(requests.mapped("email"))
        requests.unlink()
        if len(requests) == 200:
            self.env.ref("serene_client_portal.ir_cron_send_requested_links")._trigger()
