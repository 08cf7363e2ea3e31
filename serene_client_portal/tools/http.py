import base64
import hashlib
import logging
import re

_CSP = [
    "default-src 'self'",
    "script-src %s",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
# An inline script: a <script> element without a src, and its text as the browser hashes it.
_INLINE_SCRIPT = re.compile(rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def portal_csp(body=b""):
    """The Content-Security-Policy of a client's page whose HTML is ``body``: nothing from other
    origins, and scripts only where the page has them. A page without a script (the portal's own
    pages) gives scripts no permission at all; a page with Odoo's frontend (the signing page, the
    survey pages) allows this server's bundles, its own inline scripts by their hash and the
    runtime template compiler (Owl builds templates with ``new Function``), nothing else."""
    if not body or b"<script" not in body.lower():
        return "; ".join(_CSP) % "'none'"
    hashes = dict.fromkeys(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(body)
    )
    return "; ".join(_CSP) % " ".join(["'self'", "'unsafe-eval'", *hashes])


# Sent with every answer under a portal key and every survey page of a portal form; an HTML
# page gets the policy of what it carries (``set_portal_headers``).
PORTAL_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Nothing from other origins: no third-party scripts, styles or fonts (the website theme's
    # web fonts fall back to the system's), no framing, forms post to the practice only.
    "Content-Security-Policy": portal_csp(),
}


def set_portal_headers(response):
    """The portal's headers on ``response``; an HTML page's script policy is read from the page."""
    response.headers.update(PORTAL_HEADERS)
    if getattr(response, "is_qweb", False):
        response.flatten()
    if response.mimetype == "text/html" and not response.direct_passthrough:
        response.headers["Content-Security-Policy"] = portal_csp(response.get_data())
    return response


_KEY_IN_PATH = re.compile(r"(/portal/)(?!preview/|request-link|link-not-valid)[^/?\s\"]+")
# Survey and answer tokens are UUIDs, in the path and in the query string.
_SURVEY_TOKEN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def redact_tokens(text):
    """``text`` without portal keys and survey answer tokens."""
    if "/portal/" in text:
        text = _KEY_IN_PATH.sub(r"\1[key]", text)
    if "/survey/" in text:
        text = _SURVEY_TOKEN.sub("[token]", text)
    return text


class RedactPortalTokens(logging.Filter):
    """Access keys and answer tokens travel in URLs: keep them out of the request log."""

    def filter(self, record):
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(redact_tokens(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        return True


def install_log_filter():
    for name in ("werkzeug", "odoo.http", "odoo.service.server"):
        logger = logging.getLogger(name)
        # Once per logger, also when the module is imported again (tests, reloads).
        if not any(type(f).__name__ == RedactPortalTokens.__name__ for f in logger.filters):
            logger.addFilter(RedactPortalTokens())
