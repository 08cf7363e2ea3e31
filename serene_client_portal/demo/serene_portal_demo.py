import base64
import io
from datetime import timedelta

from PIL import Image, ImageDraw

from odoo import api, fields, models
from odoo.tools import SQL

# The smallest valid PDF: a referral letter stand-in.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class SerenePortalDemo(models.AbstractModel):
    """What the demo data needs and the product does not: a history in the past and a client
    who already answered. Called from demo/serene_demo.xml only."""

    _name = "serene.portal.demo"
    _description = "Client Portal: demo data helpers"

    @api.model
    def _backdate(self, partner_id, days):
        """Age a demo client's portal history by ``days``: the audit trail is append-only."""
        moment = fields.Datetime.now() - timedelta(days=days)
        self.env.flush_all()
        for table, column in (("serene_portal_activity", "event_at"), ("serene_portal_item", "assigned_at")):
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET %s = %s WHERE partner_id = %s",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    moment,
                    partner_id,
                )
            )
        self.env.invalidate_all()

    @api.model
    def _complete(self, form_item_id, upload_item_id):
        """A demo client who answered an assessment and uploaded a document."""
        Item = self.env["serene.portal.item"]
        form_item = Item.browse(form_item_id)
        answer = form_item._portal_start_form()
        for question in form_item.survey_id.question_ids:
            answer._save_lines(question, question.suggested_answer_ids[1:2].id)
        answer._mark_done()
        Item.browse(upload_item_id)._portal_upload([("referral-letter.pdf", PDF_BYTES)], note="From Dr. Smith")
        Item._raise_review_todos()  # as the scheduled action does once the upload is stored

    @api.model
    def _assign_packet(self, packet_id, partner_id):
        """Assign a packet as the Add Item dialog does."""
        vals_list = (
            self.env["serene.portal.packet"]
            .browse(packet_id)
            ._prepare_item_vals(self.env["res.partner"].browse(partner_id))
        )
        return self.env["serene.portal.item"].create(vals_list)

    @api.model
    def _work_through_packet(self, partner_id):
        """A demo client who signed the consent, answered the PHQ-9 with a risk answer on item 9
        and sent both sides of their insurance card."""
        items = self.env["serene.portal.item"].search([("partner_id", "=", partner_id), ("packet_id", "!=", False)])
        for consent in items.filtered(lambda i: i.item_type == "consent"):
            consent._portal_sign(
                consent.partner_id.name, base64.b64encode(self._signature_png(consent.partner_id.name))
            )
        for form in items.filtered(lambda i: i.item_type == "assessment" and "PHQ-9" in i.name):
            answer = form._portal_start_form()
            questions = form.survey_id.question_ids
            for question in questions:
                pick = 1 if question == questions[-1] else 0
                answer._save_lines(question, question.suggested_answer_ids[pick : pick + 1].id)
            answer._mark_done()
        for request in items.filtered(lambda i: i.item_type == "document_request"):
            request._portal_upload([("insurance-card-front.pdf", PDF_BYTES)])
            request._portal_upload([("insurance-card-back.pdf", PDF_BYTES)])
            request._portal_mark_done()
        self.env["serene.portal.item"]._raise_review_todos()  # as the scheduled action does

    @api.model
    def _signature_png(self, name):
        """A typed-name signature, as Odoo's signature widget draws one."""
        image = Image.new("RGBA", (400, 120), (255, 255, 255, 0))
        ImageDraw.Draw(image).text((20, 45), name, fill=(20, 20, 80, 255))
        stream = io.BytesIO()
        image.save(stream, format="PNG")
        return stream.getvalue()
