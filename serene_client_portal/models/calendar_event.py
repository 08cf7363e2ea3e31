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
        """Booking a client for an appointment type that carries intake forms or a packet assigns
        them once: never again once the client has that form or packet, completed or removed.
        They go out as the booking user, for the clients whose portal that user may manage."""
        wanted = {}
        for event in self:
            surveys = event.categ_ids.serene_survey_ids
            packets = event.categ_ids.serene_packet_id
            if not surveys and not packets:
                continue
            for client in event.partner_ids.filtered("is_client"):
                survey_ids, packet_ids = wanted.setdefault(client, (set(), set()))
                survey_ids.update(surveys.ids)
                packet_ids.update(packets.ids)
        if not self.env.su:
            managed = self.env["res.partner"].browse([client.id for client in wanted])._filter_portal_managed()
            wanted = {client: ids for client, ids in wanted.items() if client.id in managed.ids}
        if not wanted:
            return
        Item = self.env["serene.portal.item"]
        # sudo: serene.portal.item - a form or packet the client has, had completed or had removed
        # is not assigned again by a booking
        had = (
            Item.sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("partner_id", "in", [client.id for client in wanted]),
                    "|",
                    ("survey_id", "!=", False),
                    ("packet_id", "!=", False),
                ]
            )
        )
        assigned = {(item.partner_id.id, item.survey_id.id) for item in had if item.survey_id}
        packets_had = {(item.partner_id.id, item.packet_id.id) for item in had if item.packet_id}
        for client, (survey_ids, packet_ids) in wanted.items():
            packets = self.env["serene.portal.packet"].browse(
                sorted(pid for pid in packet_ids if (client.id, pid) not in packets_had)
            )
            vals_list = packets._prepare_item_vals(client) if packets else []
            in_packets = {vals["survey_id"] for vals in vals_list if vals.get("survey_id")}
            vals_list += [
                Item._prepare_survey_vals(survey, client)
                for survey in self.env["survey.survey"].browse(sorted(survey_ids))
                if (client.id, survey.id) not in assigned and survey.id not in in_packets
            ]
            if not vals_list:
                continue
            try:
                with self.env.cr.savepoint():
                    Item._serene_create_with_system_values(vals_list)._notify_client()
            except UserError as error:
                # Over a usage limit: the booking stands, the note owner learns why nothing went out.
                # sudo: res.partner - the booking user may not post on the client
                client.sudo().message_post(
                    body=_("Intake forms were not assigned for this appointment: %(reason)s", reason=error.args[0]),
                    subtype_xmlid="mail.mt_note",
                )
