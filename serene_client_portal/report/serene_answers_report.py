from odoo import api, models

from .serene_access_letter_report import wkhtmltopdf_prints_headers


class ReportSereneClientPortalReportSurveyAnswers(models.AbstractModel):
    """A completed form or assessment for the client's chart: each question with the client's
    answer, the score and severity band, the risk flag and the answers' fingerprint, on the
    letterhead of the practice that holds the client's portal."""

    _name = "report.serene_client_portal.report_survey_answers"
    _description = "Client Answers (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        """Only for those who may read the answers: the report routes reach here directly. Each
        rendering is a staff read of the answers, logged."""
        answers = self.env["survey.user_input"].browse(docids)
        answers.check_access("read")
        # sudo: survey.question, survey.user_input.line - the questions and lines of answers the
        # user may read (a survey restricted to some users still prints for the care team)
        answers_sudo = answers.sudo()
        answers._serene_log_staff_read("answers_printed")
        return {
            "doc_ids": answers.ids,
            "doc_model": "survey.user_input",
            "docs": answers_sudo,
            "rows": {answer.id: self._answer_rows(answer) for answer in answers_sudo},
            "letterhead_in_body": (data or {}).get("report_type") == "pdf" and not wkhtmltopdf_prints_headers(),
        }

    @api.model
    def _answer_rows(self, answer):
        """[{title, answers, score}] in the form's order; score is None when the form is not scored."""
        scored = answer.survey_id.scoring_type != "no_scoring"
        lines_by_question = answer.user_input_line_ids.grouped("question_id")
        questions = answer.predefined_question_ids or answer.survey_id.question_ids
        rows = []
        for question in questions.sorted(lambda q: (q.sequence, q.id)):
            lines = lines_by_question.get(question, answer.user_input_line_ids.browse())
            texts = [
                line.value_text_box if line.answer_type == "text_box" else line.display_name
                for line in lines
                if not line.skipped and line.answer_type
            ]
            rows.append(
                {
                    "title": question.title,
                    "answers": texts,
                    "score": sum(lines.mapped("answer_score")) if scored and lines else None,
                }
            )
        return rows
