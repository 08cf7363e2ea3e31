from odoo import _, api, models
from odoo.exceptions import AccessError


class SereneSystemFieldsMixin(models.AbstractModel):
    """Fields that only the addon's own code sets (sudo, with the reason), on create as on
    write, over RPC included.

    On create, only the keys a caller passes are refused; the system's values then come from
    the field's own default, never from a default the caller chose (``default_*`` in the
    context, a personal default in ``ir.default``). A copy made by a user takes them anew."""

    _name = "serene.system.fields.mixin"
    _description = "Client Portal: fields kept by the system"

    # Field names only the system sets, at creation as afterwards; each model lists its own.
    _serene_system_fields = frozenset()
    # Field names the caller gives at creation (the client, the type), never changed afterwards.
    _serene_set_once_fields = frozenset()

    def _serene_check_system_fields(self, names, closed):
        """Refuse a caller who is not the system the ``closed`` fields among ``names``."""
        forged = closed & set(names)
        if forged and not self.env.su:
            raise AccessError(
                _(
                    "%(fields)s of a %(model)s are kept by the system.",
                    fields=", ".join(sorted(self._fields[name].string for name in forged)),
                    model=self._description,
                )
            )

    @api.model
    def default_get(self, fields):
        """A user's defaults for the system's fields are the fields' own: the context's
        ``default_*`` keys and personal defaults (``ir.default``) do not reach them."""
        defaults = super().default_get(fields)
        if self.env.su:
            return defaults
        for name in self._serene_system_fields & set(fields):
            defaults.pop(name, None)
            field = self._fields[name]
            if field.default:
                value = field.convert_to_cache(field.default(self), self, validate=False)
                defaults[name] = field.convert_to_write(value, self)
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._serene_check_system_fields(vals, self._serene_system_fields)
        return super().create(vals_list)

    def write(self, vals):
        self._serene_check_system_fields(vals, self._serene_system_fields | self._serene_set_once_fields)
        return super().write(vals)

    def copy_data(self, default=None):
        """A user's copy starts with the system's values of a new record, not the original's."""
        vals_list = super().copy_data(default=default)
        if not self.env.su:
            dropped = self._serene_system_fields - set(default or ())
            vals_list = [{key: value for key, value in vals.items() if key not in dropped} for vals in vals_list]
        return vals_list

    @api.model
    def _serene_create_with_system_values(self, vals_list):
        """Create what the caller asks for as the caller (access rights and record rules apply),
        then set the system's own values given by the addon's code (a packet, ...) as the system."""
        asked, kept = [], []
        for vals in vals_list:
            asked.append({key: value for key, value in vals.items() if key not in self._serene_system_fields})
            kept.append({key: value for key, value in vals.items() if key in self._serene_system_fields})
        records = self.create(asked)
        groups = {}
        for record, values in zip(records, kept, strict=True):
            if values:
                group = groups.setdefault(repr(sorted(values.items())), [values, self.browse()])
                group[1] |= record
        for values, group in groups.values():
            # sudo: the records just created - values chosen by the addon's own code, not the caller
            group.sudo().write(values)
        return records
