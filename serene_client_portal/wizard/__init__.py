from . import serene_portal_add_item
