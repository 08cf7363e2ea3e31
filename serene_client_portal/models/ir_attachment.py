import hashlib

from odoo import api, fields, models


def seal(data):
    """The SHA-256 a client's file is stored with, from the bytes as received."""
    return hashlib.sha256(data).hexdigest()


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    # Sealed when a client uploads a file or signs a consent: the record it stays.
    serene_sha256 = fields.Char(string="SHA-256", readonly=True, copy=False, groups="base.group_user")
    serene_seal_state = fields.Selection(
        [("verified", "Verified"), ("changed", "Changed")],
        string="Seal",
        compute="_compute_serene_seal_state",
        groups="base.group_user",
    )

    @api.depends("serene_sha256", "checksum")
    def _compute_serene_seal_state(self):
        for attachment in self:
            if not attachment.serene_sha256:
                attachment.serene_seal_state = False
                continue
            # sudo: the bytes are read to be hashed, the caller already reads the record; never
            # their size, which is what the web client's bin_size context would give
            digest = seal(attachment.sudo().with_context(bin_size=False).raw or b"")
            attachment.serene_seal_state = "verified" if digest == attachment.serene_sha256 else "changed"
