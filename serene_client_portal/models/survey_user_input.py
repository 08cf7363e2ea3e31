import hashlib
import json
import re

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.translate import LazyTranslate

from .res_partner import CONTACT_FIELDS
from .survey_question import PARTNER_FIELDS

_lt = LazyTranslate(__name__)


class SurveyUserInput(models.Model):
    _name = "survey.user_input"
    _inherit = ["survey.user_input", "serene.system.fields.mixin"]
    # Only the system ties an answer to a client's portal item, and seals and flags it.
    _serene_system_fields = frozenset({"serene_item_id", "serene_sha256", "serene_risk_flag", "serene_severity"})

    serene_item_id = fields.Many2one(
        "serene.portal.item",
        string="Portal Item",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    serene_sha256 = fields.Char(
        string="SHA-256",
        readonly=True,
        copy=False,
        help="Fingerprint of the answers taken when the client completed the form.",
    )
    serene_seal_state = fields.Selection(
        [("verified", "Verified"), ("changed", "Changed!")],
        string="Seal",
        compute="_compute_serene_seal_state",
        compute_sudo=True,
        help="Verified: the answers are those the client sent. Changed: they no longer match the fingerprint "
        "taken at completion.",
    )
    serene_risk_flag = fields.Boolean(
        string="Risk Signal",
        readonly=True,
        copy=False,
        help="An answer the form marks as a risk signal was chosen: the note owner was alerted.",
    )
    serene_severity = fields.Char(string="Severity", readonly=True, copy=False)
    # Read by the answers' views to show a clinical form, not a quiz, to whoever opens them (a
    # survey officer without access to portal items included).
    serene_portal_form = fields.Boolean(
        string="Given through a Client Portal", compute="_compute_serene_portal_form", compute_sudo=True
    )

    @api.depends(
        "serene_sha256",
        "survey_id",
        "partner_id",
        "user_input_line_ids.question_id",
        "user_input_line_ids.answer_type",
        "user_input_line_ids.skipped",
        "user_input_line_ids.suggested_answer_id",
        "user_input_line_ids.matrix_row_id",
        "user_input_line_ids.value_char_box",
        "user_input_line_ids.value_text_box",
        "user_input_line_ids.value_numerical_box",
        "user_input_line_ids.value_scale",
        "user_input_line_ids.value_date",
        "user_input_line_ids.value_datetime",
    )
    def _compute_serene_seal_state(self):
        for answer in self:
            if not answer.serene_sha256:
                answer.serene_seal_state = False
            else:
                answer.serene_seal_state = "verified" if answer._serene_hash() == answer.serene_sha256 else "changed"

    @api.depends("serene_item_id")
    def _compute_serene_portal_form(self):
        for answer in self:
            answer.serene_portal_form = bool(answer.serene_item_id)

    @api.depends("serene_item_id")
    def _compute_scoring_success(self):
        """A form a client fills through their portal is neither passed nor failed, whatever pass
        mark its survey carries: no "Passed" ribbon, certification, badge or certification email."""
        result = super()._compute_scoring_success()
        self.filtered("serene_item_id").scoring_success = False
        return result

    @api.depends("serene_item_id")
    def _compute_survey_time_limit_reached(self):
        """A client's form is never timed: their answers are taken however long they think."""
        result = super()._compute_survey_time_limit_reached()
        self.filtered("serene_item_id").survey_time_limit_reached = False
        return result

    def write(self, vals):
        """A client's answers stay theirs: moved to another contact, a PHQ-9 would change charts."""
        if "partner_id" in vals and not self.env.su and self.filtered("serene_item_id"):
            raise AccessError(_("The client of answers given through a client portal is kept by the system."))
        return super().write(vals)

    def web_read(self, specification):
        """The answers' form (the lines of answers) is a read of the client's answers: logged. A
        list of answers (state, score) reads no answer and writes nothing."""
        result = super().web_read(specification)
        if "user_input_line_ids" in specification:
            self._serene_log_staff_read("answers_viewed")
        return result

    # Opening a client's answers in the web client writes its audit row: a read/write call.
    web_read._readonly = False

    def _mark_done(self):
        result = super()._mark_done()
        self.filtered("serene_item_id")._serene_on_completed()
        return result

    def _serene_on_completed(self):
        """A client finished a form from their portal: seal the answers, fill the client fields the
        form maps, complete the item and tell the note owner (at once on a risk signal)."""
        # sudo: survey.user_input - the client is an anonymous visitor
        for answer in self.sudo():
            item = answer.serene_item_id
            if not item._mark_completed():
                continue
            answer._serene_seal()
            self.env["serene.portal.activity"]._log(item.portal_id, "form_completed", items=item, actor="client")
            answer._serene_apply_partner_fields()
            body = Markup("%s <a href='#' data-oe-model='survey.user_input' data-oe-id='%s'>%s</a>") % (
                _("Completed the form"),
                answer.id,
                item.name,
            )
            if item.item_type == "assessment" and answer.survey_id.scoring_type != "no_scoring":
                body += Markup(" — %s") % _("score %(score)s%%", score=answer.scoring_percentage)
            if answer.serene_severity:
                body += Markup(" (%s)") % answer.serene_severity
            if answer.serene_risk_flag:
                body += Markup(" — <strong class='text-danger'>%s</strong>") % _("risk signal")
                item.portal_id._notify_note_owner(
                    _lt("Urgent: %(form)s needs your attention today", form=item.name),
                    note=_lt("A form completed by %(client)s needs your attention today.", client=item.partner_id.name),
                    body=body,
                    urgent=True,
                )
                continue
            item.portal_id._notify_note_owner(
                _lt("Review %(form)s", form=item.name),
                note=_lt("%(client)s completed this form in their portal.", client=item.partner_id.name),
                body=body,
            )

    def _serene_canonical_answers(self):
        """The answers as canonical JSON (one line per answer, sorted by question): what the
        fingerprint is taken of. Choices count by id, so relabelling a choice breaks no seal."""
        self.ensure_one()
        lines = []
        for line in self.user_input_line_ids:
            if line.skipped or not line.answer_type:
                value = None
            elif line.answer_type == "suggestion":
                value = [line.suggested_answer_id.id, line.matrix_row_id.id or None]
            elif line.answer_type in ("date", "datetime"):
                moment = line[f"value_{line.answer_type}"]
                value = moment.isoformat() if moment else None
            else:
                value = line[f"value_{line.answer_type}"]
            lines.append({"question": line.question_id.id, "type": line.answer_type or "skipped", "value": value})
        lines.sort(key=lambda entry: (entry["question"], json.dumps(entry, sort_keys=True)))
        payload = {"answer": self.id, "survey": self.survey_id.id, "client": self.partner_id.id, "lines": lines}
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def _serene_hash(self):
        self.ensure_one()
        return hashlib.sha256(self._serene_canonical_answers().encode()).hexdigest()

    def _serene_has_risk(self):
        """Whether a chosen answer is a risk signal, or a number reaches its question's risk threshold."""
        self.ensure_one()
        for line in self.user_input_line_ids.filtered(lambda line: not line.skipped):
            if line.suggested_answer_id.serene_risk_signal:
                return True
            threshold = line.question_id.serene_risk_threshold
            if line.answer_type == "numerical_box" and threshold and line.value_numerical_box >= threshold:
                return True
        return False

    def _serene_seal(self):
        """At completion: the answers' fingerprint, the severity band of the total, the risk flag."""
        for answer in self:
            scored = answer.survey_id.scoring_type != "no_scoring"
            # sudo: survey.user_input - system fields, written for the client who completed the form
            answer.sudo().write(
                {
                    "serene_sha256": answer._serene_hash(),
                    "serene_risk_flag": answer._serene_has_risk(),
                    "serene_severity": scored and answer.survey_id._serene_get_severity(answer.scoring_total),
                }
            )

    def _serene_apply_partner_fields(self):
        """Answers to questions mapped to a client field update the client's contact, never with an
        empty answer. The change is recorded like any change of contact details: the audit trail
        names the fields (not the values), a change of phone or date of birth revokes the live links,
        and a note on the portal says which form changed what."""
        self.ensure_one()
        # sudo: res.partner - the client's own answers update their contact
        partner_sudo = self.partner_id.sudo()
        portal = self.serene_item_id.portal_id
        if not partner_sudo or not portal:
            return
        vals = {}
        for line in self.user_input_line_ids.filtered(lambda line: line.question_id.serene_partner_field):
            field_name, _types = PARTNER_FIELDS[line.question_id.serene_partner_field]
            if line.skipped:
                continue
            if line.answer_type == "date":
                value = line.value_date
            elif line.answer_type in ("char_box", "text_box"):
                # Contact fields hold one line: an address typed on several lines joins with commas.
                text = line[f"value_{line.answer_type}"] or ""
                value = ", ".join(part.strip() for part in text.splitlines() if part.strip())
            else:
                continue
            current = partner_sudo[field_name]
            if not value or value == current:
                continue
            if field_name == "phone" and re.sub(r"\D", "", value) == re.sub(r"\D", "", current or ""):
                continue
            vals[field_name] = value
        if not vals:
            return
        partner_sudo.write(vals)
        labels = ", ".join(sorted(partner_sudo._fields[name].string for name in vals))
        # Phone and date of birth are logged (and the links revoked) by the contact's own write.
        others = set(vals) - CONTACT_FIELDS
        if others:
            self.env["serene.portal.activity"]._log(
                portal,
                "contact_changed",
                actor="client",
                detail=", ".join(sorted(partner_sudo._fields[name].string for name in others)),
            )
        # sudo: serene.client.portal - the note on the client's portal is posted for the client who filled the form
        portal.sudo().message_post(
            body=_(
                "Contact details updated from the form %(form)s: %(fields)s", form=self.survey_id.title, fields=labels
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    def _serene_log_staff_read(self, event_type):
        """A staff member read these answers (form, print page, PDF): one row for each that a
        client gave through their portal."""
        # sudo: survey.user_input - the portal item of answers the user has just read, for the log
        items_sudo = self.sudo().serene_item_id
        self.env["serene.portal.activity"]._log_staff_read(items_sudo, event_type)

    def action_serene_open_answers(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": "survey.user_input",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("survey.survey_user_input_view_form").id, "form")],
            "target": "current",
        }

    def action_serene_print_pdf(self):
        """The answers as a PDF on the practice's letterhead, for the client's chart."""
        self.check_access("read")
        return self.env.ref("serene_client_portal.action_report_survey_answers").report_action(self)
