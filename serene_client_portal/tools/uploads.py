import io
import mimetypes
import re
import unicodedata

from PIL import Image

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


# The first is the name a stored file of that type gets when its own extension does not fit.
_EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",),
    "image/heic": (".heic", ".heif"),
    "image/heif": (".heif", ".heic"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
}


def name_for_type(name, mimetype):
    """``name`` with an extension that matches the file's real type: ``invoice.exe`` holding
    a PDF is stored as ``invoice.pdf``."""
    extensions = _EXTENSIONS.get(mimetype) or tuple(mimetypes.guess_all_extensions(mimetype))
    if not extensions:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and f".{ext.lower()}" in extensions:
        return name
    return f"{stem if dot else name}{extensions[0]}"


def image_pixels(data):
    """Width x height of an image from its header, without decoding it; None when it cannot
    be read (a bomb, a broken file)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        return None
    return width * height
