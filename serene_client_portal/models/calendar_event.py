from odoo import _, api, models
from odoo.exceptions import UserError


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events._serene_assign_service_forms()
        return events

    def write(self, vals):
        result = super().write(vals)
        if {"categ_ids", "partner_ids"} & set(vals):
            self._serene_assign_service_forms()
        return result

    def _serene_assign_service_forms(self):
        """Booking a client for an appointment type that carries intake forms assigns them once:
        never again once the client has that form, completed or removed. Forms go out as the
        booking user, for the clients whose portal that user may manage."""
        wanted = {}
        for event in self:
            surveys = event.categ_ids.serene_survey_ids
            if not surveys:
                continue
            for client in event.partner_ids.filtered("is_client"):
                wanted.setdefault(client, set()).update(surveys.ids)
        if not self.env.su:
            levels = self.env["serene.client.portal"]._get_access_levels(
                self.env["res.partner"].browse([client.id for client in wanted])
            )
            wanted = {client: ids for client, ids in wanted.items() if levels[client.id] in ("owner", "manager")}
        if not wanted:
            return
        Item = self.env["serene.portal.item"]
        # sudo: serene.portal.item - a form the client has, had completed or had removed is not
        # assigned again by a booking
        assigned = {
            (item.partner_id.id, item.survey_id.id)
            for item in Item.sudo()
            .with_context(active_test=False)
            .search([("partner_id", "in", [client.id for client in wanted]), ("survey_id", "!=", False)])
        }
        for client, survey_ids in wanted.items():
            vals_list = [
                {
                    "partner_id": client.id,
                    "item_type": survey.serene_form_kind or "intake_form",
                    "survey_id": survey.id,
                    "name": survey.title,
                }
                for survey in self.env["survey.survey"].browse(sorted(survey_ids))
                if (client.id, survey.id) not in assigned
            ]
            if not vals_list:
                continue
            try:
                with self.env.cr.savepoint():
                    Item.with_context(serene_notify_client=True).create(vals_list)
            except UserError as error:
                # Over a usage limit: the booking stands, the note owner learns why no form went out.
                # sudo: res.partner - the booking user may not post on the client
                client.sudo().message_post(
                    body=_("Intake forms were not assigned for this appointment: %(reason)s", reason=error.args[0]),
                    subtype_xmlid="mail.mt_note",
                )
