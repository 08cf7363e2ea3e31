from . import controllers
from . import demo
from . import models
from . import report
from . import wizard


def uninstall_hook(env):
    """Answers outlive the addon (they are Odoo Survey's): untie them from the portal items
    first, so that removing the addon's records never trips over the two links between them."""
    env.cr.execute("UPDATE survey_user_input SET serene_item_id = NULL WHERE serene_item_id IS NOT NULL")
    env.cr.execute("UPDATE serene_portal_item SET user_input_id = NULL WHERE user_input_id IS NOT NULL")
