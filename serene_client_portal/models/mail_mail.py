from odoo import fields, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    # The portal a client email (link, code) belongs to. The mail is attached to no document,
    # so only its sender, its recipient and administrators read it; it is removed once sent
    # or given up.
    serene_portal_id = fields.Many2one("serene.client.portal", index="btree_not_null", ondelete="cascade")
    # A one-time code's mail is worth sending until the code expires, and never after.
    serene_valid_until = fields.Datetime()
