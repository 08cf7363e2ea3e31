from . import serene_portal_add_item
from . import serene_portal_activity_export
