from odoo import _, models
from odoo.exceptions import AccessError


class SereneSystemFieldsMixin(models.AbstractModel):
    """Fields that the system sets at creation or through the client's own progress, and that
    no user changes afterwards, over RPC included."""

    _name = "serene.system.fields.mixin"
    _description = "Client Portal: fields kept by the system"

    # Field names the system keeps; each model lists its own.
    _serene_system_fields = frozenset()

    def write(self, vals):
        if not self.env.su and self._serene_system_fields & set(vals):
            raise AccessError(
                _(
                    "%(fields)s of a %(model)s are kept by the system.",
                    fields=", ".join(
                        sorted(self._fields[name].string for name in self._serene_system_fields & set(vals))
                    ),
                    model=self._description,
                )
            )
        return super().write(vals)
