from odoo import http
from odoo.http import request

from odoo.addons.survey.controllers.main import Survey

from . import visit


class SurveyThroughPortal(Survey):
    """A client's portal forms open only through the portal: the answer token alone opens
    nothing. Odoo's survey pages, templates and engine are used as they are."""

    def _check_validity(self, survey_sudo, answer_sudo, answer_token, ensure_token=True, check_partner=True):
        if answer_sudo and answer_sudo.serene_item_id and not self._serene_may_open(answer_sudo):
            return "answer_wrong_user"
        return super()._check_validity(
            survey_sudo, answer_sudo, answer_token, ensure_token=ensure_token, check_partner=check_partner
        )

    def _get_access_data(self, survey_token, answer_token, ensure_token=True, check_partner=True):
        """A client's portal form speaks the client's language in the client's time zone, set
        here once the answer was found open to this visitor: the answer's language (the client's,
        set when the portal opened it) whatever the URL's prefix or the browser's cookie."""
        access_data = super()._get_access_data(
            survey_token, answer_token, ensure_token=ensure_token, check_partner=check_partner
        )
        answer_sudo = access_data["answer_sudo"]
        if access_data["validity_code"] is True and answer_sudo.serene_item_id and not request.env.user._is_internal():
            portal_sudo = answer_sudo.serene_item_id.portal_id
            lang = answer_sudo.lang_id.code
            if lang not in request.env["res.lang"]._get_frontend():
                lang = portal_sudo.partner_id._serene_client_lang(portal_sudo.company_id)
            request.lang = request.env["res.lang"]._get_data(code=lang)
            request.update_context(lang=lang, tz=portal_sudo.partner_id._serene_client_tz(portal_sudo.company_id))
            env_sudo = request.env(su=True)
            access_data.update(
                survey_sudo=access_data["survey_sudo"].with_env(env_sudo),
                answer_sudo=answer_sudo.with_env(env_sudo),
            )
        return access_data

    def _prepare_survey_data(self, survey_sudo, answer_sudo, **post):
        """A client's portal form: no language menu (it is in the client's language, and so is the
        page's title: the form's, not the name of Odoo's template), and no timer, whatever time
        limit the survey carries."""
        data = super()._prepare_survey_data(survey_sudo, answer_sudo, **post)
        if answer_sudo.serene_item_id:
            data["additional_title"] = survey_sudo.title
            if "languages" in data:
                data["languages"] = [(request.lang.code, request.lang.name)]
                data["lang_code"] = request.lang.code
            for key in ("server_time", "timer_start", "time_limit_minutes"):
                data.pop(key, None)
        return data

    def _serene_may_open(self, answer_sudo):
        """The visitor opened this answer's portal with a live key (and passed the identity
        check) in this browser session; or a staff member the rules let read it, to review or
        print, never to answer as the client."""
        user = request.env.user
        if not user._is_public() and not user.share:
            return request.httprequest.path.startswith("/survey/print/") and answer_sudo.with_user(user).has_access(
                "read"
            )
        # sudo: serene.portal.link - the visitor is anonymous; the session names the link it came with
        link_sudo = request.env["serene.portal.link"].sudo().browse(visit.form_link_id(answer_sudo)).exists()
        return bool(link_sudo) and link_sudo._opens_answer(
            answer_sudo, verified=not link_sudo._identity_check_required() or visit.is_verified(link_sudo)
        )

    @http.route()
    def survey_print(self, survey_token, review=False, answer_token=None, **post):
        """A staff member's print page of a client's answers is a read of them: logged."""
        response = super().survey_print(survey_token, review=review, answer_token=answer_token, **post)
        if answer_token and request.env.user._is_internal():
            _survey_sudo, answer_sudo = self._fetch_from_access_token(survey_token, answer_token)
            if answer_sudo.serene_item_id and self._serene_may_open(answer_sudo):
                answer_sudo._serene_log_staff_read("answers_viewed")
        return response

    # ------------------------------------------------------------------
    # Clinical, not quiz: a portal form's settings never make it a quiz for the client
    # (the end page and the rest: views/survey_clinical_templates.xml)
    # ------------------------------------------------------------------

    @http.route()
    def survey_submit(self, survey_token, answer_token, **post):
        """No right or wrong answers shown to a client after a page ("scoring with answers after
        each page"): the answers are clinical, not marked."""
        correct_answers, result = super().survey_submit(survey_token, answer_token, **post)
        if correct_answers:
            _survey_sudo, answer_sudo = self._fetch_from_access_token(survey_token, answer_token)
            if answer_sudo.serene_item_id:
                correct_answers = {}
        return correct_answers, result

    @http.route()
    def survey_retry(self, survey_token, answer_token, **post):
        """A portal form is taken again from the portal, as a new item: nothing is created here."""
        survey_sudo, answer_sudo = self._fetch_from_access_token(survey_token, answer_token)
        if answer_sudo.serene_item_id:
            return request.render("survey.survey_access_error", {"survey": survey_sudo})
        return super().survey_retry(survey_token, answer_token, **post)
