import secrets

from werkzeug.exceptions import NotFound

from odoo import _, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import content_disposition, request
from odoo.tools import is_html_empty

from ..models.serene_portal_item import FORM_TYPES
from ..tools import set_portal_headers
from . import visit

INVALID_LINK_PATH = "/portal/link-not-valid"
RETURN_COOKIE = "serene_portal_return"


def client_route(path, methods, type="http"):
    """A route of the client's portal, ``/portal/<portal_key>`` + ``path``: public, as the key in
    the path is the credential (every such route turns it into a portal through
    ``ClientPortal._portal_check_access``), on the practice's website, out of its sitemap, and
    without a language prefix, as the page speaks the client's language whatever the address."""
    return http.route(
        f"/portal/<string:portal_key>{path}",
        type=type,
        auth="public",
        website=True,
        sitemap=False,
        multilang=False,
        methods=methods,
    )


class PortalThrottled(AccessError):
    """Too many failed keys from this address: no lookup is made."""


class IdentityCheckRequired(AccessError):
    """A valid key, but the practice asks the visitor to show who they are first."""

    def __init__(self, portal_sudo, link_sudo):
        super().__init__(_("Please confirm who you are."))
        self.portal_sudo = portal_sudo
        self.link_sudo = link_sudo


class ItemNotFound(AccessError):
    """A valid key, but the item asked for is not this client's, or no longer open to them."""

    def __init__(self, portal_sudo):
        super().__init__(_("This item is not available."))
        self.portal_sudo = portal_sudo


class ClientPortal(http.Controller):
    """Thin routes of the client portal: the key gives a portal, the models do the work."""

    # ------------------------------------------------------------------
    # The one place that turns a key into a portal
    # ------------------------------------------------------------------

    def _portal_check_access(self, portal_key, verified=True):
        """(portal_sudo, link_sudo) for a valid key, as Odoo's ``_document_check_access`` does
        for access tokens: the sudo'd records only after the key was checked.

        :raise PortalThrottled: too many failed keys from this address
        :raise AccessError: unknown, expired or revoked key
        :raise IdentityCheckRequired: the visitor has not passed the practice's identity check
            (only when ``verified``)
        """
        # Each lookup is counted with the address's failed lookups in the same atomic statement:
        # a parallel burst of random keys buys at most the allowed lookups, a good key one round trip.
        allowed, link_sudo = request.env["serene.portal.link"]._find_valid_counted(portal_key, self._client_address())
        if not allowed:
            raise PortalThrottled(
                _(
                    "Too many attempts. Please try again in %(minutes)s minutes.",
                    minutes=request.env["serene.portal.throttle"]._lockout_minutes(),
                )
            )
        if not link_sudo:
            raise AccessError(_("This link is not valid."))
        link_sudo.portal_id._fetch_client_page_fields()
        link_sudo._touch()
        link_sudo = self._set_client_lang(link_sudo)
        portal_sudo = link_sudo.portal_id
        if verified and link_sudo._identity_check_required() and not visit.is_verified(link_sudo):
            raise IdentityCheckRequired(portal_sudo, link_sudo)
        return portal_sudo, link_sudo

    def _set_client_lang(self, link_sudo):
        """This request speaks the client's language, in the client's time zone: the page, its
        ``<html lang>``, the messages of the models it calls. Decided here from the contact, once
        the key was found valid, never from the URL, a cookie or the browser: an unknown, expired or
        revoked key keeps the visitor's own language and learns nothing. Returns ``link_sudo`` in
        that context."""
        portal_sudo = link_sudo.portal_id
        client_sudo = portal_sudo.partner_id
        company = portal_sudo.company_id
        lang, tz = client_sudo._serene_client_lang(company), client_sudo._serene_client_tz(company)
        request.lang = request.env["res.lang"]._get_data(code=lang)
        request.update_context(lang=lang, tz=tz)
        return link_sudo.with_context(lang=lang, tz=tz)

    def _portal_item(self, portal_key, item_id, types, open_only=False):
        """(portal_sudo, link_sudo, item_sudo): the active item ``item_id`` of one of ``types``
        on the portal of a valid key (``open_only``: not completed yet).

        :raise AccessError: as ``_portal_check_access``
        :raise ItemNotFound: not this client's item, or no longer open to them
        """
        portal_sudo, link_sudo = self._portal_check_access(portal_key)
        item_sudo = portal_sudo._get_item(item_id, types=types)
        if not item_sudo or (open_only and item_sudo.state == "completed"):
            raise ItemNotFound(portal_sudo)
        return portal_sudo, link_sudo, item_sudo

    def _portal_appointment(self, portal_key, event_id):
        """(portal_sudo, link_sudo, event_sudo): the upcoming appointment ``event_id`` that the
        portal of a valid key shows its client.

        :raise AccessError: as ``_portal_check_access``
        :raise ItemNotFound: not one of this client's upcoming appointments
        """
        portal_sudo, link_sudo = self._portal_check_access(portal_key)
        event_sudo = portal_sudo._get_appointment(event_id)
        if not event_sudo:
            raise ItemNotFound(portal_sudo)
        return portal_sudo, link_sudo, event_sudo

    def _portal_message(self, portal_key, message_id):
        """(portal_sudo, link_sudo, message_sudo): the secure message ``message_id`` of the
        portal of a valid key.

        :raise AccessError: as ``_portal_check_access``
        :raise ItemNotFound: not one of this client's messages
        """
        portal_sudo, link_sudo = self._portal_check_access(portal_key)
        message_sudo = portal_sudo._get_secure_message(message_id)
        if not message_sudo:
            raise ItemNotFound(portal_sudo)
        return portal_sudo, link_sudo, message_sudo

    def _download(self, attachment_sudo):
        """A client's file: always a download of opaque bytes, never rendered inline, so that no
        HTML or SVG can run from the practice's domain."""
        stream = request.env["ir.binary"]._get_stream_from(attachment_sudo, mimetype="application/octet-stream")
        return self._respond(stream.get_response(as_attachment=True))

    def _client_address(self):
        """The visitor's address as counted: the socket's peer (Odoo's ``proxy_mode`` decides
        whether a proxy's forwarding header is trusted), an IPv6 address by its /64."""
        return request.env["serene.portal.throttle"]._address_key(request.httprequest.remote_addr)

    def _access_denied(self, error, portal_key):
        """The answer to a refusal: 429 when throttled, the identity check when asked for, "not
        available" (404) for an item that is not the client's, else one and the same redirect for
        unknown, expired and revoked keys (which also takes the key out of the address bar)."""
        if isinstance(error, PortalThrottled):
            response = request.make_response(
                error.args[0],
                status=429,
                headers=[
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Retry-After", str(request.env["serene.portal.throttle"]._lockout_minutes() * 60)),
                ],
            )
            return self._respond(response)
        if isinstance(error, IdentityCheckRequired):
            return self._verify_page(error.portal_sudo, error.link_sudo, portal_key, status=401)
        if isinstance(error, ItemNotFound):
            return self._item_not_found(error.portal_sudo, portal_key)
        return self._respond(request.redirect(INVALID_LINK_PATH, code=303, local=True))

    def _verify_page(self, portal_sudo, link_sudo, portal_key, status=200, **values):
        company = portal_sudo.company_id
        plan = link_sudo._identity_plan()
        return self._render(
            "serene_client_portal.portal_verify",
            dict(
                values,
                company=company,
                base_path=f"/portal/{portal_key}",
                ask_birthdate=plan["birthdate"],
                code_channel=plan["code"] or "none",
                unreachable=plan["unreachable"] and link_sudo._unreachable_message(),
                locked=link_sudo._is_locked() and link_sudo._locked_message(),
            ),
            status=status,
        )

    def _respond(self, response):
        set_portal_headers(response)
        if request.httprequest.scheme == "https":
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    def _render(self, template, values, status=200):
        # Rendered at once into bytes: the answer has a Content-Length (a lazy answer holding
        # non-ASCII text goes without one, and the client reads until the connection closes).
        html = request.render(template, values, lazy=False)
        return self._respond(request.make_response(html, status=status))

    def _item_not_found(self, portal_sudo, portal_key):
        """An item or file that is not this client's (or no longer shared): nothing about it."""
        values = {"company": portal_sudo.company_id, "base_path": f"/portal/{portal_key}"}
        return self._render("serene_client_portal.portal_item_not_found", values, status=404)

    def _home_values(self, values, portal_key=None, preview=False, **extra):
        values.update(
            is_html_empty=is_html_empty,
            # One token per page: posting the same upload form twice stores one set.
            submission_token=secrets.token_urlsafe(16),
            portal_key=portal_key,
            preview=preview,
            base_path=f"/portal/{portal_key}" if portal_key else None,
            **extra,
        )
        return values

    def _home_with_error(self, portal_sudo, portal_key, error, item_sudo, **extra):
        """The portal home again, the refusal shown at the item it is about; nothing typed is lost."""
        values = self._home_values(
            portal_sudo._get_portal_page_values(), portal_key, error=error.args[0], error_item_id=item_sudo.id, **extra
        )
        return self._render("serene_client_portal.portal_home", values, status=400)

    # ------------------------------------------------------------------
    # Client routes
    # ------------------------------------------------------------------

    @client_route("", ["GET"])
    def portal_home(self, portal_key, done=None, uploaded=None, **kw):
        try:
            portal_sudo, link_sudo = self._portal_check_access(portal_key)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        message = {
            "form": _("Thank you: your form was sent to your practitioner."),
            "consent": _("Thank you: your signed consent was sent to your practitioner."),
            "request": _("Thank you: your practitioner has been told your documents are complete."),
            "booked": _("Your session is booked. A confirmation is on its way to you."),
            "requested": _("Your request was sent. Your practitioner will confirm it, and you will be told."),
            "moved": _("Your session was moved. A confirmation is on its way to you."),
            "cancelled": _("Your session is cancelled. A confirmation is on its way to you."),
        }.get(done)
        values = self._home_values(
            portal_sudo._portal_visit(link_sudo),
            portal_key,
            success=message,
            uploaded_item_id=int(uploaded) if uploaded and uploaded.isdigit() else None,
        )
        return self._render("serene_client_portal.portal_home", values)

    @client_route("/item/<int:item_id>/form", ["GET"])
    def portal_form(self, portal_key, item_id, **kw):
        try:
            _portal_sudo, link_sudo, item_sudo = self._portal_item(portal_key, item_id, FORM_TYPES, open_only=True)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        answer_sudo = item_sudo._portal_start_form(link=link_sudo)
        visit.bind_form(answer_sudo, link_sudo)
        response = request.redirect(answer_sudo.get_start_url(), local=True)
        # The way back stays in the visitor's browser: the server keeps no key in clear. The
        # survey pages of a language other than the website's default are under its prefix
        # (/fr/survey/...): the cookie goes to each.
        for prefix in ["", *(f"/{lang.url_code}" for lang in request.env["res.lang"]._get_frontend().values())]:
            response.set_cookie(
                RETURN_COOKIE,
                f"/portal/{portal_key}?done=form",
                path=f"{prefix}/survey",
                max_age=24 * 3600,
                httponly=True,
                samesite="Strict",
                secure=request.httprequest.scheme == "https",
            )
        return self._respond(response)

    @client_route("/item/<int:item_id>/upload", ["POST"])
    def portal_upload(self, portal_key, item_id, note=None, **kw):
        try:
            portal_sudo, link_sudo, item_sudo = self._portal_item(portal_key, item_id, ("document_request",))
        except AccessError as error:
            return self._access_denied(error, portal_key)
        # The body's size was checked before it was parsed (ir.http); the files are read by the
        # model, each up to the limit, after they were counted.
        files = [(f.filename, f.stream) for f in request.httprequest.files.getlist("files") if f.filename]
        try:
            item_sudo._portal_upload(files, note=note, link=link_sudo, submission=kw.get("submission"))
        except (UserError, ValidationError) as error:
            return self._home_with_error(portal_sudo, portal_key, error, item_sudo, kept_note=note or "")
        return self._respond(
            # The result takes the focus (and a screen reader reads it): the page's own fragment,
            # with no script.
            request.redirect(f"/portal/{portal_key}?uploaded={item_sudo.id}#upload-result", local=True)
        )

    @client_route("/item/<int:item_id>/file/<int:attachment_id>", ["GET"])
    def portal_file(self, portal_key, item_id, attachment_id, **kw):
        try:
            portal_sudo, link_sudo, item_sudo = self._portal_item(
                portal_key, item_id, ("resource", "document_request", "consent")
            )
        except AccessError as error:
            return self._access_denied(error, portal_key)
        attachment_sudo = item_sudo._portal_download(attachment_id, link=link_sudo)
        if not attachment_sudo:
            return self._item_not_found(portal_sudo, portal_key)
        return self._download(attachment_sudo)

    @client_route("/item/<int:item_id>/done", ["POST"])
    def portal_request_done(self, portal_key, item_id, **kw):
        """The client has sent every file a document request asked for."""
        try:
            portal_sudo, link_sudo, item_sudo = self._portal_item(portal_key, item_id, ("document_request",))
        except AccessError as error:
            return self._access_denied(error, portal_key)
        try:
            item_sudo._portal_mark_done(link=link_sudo)
        except UserError as error:
            return self._home_with_error(portal_sudo, portal_key, error, item_sudo)
        return self._respond(request.redirect(f"/portal/{portal_key}?done=request", local=True))

    @client_route("/item/<int:item_id>/consent", ["GET"])
    def portal_consent(self, portal_key, item_id, **kw):
        """A consent to read and sign with Odoo's portal signature."""
        try:
            portal_sudo, _link_sudo, item_sudo = self._portal_item(portal_key, item_id, ("consent",), open_only=True)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        values = self._home_values(
            {"company": portal_sudo.company_id, "client": portal_sudo.partner_id, "item": item_sudo},
            portal_key,
        )
        return self._render("serene_client_portal.portal_consent", values)

    @client_route("/item/<int:item_id>/sign", ["POST"], type="jsonrpc")
    def portal_consent_sign(self, portal_key, item_id, name=None, signature=None, **kw):
        """The signature form's call: answers as Odoo's portal signature expects."""
        try:
            _portal_sudo, link_sudo, item_sudo = self._portal_item(portal_key, item_id, ("consent",))
        except ItemNotFound:
            return {"error": _("This consent is not available.")}
        except AccessError:
            return {"error": _("This link is not valid any more. Please open your portal link again.")}
        try:
            item_sudo._portal_sign(name, signature, ip_address=request.httprequest.remote_addr, link=link_sudo)
        except UserError as error:
            return {"error": error.args[0]}
        return {"force_refresh": True, "redirect_url": f"/portal/{portal_key}?done=consent"}

    @client_route("/appointment/<int:event_id>/calendar.ics", ["GET"])
    def portal_appointment_ics(self, portal_key, event_id, **kw):
        """Add to calendar: the appointment as an iCalendar file, with nothing clinical in it."""
        try:
            portal_sudo, _link_sudo, event_sudo = self._portal_appointment(portal_key, event_id)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        response = request.make_response(
            event_sudo._serene_client_ics(portal_sudo.company_id),
            headers=[
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Disposition", content_disposition("appointment.ics")),
            ],
        )
        return self._respond(response)

    @client_route("/verify", ["POST"])
    def portal_verify(self, portal_key, birthdate=None, code=None, send_code=None, **kw):
        try:
            portal_sudo, link_sudo = self._portal_check_access(portal_key, verified=False)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        if send_code:
            message = link_sudo._send_identity_code()
            return self._verify_page(portal_sudo, link_sudo, portal_key, info=message, kept_birthdate=birthdate or "")
        passed, message = link_sudo._check_identity_counted(self._client_address(), birthdate=birthdate, code=code)
        if not passed:
            return self._verify_page(
                portal_sudo,
                link_sudo,
                portal_key,
                status=403,
                error=message,
                kept_birthdate=birthdate or "",
            )
        visit.mark_verified(link_sudo)
        return self._respond(request.redirect(f"/portal/{portal_key}", local=True))

    @client_route("/sign-out", ["POST"])
    def portal_sign_out(self, portal_key, **kw):
        """The client ends their visit: the identity check and open forms are forgotten here."""
        try:
            _portal_sudo, link_sudo = self._portal_check_access(portal_key, verified=False)
        except AccessError as error:
            return self._access_denied(error, portal_key)
        visit.sign_out(link_sudo)
        return self._render("serene_client_portal.portal_signed_out", {"company": link_sudo.portal_id.company_id})

    @http.route(INVALID_LINK_PATH, type="http", auth="public", website=True, sitemap=False, methods=["GET"])
    def portal_invalid_link(self, **kw):
        return self._render("serene_client_portal.portal_invalid_link", {}, status=404)

    @http.route("/portal/request-link", type="http", auth="public", website=True, sitemap=False, methods=["POST"])
    def portal_request_link(self, email=None, **kw):
        """Email a fresh link to the address on file; the answer never says whether it matched,
        nor takes longer when it did: the request is queued, and sent by a scheduled action."""
        request.env["serene.portal.link.request"]._queue(email or "", self._client_address())
        return self._render("serene_client_portal.portal_invalid_link", {"link_requested": True})

    # ------------------------------------------------------------------
    # Staff preview (the View button)
    # ------------------------------------------------------------------

    @http.route(
        "/portal/preview/<int:portal_id>", type="http", auth="user", website=True, sitemap=False, methods=["GET"]
    )
    def portal_preview(self, portal_id, **kw):
        portal = request.env["serene.client.portal"].browse(portal_id).exists()
        try:
            if not portal:
                raise AccessError(_("No such portal."))
            portal.check_access("read")
        except AccessError:
            raise NotFound() from None
        # sudo: serene.client.portal - read access was checked just above; the page shows what the client sees
        values = self._home_values(portal.sudo()._portal_preview(), preview=True)
        return self._render("serene_client_portal.portal_home", values)
