from odoo import _, fields, models

from .serene_portal_notification import MAIL_STATES


class MailMail(models.Model):
    _inherit = "mail.mail"

    # The portal a client email (link, code) belongs to. The mail is attached to no document,
    # so only its sender, its recipient and administrators read it; it is removed once sent
    # or given up.
    serene_portal_id = fields.Many2one("serene.client.portal", index="btree_not_null", ondelete="cascade")
    # What staff see of it once it is gone: queued, sent or failed.
    serene_notification_id = fields.Many2one("serene.portal.notification", index="btree_not_null", ondelete="set null")
    # A one-time code's mail is worth sending until the code expires, and never after.
    serene_valid_until = fields.Datetime()

    def _serene_add_portal_link(self):
        """A calendar mail to a client with an active portal gets a fresh link to it, in this
        email only: never in the event's message, which the organiser and others read. The mail
        is read by administrators alone and is deleted once sent."""
        # sudo: res.partner / serene.client.portal - the booking user may not read the client's portal
        portals = self.recipient_ids.sudo().filtered("is_client").client_portal_id.filtered("active")
        for mail in self:
            portal = portals.filtered(lambda p, m=mail: p.partner_id in m.recipient_ids)[:1]
            if not portal:
                continue
            block = (
                self.env["ir.qweb"]
                .with_context(lang=portal.partner_id._serene_client_lang())
                ._render(
                    "serene_client_portal.calendar_portal_link",
                    {"portal": portal, "url": portal._new_access_url(detail=_("Appointment email"))},
                )
            )
            body = mail.body_html or ""
            message_body = str(mail.mail_message_id.body or "")
            if message_body and message_body in body:
                body = body.replace(message_body, message_body + str(block), 1)
            elif "</body>" in body:
                body = body.replace("</body>", f"{block}</body>", 1)
            else:
                body += str(block)
            # Odoo's calendar queued it: the sender keeps its delivery row and retries it.
            row = self.env["serene.portal.notification"]._track(portal, "email", "appointment", portal.partner_id.email)
            mail.write({"body_html": body, "serene_portal_id": portal.id, "serene_notification_id": row.id})

    def write(self, vals):
        result = super().write(vals)
        if "state" in vals and vals["state"] in MAIL_STATES:
            tracked = self.filtered("serene_notification_id")
            if tracked:
                tracked.serene_notification_id._follow(MAIL_STATES[vals["state"]], vals.get("failure_reason"))
        return result
