import logging
import re

# Sent with every page under a portal key and every survey page of a portal form.
PORTAL_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Nothing from other origins: no third-party scripts, styles or fonts (the website theme's
    # web fonts fall back to the system's), no framing, forms post to the practice only.
    "Content-Security-Policy": "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    ),
}

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
