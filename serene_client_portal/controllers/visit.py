"""A client's verified visit, kept in the visitor's Odoo session: which link passed the
identity check, when, and when it was last used. No key and no token are kept."""

import time

from odoo.http import request

VERIFIED = "serene_verified"
FORMS = "serene_forms"


def is_verified(link_sudo):
    """Whether this visitor passed ``link_sudo``'s identity check and the visit is still
    within the practice's idle time and lifetime; a live visit is refreshed."""
    visits = dict(request.session.get(VERIFIED) or {})
    visit = visits.get(str(link_sudo.id))
    now = time.time()
    if not visit or not link_sudo._visit_is_live(visit[0], visit[1], now):
        if visit:
            visits.pop(str(link_sudo.id))
            request.session[VERIFIED] = visits
        return False
    if now - visit[1] > 60:  # at most one session write a minute
        visits[str(link_sudo.id)] = [visit[0], now]
        request.session[VERIFIED] = visits
    return True


def mark_verified(link_sudo):
    now = time.time()
    request.session[VERIFIED] = dict(request.session.get(VERIFIED) or {}, **{str(link_sudo.id): [now, now]})


def bind_form(answer_sudo, link_sudo):
    """The survey pages open this answer for this visit, through this link, and no other."""
    request.session[FORMS] = dict(request.session.get(FORMS) or {}, **{str(answer_sudo.id): link_sudo.id})


def form_link_id(answer_sudo):
    return (request.session.get(FORMS) or {}).get(str(answer_sudo.id))


def sign_out(link_sudo):
    """Forget the visit: the identity check and the forms opened through this link."""
    request.session[VERIFIED] = {
        k: v for k, v in (request.session.get(VERIFIED) or {}).items() if k != str(link_sudo.id)
    }
    request.session[FORMS] = {k: v for k, v in (request.session.get(FORMS) or {}).items() if v != link_sudo.id}
