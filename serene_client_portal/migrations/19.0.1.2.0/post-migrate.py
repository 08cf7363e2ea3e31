"""19.0.1.2.0: one sender for every message of the addon (serene.portal.notification._send). The
retry job moved from the portal to the delivery rows; the job is a noupdate record, so the
upgrade points it at its new model."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("serene_client_portal.ir_cron_retry_notifications", raise_if_not_found=False)
    if cron:
        cron.write(
            {
                "model_id": env["ir.model"]._get_id("serene.portal.notification"),
                "code": "model._cron_retry_failed_notifications()",
            }
        )
