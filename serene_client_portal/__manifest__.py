{
    "name": "Serene Client Portal",
    "summary": "Secure client portal for therapy and counselling practices: "
    "intake forms, document requests, shared materials and appointments.",
    "version": "19.0.1.0.0",
    "category": "Services",
    "website": "https://serene.vybz.health",
    "author": "Serene",
    "license": "LGPL-3",
    "depends": ["portal", "website", "mail", "sms", "survey", "calendar"],
    "external_dependencies": {"python": ["qrcode"]},
    "data": [
        "security/serene_security.xml",
        "security/ir.model.access.csv",
        "security/ir_rules.xml",
        "data/ir_cron_data.xml",
        "data/serene_upload_kind_data.xml",
        "data/mail_template_data.xml",
        "views/serene_portal_item_views.xml",
        "views/serene_portal_activity_views.xml",
        "views/serene_client_portal_views.xml",
        "views/res_partner_views.xml",
        "views/survey_survey_views.xml",
        "views/calendar_event_type_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/serene_portal_add_item_views.xml",
        "wizard/serene_portal_activity_export_views.xml",
        "views/serene_menus.xml",
        "views/portal_templates.xml",
    ],
    "demo": [
        "demo/serene_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "serene_client_portal/static/src/js/**/*",
            "serene_client_portal/static/src/xml/**/*",
            "serene_client_portal/static/src/scss/backend.scss",
        ],
        "web.assets_frontend": [
            "serene_client_portal/static/src/scss/portal.scss",
        ],
        "web.assets_tests": [
            "serene_client_portal/static/tests/tours/**/*",
        ],
    },
    "application": True,
    "installable": True,
}
