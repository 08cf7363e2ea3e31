import re

from lxml import etree, html
from markupsafe import Markup, escape

# Attributes that make a renderer fetch what they name (links, <a href>, fetch nothing).
_FETCHING_ATTRIBUTES = ("src", "srcset", "poster", "background", "data", "lowsrc", "dynsrc", "longdesc")
_FETCHING_TAGS = ("link", "script", "style", "iframe", "frame", "object", "embed", "base", "meta")
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_CSS_URL = re.compile(r"url\s*\(|@import|expression\s*\(|image-set\s*\(", re.IGNORECASE)


def _is_local(value):
    """A path on this server or an inline image: nothing for a renderer to fetch elsewhere."""
    value = (value or "").strip()
    if value.lower().startswith("data:image/"):
        return True
    return value.startswith("/") and not value.startswith(("//", "/\\"))


def drop_remote_resources(text):
    """``text`` (HTML a practice wrote: consent texts, instructions) without anything a PDF
    renderer would fetch from another host or from the server's files: remote or ``file:``
    images, sources and backgrounds, stylesheets, CSS ``url()``. Text and links stay."""
    if not text or not str(text).strip():
        return text
    root = html.fragment_fromstring(str(text), create_parent="div")
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() in _FETCHING_TAGS:
            element.drop_tree()
            continue
        for name in _FETCHING_ATTRIBUTES:
            value = element.get(name)
            if value is None:
                continue
            if name == "srcset":
                local = all(_is_local(part.strip().split(" ")[0]) for part in value.split(",") if part.strip())
            else:
                local = _is_local(value)
            if not local:
                del element.attrib[name]
        if element.get(_XLINK_HREF) is not None and not _is_local(element.get(_XLINK_HREF)):
            del element.attrib[_XLINK_HREF]
        if element.tag.lower() == "image" and element.get("href") and not _is_local(element.get("href")):
            del element.attrib["href"]
        if _CSS_URL.search(element.get("style") or ""):
            del element.attrib["style"]
        # An image or a media element left with nothing to show goes.
        if element.tag.lower() in ("img", "source", "video", "audio") and not any(
            element.get(name) for name in ("src", "srcset", "poster")
        ):
            element.drop_tree()
    children = "".join(etree.tostring(child, encoding="unicode", method="html") for child in root)
    # lxml's serialisation of the parsed tree: its text and attributes are escaped.
    return escape(root.text or "") + Markup(children)  # noqa: S704 - lxml escaped what it serialised
