import time

from odoo.http import request

# Odoo's check_identity asks for the password again after ten minutes.
IDENTITY_CHECK_WINDOW = 10 * 60


def identity_recently_checked():
    """Whether the person behind this web session confirmed their password in the last ten
    minutes (Odoo's ``check_identity``). Code outside a web session (scheduled actions, the
    shell, RPC that sends its credentials with every call) has no session to steal, and passes."""
    session = getattr(request, "session", None) if request else None
    if not session or not session.uid:
        return True
    return session.get("identity-check-last", 0) > time.time() - IDENTITY_CHECK_WINDOW
