from odoo import api, fields, models


class SereneUploadKind(models.Model):
    """A kind of file a document request may accept: what the staff picks in the Add Item
    dialog, what the client's file picker offers, and what the upload's content must be."""

    _name = "serene.upload.kind"
    _description = "Client Portal Upload Kind"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, readonly=True)
    sequence = fields.Integer(default=10)
    mimetypes = fields.Char(
        required=True,
        readonly=True,
        help="MIME types, space-separated, that the file's content must have (sniffed, not declared).",
    )
    extensions = fields.Char(
        required=True,
        readonly=True,
        help="File extensions, space-separated, offered by the client's file picker; the first is the usual one.",
    )

    _code_unique = models.Constraint("UNIQUE(code)", "Each kind of file is defined once.")

    @api.model
    def _get_default_kinds(self):
        return self.search([("code", "!=", False)])

    def _get_mimetypes(self):
        return {mimetype for kind in self for mimetype in (kind.mimetypes or "").split()}

    def _get_accept_attribute(self):
        """The file input's ``accept`` list: extensions and MIME types."""
        return ",".join([ext for kind in self for ext in kind.extensions.split()] + sorted(self._get_mimetypes()))
