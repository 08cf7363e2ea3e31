from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError


class SurveyUserInput(models.Model):
    _name = "survey.user_input"
    _inherit = ["survey.user_input", "serene.system.fields.mixin"]
    # Only the system ties an answer to a client's portal item.
    _serene_system_fields = frozenset({"serene_item_id"})

    serene_item_id = fields.Many2one(
        "serene.portal.item",
        string="Portal Item",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(vals.get("serene_item_id") for vals in vals_list):
            raise AccessError(_("Only the system links answers to a client's portal item."))
        return super().create(vals_list)

    def _mark_done(self):
        result = super()._mark_done()
        self.filtered("serene_item_id")._serene_on_completed()
        return result

    def _serene_on_completed(self):
        """A client finished a form from their portal: complete the item, tell the note owner."""
        # sudo: the client is an anonymous visitor
        for answer in self.sudo():
            item = answer.serene_item_id
            if not item._mark_completed():
                continue
            self.env["serene.portal.activity"]._log(item.portal_id, "form_completed", items=item, actor="client")
            body = Markup("%s <a href='#' data-oe-model='survey.user_input' data-oe-id='%s'>%s</a>") % (
                _("Completed the form"),
                answer.id,
                item.name,
            )
            if item.item_type == "assessment" and answer.survey_id.scoring_type != "no_scoring":
                body += Markup(" — %s") % _("score %(score)s%%", score=answer.scoring_percentage)
            item.portal_id._notify_note_owner(
                _("Review %(form)s", form=item.name),
                note=_("%(client)s completed this form in their portal.", client=item.partner_id.name),
                body=body,
            )

    def action_serene_open_answers(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "survey.user_input",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("survey.survey_user_input_view_form").id, "form")],
            "target": "current",
        }
