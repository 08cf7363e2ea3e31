"""The placeholders and conditions a practice manager may use in the addon's email and SMS texts.

Odoo lets only "Mail Template Editors" (administrators, by default) save a template with
dynamic code, as code in a template runs on the server. A practice manager must be able to
reword the texts the addon sends its clients without becoming one: they may reword, reorder
and remove, and use any placeholder or condition the addon's own templates use, exactly as
written there (``ctx.get('portal_url')``, ``t-if="ctx.get('portal_reminder')"``...), and no
other code. The list is read from the addon's data files, so it follows the shipped texts."""

import re
from functools import cache

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tools.misc import file_path
from odoo.tools.rendering_tools import parse_inline_template

DATA_FILES = (
    "serene_client_portal/data/mail_template_data.xml",
    "serene_client_portal/data/sms_template_data.xml",
    "serene_client_portal/data/serene_portal_message_data.xml",
)


def _normalized(text):
    return re.sub(r"\s+", " ", text or "").strip()


@cache
def shipped_code():
    """(QWeb attributes as (name, value), inline expressions) of the addon's templates."""
    attributes, expressions = set(), set()
    for path in DATA_FILES:
        tree = etree.parse(file_path(path))
        for field in tree.iterfind(".//record/field"):
            if field.get("type") == "html":
                for node in field.iter():
                    attributes.update(
                        (name, _normalized(value)) for name, value in node.attrib.items() if name.startswith("t-")
                    )
            elif field.text:
                parts = parse_inline_template(field.text)
                expressions.update(_normalized(expr) for _text, expr, _default in parts if expr)
    return frozenset(attributes), frozenset(expressions)


def unknown_code(template):
    """The pieces of code in ``template`` (a mail.template or sms.template) that the addon's
    own templates do not use, in a readable form; empty when the template uses only theirs."""
    attributes, expressions = shipped_code()
    unknown = []
    for fname, field in template._fields.items():
        value = template[fname]
        if not value or not isinstance(value, str):
            continue
        if getattr(field, "render_engine", "inline_template") in ("qweb", "qweb_view"):
            root = etree.fromstring(f"<div>{value}</div>", etree.HTMLParser()) if "t-" in value else None
            for node in root.iter() if root is not None else ():
                unknown += [
                    f'{name}="{value}"'
                    for name, value in node.attrib.items()
                    if name.startswith("t-") and (name, _normalized(value)) not in attributes
                ]
        else:
            unknown += [
                f"{{{{ {expr} }}}}"
                for _text, expr, _default in parse_inline_template(value)
                if expr and _normalized(expr) not in expressions
            ]
    return unknown


def shipped_ids(model):
    """Ids of the addon's own records of ``model`` (its mail or SMS templates)."""
    # sudo: ir.model.data - which templates the addon ships, whoever asks
    data = (
        model.env["ir.model.data"].sudo().search([("module", "=", "serene_client_portal"), ("model", "=", model._name)])
    )
    return set(data.mapped("res_id"))


def search_shipped(model, operator, value):
    """The search of a ``serene_practice_text`` field: the addon's own templates, or the others."""
    if operator not in ("in", "not in"):
        return NotImplemented
    wanted = {bool(v) for v in value}
    if len(wanted) != 1:
        return [("id", "!=", False) if operator == "in" else ("id", "=", False)]
    shipped = (operator == "in") == (wanted == {True})
    return [("id", "in" if shipped else "not in", list(shipped_ids(model)))]


def _practice_manager_only(env):
    """Whether the user edits the addon's texts as a practice manager, not as a template editor."""
    user = env.user
    return (
        not env.su
        and user.has_group("serene_client_portal.group_practice_manager")
        and not user.has_group("mail.group_mail_template_editor")
    )


def check_practice_text_fields(templates, fnames, allowed):
    """A practice manager changes the words of the addon's texts (``allowed`` fields), nothing
    else of them: not who receives them (a copy of every client's link to another address), not
    what is attached, not their model."""
    if not _practice_manager_only(templates.env) or not templates.filtered("serene_practice_text"):
        return
    others = sorted(set(fnames) - set(allowed))
    if others:
        fields = templates._fields
        raise AccessError(
            templates.env._(
                "Practice managers change the words of the Client Portal's texts only, not: %(fields)s",
                fields=", ".join(fields[name].get_description(templates.env)["string"] for name in others),
            )
        )


def check_practice_texts(templates):
    """The templates among ``templates`` (mail.template or sms.template) a practice manager who is
    no template editor edits as practice texts, after checking they use only the addon's code;
    raises AccessError with what they use beyond it."""
    env = templates.env
    if not _practice_manager_only(env):
        return templates.browse()
    texts = templates.filtered("serene_practice_text")
    # sudo: mail.template / sms.template - every field's text, whichever group may read the field
    for template in texts.sudo():
        unknown = unknown_code(template)
        if unknown:
            raise AccessError(
                env._(
                    "The Client Portal's texts may use the placeholders and conditions of the texts the "
                    "addon comes with, and no other code. Not allowed in %(template)s: %(code)s",
                    template=template.name,
                    code=", ".join(unknown),
                )
            )
    return texts
