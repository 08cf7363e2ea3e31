import hashlib
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# The scheduled check reads every sealed file's stored bytes again at least this often.
SEAL_CHECK_DAYS = 7
SEAL_CHECK_BATCH = 100
# Kept by the system: a user who may edit a file still cannot forge or clear its seal.
SEAL_FIELDS = frozenset({"serene_sha256", "serene_seal_checksum", "serene_seal_checked_at", "serene_seal_broken"})


def seal(data):
    """The SHA-256 a client's file is stored with, from the bytes as received."""
    return hashlib.sha256(data).hexdigest()


class IrAttachment(models.Model):
    """Sealed files: an upload or a signed consent keeps the SHA-256 of the bytes received.

    Reading a seal's state never reads the file. It is *changed* when Odoo's own checksum of
    the content (recomputed by Odoo whenever the content is written) differs from the one the
    file was sealed with, or when the last reading of the stored bytes did not match the seal:
    the scheduled check reads every sealed file again at least every ``SEAL_CHECK_DAYS`` days,
    and staff can check one at once from the Records page."""

    _name = "ir.attachment"
    _inherit = ["ir.attachment", "serene.system.fields.mixin"]
    _serene_system_fields = SEAL_FIELDS

    # Sealed when a client uploads a file or signs a consent: the record it stays.
    serene_sha256 = fields.Char(string="SHA-256", readonly=True, copy=False, groups="base.group_user")
    # Odoo's checksum of the sealed bytes, which Odoo computes anyway when it stores them.
    serene_seal_checksum = fields.Char(readonly=True, copy=False, groups="base.group_user")
    serene_seal_checked_at = fields.Datetime(
        string="Seal Checked",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="When the stored bytes were last compared with the seal: when the file was sealed, then at each check.",
    )
    serene_seal_broken = fields.Boolean(readonly=True, copy=False, groups="base.group_user")
    serene_seal_state = fields.Selection(
        [("verified", "Verified"), ("changed", "Changed")],
        string="Seal",
        compute="_compute_serene_seal_state",
        groups="base.group_user",
    )

    @api.depends("serene_sha256", "serene_seal_checksum", "serene_seal_broken", "checksum")
    def _compute_serene_seal_state(self):
        for attachment in self:
            if not attachment.serene_sha256:
                state = False
            elif attachment.serene_seal_broken:
                state = "changed"
            elif attachment.serene_seal_checksum:
                state = "verified" if attachment.checksum == attachment.serene_seal_checksum else "changed"
            else:
                # Sealed before seals kept Odoo's checksum: hashed here until the scheduled check records it.
                state = "verified" if attachment._serene_stored_digest() == attachment.serene_sha256 else "changed"
            attachment.serene_seal_state = state

    @api.model_create_multi
    def create(self, vals_list):
        attachments = super().create(vals_list)
        now = fields.Datetime.now()
        for attachment, vals in zip(attachments, vals_list, strict=True):
            if vals.get("serene_sha256"):
                # Odoo's checksum of the very bytes the seal was taken from, as it stored them.
                attachment.write({"serene_seal_checksum": attachment.checksum, "serene_seal_checked_at": now})
        return attachments

    def _serene_stored_digest(self):
        """The SHA-256 of the bytes Odoo stores for this file (read from the filestore)."""
        self.ensure_one()
        data = self._file_read(self.store_fname) if self.store_fname else self.db_datas
        return seal(data or b"")

    def _serene_check_seals(self):
        """Read the stored bytes of these sealed files again and record whether they still match
        their seal, and when they were checked. Returns the files that no longer match."""
        now = fields.Datetime.now()
        broken = self.browse()
        for attachment in self.filtered("serene_sha256"):
            intact = attachment._serene_stored_digest() == attachment.serene_sha256
            values = {"serene_seal_checked_at": now, "serene_seal_broken": not intact}
            if intact and not attachment.serene_seal_checksum:
                values["serene_seal_checksum"] = attachment.checksum
            attachment.write(values)
            if not intact:
                broken |= attachment
        if broken:
            _logger.warning("Sealed files whose stored bytes no longer match their seal: ids %s", broken.ids)
        return broken

    @api.model
    def _serene_is_client_file(self, attachment_id):
        """Whether the file ``attachment_id`` belongs to a client's portal item, read without
        loading the record (the check runs before a request picks its cursor)."""
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM ir_attachment WHERE id = %s AND res_model = %s",
                attachment_id,
                "serene.portal.item",
            )
        )
        return bool(self.env.cr.rowcount)

    def _serene_log_staff_read(self):
        """A staff member opened this file: when it is a client's (an upload, a signed consent, a
        resource), one row in that client's portal activity names who and which file."""
        self.ensure_one()
        # sudo: ir.attachment - only which item the file belongs to, for a file the user may read
        attachment_sudo = self.sudo()
        if attachment_sudo.res_model != "serene.portal.item" or not attachment_sudo.res_id:
            return
        # sudo: serene.portal.item - the item of a file the user may read, to name it in the log
        item_sudo = self.env["serene.portal.item"].sudo().browse(attachment_sudo.res_id).exists()
        self.env["serene.portal.activity"]._log_staff_read(
            item_sudo, "file_viewed", detail=_("File #%(id)s", id=self.id)
        )

    def action_serene_download(self):
        """The Records page's download button: the file through Odoo's /web/content, which checks
        the user's access again."""
        self.ensure_one()
        self.check_access("read")
        return {"type": "ir.actions.act_url", "url": f"/web/content/{self.id}?download=true", "target": "download"}

    def action_serene_check_seal(self):
        """The Records page's check button: read the file again now and compare it with its seal."""
        self.check_access("read")
        # sudo: ir.attachment - the seal is kept by the system; whoever may read the file may have it checked
        self.sudo()._serene_check_seals()
        return True

    @api.model
    def _cron_check_seals(self):
        """Read again the sealed files not checked for ``SEAL_CHECK_DAYS`` days, the least recently
        checked first, in batches: a file changed behind Odoo's back (on disk, in the database)
        shows as changed on the Records page within that time."""
        Cron = self.env["ir.cron"]
        cutoff = fields.Datetime.now() - timedelta(days=SEAL_CHECK_DAYS)
        # sudo: ir.attachment - the check covers every sealed file, whoever the cron runs as
        due = self.sudo().search(
            [
                ("serene_sha256", "!=", False),
                "|",
                ("serene_seal_checked_at", "=", False),
                ("serene_seal_checked_at", "<", cutoff),
            ],
            order="serene_seal_checked_at asc nulls first, id",
        )
        Cron._serene_in_batches(due, SEAL_CHECK_BATCH, lambda batch: batch._serene_check_seals())
