from odoo import _
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from .portal import ClientPortal, client_route


class ClientPortalBooking(ClientPortal):
    """Booking, moving and cancelling sessions from the portal: the same key, identity check and
    throttle as every other portal route (``_portal_check_access``, ``_portal_appointment``);
    the rules are the session's and the service's."""

    def _booking_choice(self, portal_sudo, service_id=None, practitioner_id=None, strict=False):
        """(services, service, practitioners, practitioner) the client may book: those asked
        for, else the first ones offered (``strict``: those asked for or none, for a booking)."""
        offers = portal_sudo._serene_bookable_services()
        services = list(offers)
        service = next((one for one in services if str(one.id) == str(service_id)), None)
        if not service and not strict:
            service = services[0] if services else None
        practitioners = offers.get(service) if service else None
        practitioner = practitioners and practitioners.filtered(lambda user: str(user.id) == str(practitioner_id))[:1]
        if practitioners and not practitioner and not strict:
            practitioner = practitioners[:1]
        if strict and not practitioner:
            service = None
        return services, service, practitioners, practitioner

    def _week(self, week):
        return max(0, min(int(week), 52)) if str(week or "").isdigit() else 0

    def _book_page(self, portal_sudo, portal_key, service, practitioner, week=0, event=None, status=200, **values):
        company = portal_sudo.company_id
        base_path = f"/portal/{portal_key}"
        if event:
            heading = _("Move your session")
            action_url = f"{base_path}/appointment/{event.id}/move"
            week_url = f"{action_url}?"
            submit_label = _("Move to this time")
        else:
            heading = _("Book a session")
            action_url = f"{base_path}/book"
            week_url = f"{action_url}?service={service.id}&practitioner={practitioner.id}"
            submit_label = _("Book this time")
        values.update(
            company=company,
            client=portal_sudo.partner_id,
            base_path=base_path,
            heading=heading,
            action_url=action_url,
            week_url=week_url,
            submit_label=submit_label,
            service=service,
            practitioner=practitioner,
            duration=round(service.serene_booking_duration * 60),
            week=portal_sudo._serene_booking_week(service, practitioner, week, exclude_event=event),
            event=event,
            event_when=event and event._serene_client_when(request.env.context.get("tz")),
            submission_token=self._home_values({})["submission_token"],
        )
        values.setdefault("services", [service])
        values.setdefault("practitioners", practitioner)
        return self._render("serene_client_portal.portal_book", values, status=status)

    def _book_closed(self, portal_sudo, portal_key, message):
        values = {"company": portal_sudo.company_id, "base_path": f"/portal/{portal_key}", "message": message}
        return self._render("serene_client_portal.portal_book_closed", values, status=403)

    def _closed_message(self, portal_sudo):
        if portal_sudo.show_appointments and portal_sudo._serene_is_new_client():
            return portal_sudo._serene_first_session_message()
        return _(
            "Online booking is not open to you. Please contact %(practice)s.", practice=portal_sudo.company_id.name
        )

    @client_route("/book", ["GET"])
    def portal_book(self, portal_key, service=None, practitioner=None, week=None, **kw):
        try:
            portal_sudo, _link_sudo = self._portal_check_access(portal_key)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        services, service_sudo, practitioners, practitioner_user = self._booking_choice(
            portal_sudo, service, practitioner
        )
        if not service_sudo:
            return self._book_closed(portal_sudo, portal_key, self._closed_message(portal_sudo))
        return self._book_page(
            portal_sudo,
            portal_key,
            service_sudo,
            practitioner_user,
            self._week(week),
            services=services,
            practitioners=practitioners,
        )

    @client_route("/book", ["POST"])
    def portal_book_post(self, portal_key, service=None, practitioner=None, start=None, submission=None, **kw):
        try:
            portal_sudo, link_sudo = self._portal_check_access(portal_key)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        services, service_sudo, practitioners, practitioner_user = self._booking_choice(
            portal_sudo, service, practitioner, strict=True
        )
        if not service_sudo:
            return self._book_closed(portal_sudo, portal_key, self._closed_message(portal_sudo))
        Event = request.env["calendar.event"]
        moment = request.env["calendar.event.type"]._serene_parse_slot(start)
        try:
            if not moment:
                raise UserError(_("Please choose a time."))
            event = Event._serene_portal_book(
                portal_sudo, service_sudo, practitioner_user, moment, link=link_sudo, token=submission
            )
        except UserError as error:
            return self._book_page(
                portal_sudo,
                portal_key,
                service_sudo,
                practitioner_user,
                services=services,
                practitioners=practitioners,
                status=409,
                error=error.args[0],
            )
        done = "requested" if event.serene_booking_state == "requested" else "booked"
        return self._respond(request.redirect(f"/portal/{portal_key}?done={done}#serene_main", local=True))

    @client_route("/appointment/<int:event_id>/move", ["GET", "POST"])
    def portal_appointment_move(self, portal_key, event_id, week=None, start=None, **kw):
        try:
            portal_sudo, link_sudo, event_sudo = self._portal_appointment(portal_key, event_id)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        company = portal_sudo.company_id
        if not event_sudo._serene_client_may_change(company):
            return self._book_closed(portal_sudo, portal_key, event_sudo._serene_call_instead_message(company))
        service, practitioner = event_sudo._serene_service(), event_sudo.user_id
        if request.httprequest.method == "GET":
            return self._book_page(portal_sudo, portal_key, service, practitioner, self._week(week), event=event_sudo)
        moment = request.env["calendar.event.type"]._serene_parse_slot(start)
        try:
            if not moment:
                raise UserError(_("Please choose a time."))
            event_sudo._serene_portal_reschedule(portal_sudo, moment, link=link_sudo)
        except UserError as error:
            return self._book_page(
                portal_sudo, portal_key, service, practitioner, event=event_sudo, status=409, error=error.args[0]
            )
        return self._respond(request.redirect(f"/portal/{portal_key}?done=moved#serene_main", local=True))

    @client_route("/appointment/<int:event_id>/cancel", ["GET", "POST"])
    def portal_appointment_cancel(self, portal_key, event_id, **kw):
        try:
            portal_sudo, link_sudo, event_sudo = self._portal_appointment(portal_key, event_id)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        company = portal_sudo.company_id
        if not event_sudo._serene_client_may_change(company):
            return self._book_closed(portal_sudo, portal_key, event_sudo._serene_call_instead_message(company))
        values = {
            "company": company,
            "base_path": f"/portal/{portal_key}",
            "event": event_sudo,
            "event_when": event_sudo._serene_client_when(request.env.context.get("tz")),
        }
        if request.httprequest.method == "GET":
            return self._render("serene_client_portal.portal_cancel", values)
        try:
            event_sudo._serene_portal_cancel(portal_sudo, link=link_sudo)
        except UserError as error:
            return self._render("serene_client_portal.portal_cancel", dict(values, error=error.args[0]), status=409)
        return self._respond(request.redirect(f"/portal/{portal_key}?done=cancelled#serene_main", local=True))
