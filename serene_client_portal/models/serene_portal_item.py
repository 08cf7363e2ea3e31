import logging
import re
import socket
import struct
import unicodedata
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.mimetypes import guess_mimetype

_logger = logging.getLogger(__name__)

ITEM_TYPES = [
    ("intake_form", "Intake Form"),
    ("assessment", "Assessment"),
    ("document_request", "Document Request"),
    ("resource", "Resource"),
    ("link", "Link"),
    ("instructions", "Instructions"),
]
FORM_TYPES = ("intake_form", "assessment")
MAX_FILES_PER_UPLOAD = 10
# Set at creation or by the client's own progress, never edited afterwards (RPC included).
SYSTEM_FIELDS = {
    "partner_id",
    "portal_id",
    "item_type",
    "survey_id",
    "user_input_id",
    "state",
    "completed_at",
    "assigned_at",
    "added_by_id",
}
TODO_TYPES = ("intake_form", "assessment", "document_request")

# Kinds of upload a document request may accept: label and the MIME types (sniffed from content).
UPLOAD_KINDS = {
    "pdf": ("PDF", ("application/pdf",)),
    "image": ("Image (JPEG, PNG, HEIC)", ("image/jpeg", "image/png", "image/heic", "image/heif")),
    "docx": ("Word document (DOCX)", ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",)),
}


class SerenePortalItem(models.Model):
    """Something shared with a client through their portal: a form to fill, a document to
    upload, or material to read."""

    _name = "serene.portal.item"
    _description = "Client Portal Item"
    _order = "sequence, due_date, id desc"

    name = fields.Char(string="Title", required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    item_type = fields.Selection(ITEM_TYPES, string="Type", required=True, readonly=True)
    state = fields.Selection(
        [("assigned", "Assigned"), ("in_progress", "In Progress"), ("completed", "Completed")],
        default="assigned",
        required=True,
        readonly=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    portal_id = fields.Many2one(
        "serene.client.portal",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="portal_id.company_id", store=True, index=True)
    survey_id = fields.Many2one(
        "survey.survey",
        string="Form",
        readonly=True,
        domain=[("serene_form_kind", "!=", False)],
    )
    user_input_id = fields.Many2one("survey.user_input", string="Answers", readonly=True, copy=False)
    score = fields.Float(related="user_input_id.scoring_percentage", string="Score (%)")
    url = fields.Char(string="Link")
    description = fields.Html(string="Instructions", sanitize=True, sanitize_overridable=False)
    accepted_kinds = fields.Char(
        default="pdf,image,docx",
        help="Comma-separated kinds of file the client may upload: pdf, image, docx.",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "serene_portal_item_attachment_rel",
        "item_id",
        "attachment_id",
        string="Files",
    )
    due_date = fields.Date()
    assigned_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    completed_at = fields.Datetime(readonly=True, copy=False)
    added_by_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)

    @api.constrains("item_type", "survey_id", "url")
    def _check_type_fields(self):
        for item in self:
            if item.item_type in FORM_TYPES and not item.survey_id:
                raise ValidationError(_("Choose the form to assign for “%(title)s”.", title=item.name))
            if item.item_type == "link":
                self._validate_url(item.url)

    @api.constrains("accepted_kinds")
    def _check_accepted_kinds(self):
        for item in self.filtered("accepted_kinds"):
            unknown = set(item._get_accepted_kinds()) - set(UPLOAD_KINDS)
            if unknown:
                raise ValidationError(
                    _(
                        "Unknown kind of file: %(kinds)s. Use pdf, image or docx.",
                        kinds=", ".join(sorted(unknown)),
                    )
                )

    @api.model
    def _validate_url(self, url):
        parts = urlsplit((url or "").strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(_("Links must be full web addresses starting with http:// or https://."))

    @api.model_create_multi
    def create(self, vals_list):
        """Items for clients without a portal create it; usage limits are checked under a lock."""
        partners = self.env["res.partner"].browse({vals["partner_id"] for vals in vals_list if vals.get("partner_id")})
        for vals in vals_list:
            if not vals.get("partner_id"):
                raise UserError(_("A portal item needs a client."))
            if vals.get("url"):
                vals["url"] = vals["url"].strip()
            if vals.get("survey_id") and not vals.get("name"):
                vals["name"] = self.env["survey.survey"].browse(vals["survey_id"]).title
        self.check_access("create")
        portals = self.env["serene.client.portal"]._get_or_create_for_partners(partners)
        portal_by_partner = {portal.partner_id.id: portal for portal in portals}
        # Serialize adds per portal: two concurrent requests at limit - 1 end with one accepted.
        portals._lock_rows("serene_client_portal", portals.ids)
        adding = {}
        for vals in vals_list:
            vals["portal_id"] = portal_by_partner[vals["partner_id"]].id
            adding[vals["partner_id"]] = adding.get(vals["partner_id"], 0) + 1
        messages = partners.sudo()._get_portal_usage_limit_messages(adding_items=adding)
        if any(messages.values()):
            raise UserError("\n".join(message for message in messages.values() if message))
        items = super().create(vals_list)
        items._link_own_attachments()
        self.env["serene.portal.activity"]._log(items.portal_id, "item_added", items=items)
        if self.env.context.get("serene_notify_client"):
            items._notify_client()
        return items

    def write(self, vals):
        if not self.env.su and SYSTEM_FIELDS & set(vals):
            raise AccessError(_("The client, type and progress of a portal item are kept by the system."))
        if vals.get("url"):
            vals["url"] = vals["url"].strip()
        result = super().write(vals)
        if "attachment_ids" in vals:
            self._link_own_attachments()
        return result

    def _link_own_attachments(self):
        """Attach loose files to their item, so that ir.attachment's access follows the item's."""
        for item in self:
            loose = item.attachment_ids.sudo().filtered(lambda a: not a.res_id or a.res_model != self._name)
            loose.write({"res_model": self._name, "res_id": item.id})

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_remove(self):
        """Take the item out of the client's portal (archived: its history stays)."""
        self.write({"active": False})
        self.env["serene.portal.activity"]._log(self.portal_id, "item_removed", items=self)
        return True

    def action_open_record(self):
        """Open what the client sent: the form's answers or the uploaded file."""
        self.ensure_one()
        if self.user_input_id:
            return self.user_input_id.action_serene_open_answers()
        if self.attachment_ids:
            return {
                "type": "ir.actions.act_url",
                "url": f"/web/content/{self.attachment_ids[:1].id}?download=true",
                "target": "new",
            }
        return False

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _get_accepted_kinds(self):
        self.ensure_one()
        return [kind.strip() for kind in (self.accepted_kinds or "").split(",") if kind.strip()]

    def _get_accepted_mimetypes(self):
        return {mimetype for kind in self._get_accepted_kinds() for mimetype in UPLOAD_KINDS.get(kind, ("", ()))[1]}

    def _mark_completed(self):
        todo = self.filtered(lambda item: item.state != "completed")
        todo.sudo().write({"state": "completed", "completed_at": fields.Datetime.now()})
        return todo

    def _get_upload_storage_by_partner(self, partner_ids):
        """Bytes uploaded by each client (all their document requests, archived ones too)."""
        if not partner_ids:
            return {}
        self.env["ir.attachment"].flush_model(["res_model", "res_id", "file_size"])
        self.flush_model(["partner_id", "item_type"])
        self.env.cr.execute(
            SQL(
                """
            SELECT item.partner_id, COALESCE(SUM(att.file_size), 0)
              FROM serene_portal_item item
              JOIN ir_attachment att ON att.res_model = 'serene.portal.item' AND att.res_id = item.id
             WHERE item.partner_id IN %s AND item.item_type = 'document_request'
             GROUP BY item.partner_id
            """,
                tuple(partner_ids),
            )
        )
        return dict(self.env.cr.fetchall())

    def _notify_client(self):
        """One notification per client for a batch of items, queued with the transaction."""
        for portal in self.portal_id:
            portal._send_access_link(items=self.filtered(lambda item, p=portal: item.portal_id == p))

    # ------------------------------------------------------------------
    # What the client does in the portal (on a sudo'd item of their portal)
    # ------------------------------------------------------------------

    def _portal_start_form(self, fingerprint=None):
        """The client's own answer record for this form: resumed if started, created otherwise."""
        self.ensure_one()
        answer = self.user_input_id
        if not answer or answer.state == "done":
            answer = self.survey_id.sudo()._create_answer(
                partner=self.partner_id,
                check_attempts=False,
                serene_item_id=self.id,
            )
            self.sudo().write({"user_input_id": answer.id, "state": "in_progress"})
            self.env["serene.portal.activity"]._log(
                self.portal_id,
                "form_started",
                items=self,
                actor="client",
                fingerprint=fingerprint,
            )
        return answer

    def _portal_upload(self, files, note=None, fingerprint=None):
        """Store the client's files for this request after checking every one of them.

        Nothing is stored unless all files pass: type sniffed from content against the
        request's allow-list, size, the client's storage quota.
        """
        self.ensure_one()
        if not files:
            raise UserError(_("Choose at least one file to upload."))
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise UserError(_("Upload at most %(count)s files at a time.", count=MAX_FILES_PER_UPLOAD))
        company = self.company_id
        max_bytes = (company.serene_portal_upload_max_mb or 10) * 1024 * 1024
        accepted = self._get_accepted_mimetypes()
        checked = []
        for filename, data in files:
            name = sanitize_filename(filename)
            if not data:
                raise UserError(_("“%(name)s” is empty.", name=name))
            if len(data) > max_bytes:
                raise UserError(
                    _(
                        "“%(name)s” is too large: files can be up to %(max)s MB.",
                        name=name,
                        max=max_bytes // 1024 // 1024,
                    )
                )
            mimetype = sniff_mimetype(data)
            if mimetype not in accepted:
                raise UserError(
                    _(
                        "“%(name)s” is not a file this request accepts (%(kinds)s).",
                        name=name,
                        kinds=", ".join(
                            UPLOAD_KINDS[kind][0] for kind in self._get_accepted_kinds() if kind in UPLOAD_KINDS
                        ),
                    )
                )
            checked.append((name, data, mimetype))
        for name, data, _mimetype in checked:
            self._scan_upload(name, data)
        _item_limit, storage_limit = self.partner_id._get_portal_limits()
        if storage_limit:
            used = self._get_upload_storage_by_partner([self.partner_id.id]).get(self.partner_id.id, 0)
            if used + sum(len(data) for _name, data, _mime in checked) > storage_limit:
                raise UserError(
                    _("There is no room left for these files in your portal. Please contact your practice.")
                )
        with self.env.cr.savepoint():
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    [
                        {
                            "name": name,
                            "raw": data,
                            "mimetype": mimetype,
                            "res_model": self._name,
                            "res_id": self.id,
                            "description": note and note[:1000],
                        }
                        for name, data, mimetype in checked
                    ]
                )
            )
            self.write({"attachment_ids": [(4, attachment.id) for attachment in attachments]})
            self._mark_completed()
            self.env["serene.portal.activity"]._log(
                self.portal_id,
                "document_uploaded",
                items=self,
                actor="client",
                fingerprint=fingerprint,
                detail=", ".join(attachments.mapped("name")),
            )
            owner = self.partner_id.note_owner_id
            if owner:
                self.partner_id.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=owner.id,
                    summary=_("Review upload: %(title)s", title=self.name),
                    note=_(
                        "%(client)s uploaded %(count)s file(s) in their portal.",
                        client=self.partner_id.name,
                        count=len(attachments),
                    ),
                )
        return attachments

    def _scan_upload(self, name, data):
        """Refuse a file that ClamAV flags, when the practice configured clamd.

        ``serene_client_portal.clamd_address`` (system parameter): a unix socket path or
        ``host:port``. Unset: no scan. Set but unreachable: the upload is refused (fail closed).
        """
        address = self.env["ir.config_parameter"].sudo().get_param("serene_client_portal.clamd_address")
        if not address:
            return
        try:
            verdict = clamd_instream(address, data)
        except OSError:
            _logger.warning("clamd at %s did not answer; upload refused", address)
            raise UserError(_("Uploads cannot be checked right now. Please try again later.")) from None
        if not verdict.endswith("OK"):
            _logger.warning("clamd refused an upload for portal item %s: %s", self.id, verdict)
            raise UserError(_("“%(name)s” was refused by the virus check.", name=name))


def clamd_instream(address, data, timeout=30):
    """Send ``data`` to clamd with INSTREAM and return its verdict ("stream: OK", "... FOUND")."""
    if ":" in address and not address.startswith("/"):
        host, port = address.rsplit(":", 1)
        sock = socket.create_connection((host, int(port)), timeout=timeout)
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(address)
    with sock:
        sock.sendall(b"zINSTREAM\0")
        for start in range(0, len(data), 65536):
            chunk = data[start : start + 65536]
            sock.sendall(struct.pack("!L", len(chunk)) + chunk)
        sock.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            part = sock.recv(4096)
            if not part:
                break
            reply += part
    return reply.rstrip(b"\0").decode(errors="replace").strip()


_UNSAFE_FILENAME = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def sanitize_filename(filename):
    """A plain file name: no path, no markup or control characters, at most 120 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", unicodedata.normalize("NFKC", name)).strip(" ._")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:9]) if dot else name[:120]
    return name or "upload"


def sniff_mimetype(data):
    """The file's type from its bytes, not from its name or the browser's word."""
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypheif"):
        return "image/heic"
    return guess_mimetype(data, default="application/octet-stream")
