from . import serene_portal_demo
