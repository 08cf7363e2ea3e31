from .clamd import clamd_instream
from .http import (
    PORTAL_HEADERS,
    RedactPortalTokens,
    install_log_filter,
    portal_csp,
    redact_tokens,
    set_portal_headers,
)
from .report_html import drop_remote_resources
from .uploads import image_pixels, name_for_type, sanitize_filename, sniff_mimetype

install_log_filter()
