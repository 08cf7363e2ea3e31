import re
import unicodedata

from odoo.tools.mimetypes import guess_mimetype

_UNSAFE_FILENAME = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def sanitize_filename(filename):
    """A plain file name: no path, no markup or control characters, at most 120 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", unicodedata.normalize("NFKC", name)).strip(" ._")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:9]) if dot else name[:120]
    return name or "upload"


def sniff_mimetype(data):
    """The file's type from its bytes, not from its name or the browser's word."""
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftyphevc", b"ftypmif1", b"ftypheif"):
        return "image/heic"
    return guess_mimetype(data, default="application/octet-stream")
