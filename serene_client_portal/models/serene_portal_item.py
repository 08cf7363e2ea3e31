import base64
import binascii
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, is_html_empty
from odoo.tools.pdf import merge_pdf
from odoo.tools.translate import LazyTranslate

from ..tools import sniff_mimetype
from .ir_attachment import seal

_lt = LazyTranslate(__name__)

ITEM_TYPES = [
    ("intake_form", "Intake Form"),
    ("assessment", "Assessment"),
    ("document_request", "Document Request"),
    ("resource", "Resource"),
    ("link", "Link"),
    ("instructions", "Instructions"),
    ("consent", "Consent"),
]
FORM_TYPES = ("intake_form", "assessment")
# What the client has to do; the other types are shared with them to read.
TODO_TYPES = ("intake_form", "assessment", "document_request", "consent")


class SerenePortalItem(models.Model):
    """Something shared with a client through their portal: a form to fill, a document to
    upload, or material to read."""

    _name = "serene.portal.item"
    _description = "Client Portal Item"
    _inherit = ["serene.system.fields.mixin"]
    _order = "sequence, due_date, id desc"
    _check_company_auto = True
    # Set by the system only: the client's progress, the signature, the packet, the reminders.
    _serene_system_fields = frozenset(
        {
            "reminder_count",
            "last_reminded_at",
            "user_input_id",
            "state",
            "completed_at",
            "assigned_at",
            "added_by_id",
            "packet_id",
            "signed_by",
            "signed_at",
            "signed_ip",
            "signature",
            "review_pending_files",
            # The answers' score and flag, read through the item, are never written through it.
            "score",
            "serene_risk_flag",
        }
    )
    # What the practitioner asks for at creation, never changed afterwards.
    _serene_set_once_fields = frozenset({"portal_id", "partner_id", "item_type", "survey_id"})

    name = fields.Char(string="Title", required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    item_type = fields.Selection(ITEM_TYPES, string="Type", required=True, readonly=True)
    state = fields.Selection(
        [("assigned", "Assigned"), ("in_progress", "In Progress"), ("completed", "Completed")],
        default="assigned",
        required=True,
        readonly=True,
        copy=False,
    )
    portal_id = fields.Many2one(
        "serene.client.portal",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
        check_company=True,
    )
    # The client goes with the portal: deleting a contact (an uninstall removing the demo) takes
    # its portal and items along in one cascade, with no row left pointing at a deleted portal.
    partner_id = fields.Many2one(
        related="portal_id.partner_id", string="Client", store=True, index=True, ondelete="cascade"
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
    serene_risk_flag = fields.Boolean(related="user_input_id.serene_risk_flag", string="Risk Signal")
    url = fields.Char(string="Link")
    description = fields.Html(string="Instructions", sanitize=True, sanitize_overridable=False)
    accepted_kind_ids = fields.Many2many(
        "serene.upload.kind",
        string="Accepted Files",
        default=lambda self: self.env["serene.upload.kind"]._get_default_kinds(),
        help="The kinds of file the client may upload to this request.",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "serene_portal_item_attachment_rel",
        "item_id",
        "attachment_id",
        string="Files",
    )
    due_date = fields.Date()
    packet_id = fields.Many2one(
        "serene.portal.packet", readonly=True, copy=False, index="btree_not_null", ondelete="set null"
    )
    # A consent: who signed, when and from where (the signed PDF is among the item's files).
    signed_by = fields.Char(readonly=True, copy=False)
    signed_at = fields.Datetime(readonly=True, copy=False)
    signed_ip = fields.Char(string="Signed From", readonly=True, copy=False)
    signature = fields.Image(readonly=True, copy=False, attachment=True, max_width=1024, max_height=512)
    assigned_at = fields.Datetime(default=fields.Datetime.now, readonly=True, copy=False)
    completed_at = fields.Datetime(readonly=True, copy=False)
    added_by_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True, copy=False)
    # Files the client sent since the note owner was last asked to review them. The upload only
    # counts them; the note owner's to-do is raised by a scheduled action woken at commit
    # (_raise_review_todos), one for the files sent in the meantime.
    review_pending_files = fields.Integer(readonly=True, copy=False)
    # Reminders sent for this item (serene.client.portal._send_reminders).
    reminder_count = fields.Integer(readonly=True, copy=False)
    last_reminded_at = fields.Datetime(readonly=True, copy=False)
    reminder_display = fields.Char(string="Reminders", compute="_compute_reminder_display")

    _review_pending_idx = models.Index("(id) WHERE review_pending_files > 0")

    @api.depends("reminder_count", "last_reminded_at")
    def _compute_reminder_display(self):
        portal = self.env["serene.client.portal"]
        for item in self:
            item.reminder_display = (
                _(
                    "reminded %(count)s× · last %(ago)s",
                    count=item.reminder_count,
                    ago=portal._time_ago(item.last_reminded_at),
                )
                if item.reminder_count and item.last_reminded_at
                else False
            )

    @api.constrains("item_type", "survey_id", "url", "accepted_kind_ids")
    def _check_type_fields(self):
        for item in self:
            self._check_form_and_link(item.item_type, item.name, item.survey_id, item.url)
            if item.item_type == "document_request" and not item.accepted_kind_ids:
                raise ValidationError(_("Document request “%(title)s” accepts no kind of file.", title=item.name))
            if item.item_type == "consent" and is_html_empty(item.description) and not item.attachment_ids:
                raise ValidationError(
                    _("Consent “%(title)s” needs the document to sign: a text or a PDF.", title=item.name)
                )

    @api.model
    def _check_form_and_link(self, item_type, name, survey, url):
        """What an item, or a packet line that becomes one, needs of its type: a form names its
        survey, a link a web page."""
        if item_type in FORM_TYPES and not survey:
            raise ValidationError(_("Choose the form to assign for “%(title)s”.", title=name))
        if item_type == "link":
            self._validate_url(url)

    @api.model
    def _validate_url(self, url):
        """Links open web pages only: no javascript:, data: or relative addresses."""
        parts = urlsplit((url or "").strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(_("Links must be full web addresses starting with http:// or https://."))

    @api.model_create_multi
    def create(self, vals_list):
        """Items are added for a client (``partner_id``): a client without a portal gets one, and
        the usage limits are checked under a lock."""
        self.check_access("create")
        Partner = self.env["res.partner"]
        for vals in vals_list:
            if not vals.get("partner_id") and not vals.get("portal_id"):
                raise UserError(_("A portal item needs a client."))
            if vals.get("url"):
                vals["url"] = vals["url"].strip()
            if vals.get("survey_id") and not vals.get("name"):
                # The form's title as the client reads it (the PHQ-9 ships in several languages).
                client = Partner.browse(vals.get("partner_id"))
                if not client:
                    # sudo: serene.client.portal - the client of a portal given by id, whatever the caller reads
                    client = self.env["serene.client.portal"].browse(vals["portal_id"]).sudo().partner_id
                survey = self.env["survey.survey"].browse(vals["survey_id"])
                vals["name"] = survey.with_context(lang=client._serene_client_lang()).title
        Portal = self.env["serene.client.portal"]
        partners = Partner.browse({vals["partner_id"] for vals in vals_list if vals.get("partner_id")})
        # sudo: serene.client.portal - the client of a portal given by id, whatever the caller reads
        partners |= Portal.browse({vals["portal_id"] for vals in vals_list if vals.get("portal_id")}).sudo().partner_id
        portals = partners._serene_get_or_create_portals()
        # Serialize adds per portal: two concurrent requests at limit - 1 end with one accepted.
        Portal._lock_rows("serene_client_portal", portals.ids)
        # sudo: serene.client.portal - the caller may create on a portal without reading its client
        portal_of = {portal.sudo().partner_id.id: portal.id for portal in portals}
        partner_of = {portal_id: partner_id for partner_id, portal_id in portal_of.items()}
        adding = {}
        for vals in vals_list:
            partner_id = vals.pop("partner_id", None) or partner_of[vals["portal_id"]]
            vals["portal_id"] = portal_of[partner_id]
            adding[partner_id] = adding.get(partner_id, 0) + 1
        partners._serene_check_item_limits(adding)
        items = super().create(vals_list)
        items._link_own_attachments()
        self.env["serene.portal.activity"]._log(items.portal_id, "item_added", items=items)
        return items

    def write(self, vals):
        if vals.get("url"):
            vals["url"] = vals["url"].strip()
        result = super().write(vals)
        if "attachment_ids" in vals:
            self._link_own_attachments()
        return result

    def _link_own_attachments(self):
        """Attach the files uploaded for an item to it, so that ir.attachment's access follows
        the item's. A file that belongs to another record, or that someone else uploaded, is refused."""
        for item in self:
            # sudo: ir.attachment - files uploaded in the dialog belong to no record yet
            attachments_sudo = item.attachment_ids.sudo()
            loose = attachments_sudo.filtered(
                lambda a, item=item: not (a.res_model == self._name and a.res_id == item.id)
            )
            foreign = loose.filtered(
                lambda a: (
                    a.res_id
                    or a.res_model not in (False, self._name, "serene.portal.add.item")
                    or (not self.env.su and a.create_uid != self.env.user)
                )
            )
            if foreign:
                raise AccessError(_("A portal item shares only files uploaded for it."))
            loose.write({"res_model": self._name, "res_id": item.id})

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_remove(self):
        """Take the item out of the client's portal (archived: its history stays)."""
        self.check_access("write")
        self.write({"active": False})
        self.env["serene.portal.activity"]._log(self.portal_id, "item_removed", items=self)
        return True

    def action_mark_received(self):
        """Staff have every file they asked for: the request closes on the client's portal."""
        self.check_access("write")
        self.partner_id._serene_check_access_level(need="owner")
        requests = self.filtered(lambda item: item.item_type == "document_request")
        done = requests._mark_completed()
        self.env["serene.portal.activity"]._log(done.portal_id, "request_closed", items=done)
        return True

    def action_send_reminder(self):
        """Remind the client now of everything still to do in their portal."""
        self.check_access("write")
        for portal in self.portal_id:
            # sudo: serene.client.portal / serene.portal.item - the reminder marks the items, system fields
            portal.sudo()._send_reminders(items=self.sudo().filtered(lambda item, p=portal: item.portal_id == p))
        return True

    def action_open_record(self):
        """Open what the client sent: the form's answers or the uploaded file."""
        self.ensure_one()
        self.check_access("read")
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

    @api.model
    def _pending_domain(self):
        """Items the client still has to do: a form, a request or a consent not completed yet
        (``filtered_domain`` applies it to records in memory)."""
        return [("item_type", "in", TODO_TYPES), ("state", "!=", "completed")]

    @api.model
    def _prepare_survey_vals(self, survey, partner=None):
        """The values of an item that assigns ``survey`` (to ``partner``): its kind and title."""
        vals = {"item_type": survey.serene_form_kind or "intake_form", "survey_id": survey.id, "name": survey.title}
        if partner:
            vals["partner_id"] = partner.id
        return vals

    def _mark_completed(self):
        todo = self.filtered(lambda item: item.state != "completed")
        # sudo: serene.portal.item - the state is a system field, moved by the client's own progress
        todo.sudo().write({"state": "completed", "completed_at": fields.Datetime.now()})
        return todo

    def _notify_client(self):
        """One notification per client for a batch of items, queued with the transaction."""
        self.portal_id._send_access_links(items=self)

    @api.model
    def _get_items_to_remind(self, portals=None):
        """Pending forms and requests due for a reminder, per their company's settings."""
        now = fields.Datetime.now()
        items = self.browse()
        for company in self.env["res.company"].search([("serene_reminder_max", ">", 0)]):
            after = now - timedelta(days=company.serene_reminder_after_days or 3)
            base = [
                ("company_id", "=", company.id),
                *self._pending_domain(),
                ("reminder_count", "<", company.serene_reminder_max),
                # A discharged client's (archived) portal sends nothing.
                ("portal_id.active", "=", True),
            ]
            if portals is not None:
                base.append(("portal_id", "in", portals.ids))
            items |= self.search(
                [
                    *base,
                    ("assigned_at", "<=", after),
                    "|",
                    ("last_reminded_at", "=", False),
                    ("last_reminded_at", "<=", after),
                ]
            )
            hours = company.serene_reminder_before_hours
            if hours:
                soon = self.env["calendar.event"].search(
                    [("start", ">", now), ("start", "<=", now + timedelta(hours=hours))]
                )
                if soon:
                    items |= self.search(
                        [
                            *base,
                            ("partner_id", "in", soon.partner_ids.ids),
                            "|",
                            ("last_reminded_at", "=", False),
                            ("last_reminded_at", "<=", now - timedelta(hours=hours)),
                        ]
                    )
        return items

    # ------------------------------------------------------------------
    # What the client does in the portal (on a sudo'd item of their portal)
    # ------------------------------------------------------------------

    def _portal_start_form(self, link=None):
        """The client's own answer record for this form: resumed if started, created otherwise."""
        self.ensure_one()
        answer = self.user_input_id
        # The form speaks the client's language, as the portal does (Odoo's survey pages follow
        # the answer's language).
        lang = self.env["res.lang"]._lang_get(self.partner_id._serene_client_lang())
        if not answer or answer.state == "done":
            # sudo: survey.user_input - the client is an anonymous visitor
            answer = self.survey_id.sudo()._create_answer(
                partner=self.partner_id,
                check_attempts=False,
                serene_item_id=self.id,
                lang_id=lang.id,
            )
            # sudo: the answer and the state are system fields
            self.sudo().write({"user_input_id": answer.id, "state": "in_progress"})
            self.env["serene.portal.activity"]._log(
                self.portal_id, "form_started", items=self, actor="client", link=link
            )
        elif answer.lang_id != lang:
            # sudo: survey.user_input - the client is an anonymous visitor
            answer.sudo().lang_id = lang
        return answer

    def _portal_download(self, attachment_id, link=None):
        """The file ``attachment_id`` of this item, or an empty recordset; every download is
        logged (a shared resource, the client's own upload, a signed consent)."""
        self.ensure_one()
        attachment = self.attachment_ids.filtered(lambda a: a.id == attachment_id)
        if attachment:
            event_type = "resource_downloaded" if self.item_type == "resource" else "file_downloaded"
            self.env["serene.portal.activity"]._log(self.portal_id, event_type, items=self, actor="client", link=link)
        return attachment

    def _signed_copy(self):
        """The signed PDF of this consent (sealed when the client signed it), or an empty recordset."""
        self.ensure_one()
        if self.item_type != "consent" or not self.signed_at:
            return self.env["ir.attachment"]
        return self.attachment_ids.filtered(
            lambda attachment: attachment.serene_sha256 and attachment.mimetype == "application/pdf"
        ).sorted("id")[-1:]

    def _portal_upload(self, files, note=None, link=None, submission=None):
        """Store the client's files for this request after checking every one of them, as sent.

        ``files``: [(file name, bytes or a binary stream)]. Nothing is stored unless all files
        pass: type sniffed from content against the request's allow-list, size, pixels, the
        client's storage quota. A refusal is logged and raised. ``submission`` (the form's
        one-time token) makes a repeated post of the same form store nothing more: it returns
        an empty recordset.
        """
        self.ensure_one()
        if submission and not self._claim_submission(submission):
            return self.env["ir.attachment"]
        try:
            checked = self._check_upload(files)
        except (UserError, ValidationError) as error:
            self.env["serene.portal.activity"]._log(
                self.portal_id,
                "upload_rejected",
                items=self,
                actor="client",
                result="refused",
                detail=error.args[0],
                link=link,
            )
            raise
        with self.env.cr.savepoint():
            # sudo: ir.attachment - the client is an anonymous visitor; stored byte for byte
            # (no resizing of large images)
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .with_context(image_no_postprocess=True)
                .create(
                    [
                        {
                            "name": name,
                            "raw": data,
                            "mimetype": mimetype,
                            "res_model": self._name,
                            "res_id": self.id,
                            "description": note and note[:1000],
                            "serene_sha256": seal(data),
                        }
                        for name, data, mimetype in checked
                    ]
                )
            )
            progress = {
                "attachment_ids": [(4, attachment.id) for attachment in attachments],
                "review_pending_files": self.review_pending_files + len(attachments),
            }
            # The request stays open for more files (the back of the card, a second page) until
            # the client says it is complete or staff mark it received.
            if self.state == "assigned":
                progress["state"] = "in_progress"
            # sudo: serene.portal.item - the state and the files to review are system fields, moved
            # by the client's progress
            self.sudo().write(progress)
            self.env["serene.portal.activity"]._log(
                self.portal_id,
                "document_uploaded",
                items=self,
                actor="client",
                link=link,
                detail=", ".join(attachments.mapped("name")),
            )
        # The client's request does not wait for the note owner's to-do (a to-do, its follower
        # and its notification cost more than storing the files): raised once this commits.
        self.env["serene.client.portal"]._wake_note_owner_job()
        return attachments

    @api.model
    def _raise_review_todos(self, limit=None):
        """The note owners' "Review upload" to-dos for the files clients sent since the last
        run: one per request, in the note owner's language. Returns the requests done."""
        # sudo: serene.portal.item - the uploads of every practice's clients, for their note owners (a request removed
        # since keeps its files on the client's record: they are reviewed too)
        items = (
            self.sudo()
            .with_context(active_test=False)
            .search([("review_pending_files", ">", 0)], order="id", limit=limit)
        )
        notify = False
        for item in items:
            notify |= item.portal_id._notify_note_owner(
                _lt("Review upload: %(title)s", title=item.name),
                note=_lt(
                    "%(client)s uploaded %(count)s file(s) in their portal.",
                    client=item.partner_id.name,
                    count=item.review_pending_files,
                ),
                wake_job=False,
            )
        items.write({"review_pending_files": 0})
        if notify:
            # Woken once for the notifications of all these to-dos, not once a to-do.
            self.env["serene.client.portal"]._wake_note_owner_job()
        return items

    def _portal_mark_done(self, link=None):
        """The client says a document request is complete: no more uploads to it."""
        self.ensure_one()
        if self.item_type != "document_request" or not self.attachment_ids:
            raise UserError(_("Upload at least one file before marking this request as done."))
        if self._mark_completed():
            self.env["serene.portal.activity"]._log(
                self.portal_id, "request_closed", items=self, actor="client", link=link
            )

    def _portal_sign(self, name, signature, ip_address=None, link=None):
        """The client signs a consent with Odoo's portal signature (``signature``: a base64 PNG):
        the signed PDF (the document, the signature, name, date and time, IP address) is sealed
        and kept on the client's record, the item completes and the note owner is told."""
        self.ensure_one()
        name = (name or "").strip()
        if self.item_type != "consent" or self.state == "completed":
            raise UserError(_("This consent is already signed."))
        if not name or len(name) > 128:
            raise UserError(_("Please type your full name to sign."))
        try:
            image = base64.b64decode(signature or "", validate=True)
        except (binascii.Error, ValueError):
            image = b""
        if sniff_mimetype(image) != "image/png":
            raise UserError(_("Please draw or type your signature before signing."))
        # sudo: serene.portal.item - the signature fields are system fields, written by the client's own signing
        self.sudo().write(
            {
                "signed_by": name,
                "signed_at": fields.Datetime.now(),
                "signed_ip": ip_address,
                "signature": base64.b64encode(image),
            }
        )
        pdf = self._render_signed_consent()
        # sudo: ir.attachment - the client is an anonymous visitor
        signed = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": _("Signed consent - %(title)s.pdf", title=self.name),
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                    "serene_sha256": seal(pdf),
                }
            )
        )
        self.write({"attachment_ids": [(4, signed.id)]})
        self._mark_completed()
        self.env["serene.portal.activity"]._log(self.portal_id, "consent_signed", items=self, actor="client", link=link)
        self.portal_id._notify_note_owner(
            _lt("Consent signed: %(title)s", title=self.name),
            note=_lt("%(client)s signed this consent in their portal.", client=self.partner_id.name),
        )
        return signed

    def _render_signed_consent(self):
        """The signed PDF: the consent's own PDF pages, if it has any, then the signature page."""
        # sudo: ir.actions.report - rendered for the client, an anonymous visitor
        Report = self.env["ir.actions.report"].sudo()
        page, _kind = Report._render_qweb_pdf("serene_client_portal.action_report_signed_consent", self.ids)
        documents = [
            attachment.raw
            for attachment in self.sudo().attachment_ids
            if attachment.mimetype == "application/pdf" and not attachment.serene_sha256
        ]
        if documents and page.startswith(b"%PDF"):
            return merge_pdf([*documents, page])
        return page

    def _check_upload(self, files):
        """[(name, data, mimetype)] for ``files`` ([(filename, data)]) when every one may be
        stored; else a UserError in the client's words."""
        if self.state == "completed":
            raise UserError(_("This request is already complete: your practice has your files."))
        return self.portal_id._check_client_files(files, self.accepted_kind_ids)

    def _claim_submission(self, token):
        """Whether this form submission is the first with ``token`` for this item: one atomic
        insert; a parallel second post waits for the first and finds it."""
        self.env.cr.execute(
            SQL(
                "INSERT INTO serene_portal_submission (token, item_id, received_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (token, item_id) DO NOTHING RETURNING id",
                token[:64],
                self.id,
                fields.Datetime.now(),
            )
        )
        return bool(self.env.cr.fetchone())
