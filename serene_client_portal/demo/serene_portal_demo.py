import base64
import io
from datetime import timedelta

from PIL import Image, ImageDraw

from odoo import Command, api, fields, models
from odoo.tools import SQL

# The smallest valid PDF: a referral letter stand-in.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# PHQ-9 (Kroenke, Spitzer, Williams; Pfizer, no permission required to reproduce).
PHQ9_ITEMS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or "
    "restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
PHQ9_SCALE = (("Not at all", 0), ("Several days", 1), ("More than half the days", 2), ("Nearly every day", 3))
PHQ9_BANDS = (
    ("Minimal", 0, 4),
    ("Mild", 5, 9),
    ("Moderate", 10, 14),
    ("Moderately severe", 15, 19),
    ("Severe", 20, 27),
)


class SerenePortalDemo(models.AbstractModel):
    """What the demo data needs and the product does not: a history in the past, a client who
    already answered, and the PHQ-9 (which the tests and scripts/generate.py build here too).
    Called from the demo's XML files, the tests and the generator only."""

    _name = "serene.portal.demo"
    _description = "Client Portal: demo data helpers"

    @api.model
    def _create_phq9(self, values=None, xml_id=None):
        """The PHQ-9 as an assessment: nine mandatory items scored 0 to 3, its five severity bands,
        and any answer above "Not at all" on item 9 a risk signal. ``values`` override the survey's
        (a test's title, the demo's owner); ``xml_id`` names the demo's record."""
        survey = self.env["survey.survey"].create(
            {
                "title": "Depression Screening (PHQ-9)",
                "serene_form_kind": "assessment",
                "access_mode": "token",
                "users_login_required": False,
                "questions_layout": "one_page",
                "scoring_type": "scoring_without_answers",
                "scoring_success_min": 0,
                "description": "<p>Over the last 2 weeks, how often have you been bothered by any of the "
                "following problems?</p>",
                "question_and_page_ids": [
                    Command.create(
                        {
                            "sequence": number,
                            "title": title,
                            "question_type": "simple_choice",
                            "constr_mandatory": True,
                            "suggested_answer_ids": [
                                Command.create(
                                    {
                                        "sequence": sequence,
                                        "value": value,
                                        "answer_score": score,
                                        "serene_risk_signal": number == len(PHQ9_ITEMS) and score > 0,
                                    }
                                )
                                for sequence, (value, score) in enumerate(PHQ9_SCALE, 1)
                            ],
                        }
                    )
                    for number, title in enumerate(PHQ9_ITEMS, 1)
                ],
                "serene_severity_band_ids": [
                    Command.create({"sequence": sequence, "name": name, "min_score": low, "max_score": high})
                    for sequence, (name, low, high) in enumerate(PHQ9_BANDS, 1)
                ],
                **(values or {}),
            }
        )
        if xml_id:
            self.env["ir.model.data"]._update_xmlids([{"xml_id": xml_id, "record": survey, "noupdate": True}])
        return survey

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
