from datetime import timedelta

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
