from odoo import _, api, models

from odoo.addons.base.models.ir_cron import CompletionStatus


class IrCron(models.Model):
    _inherit = "ir.cron"

    def _update_failure_count(self, job, status):
        """A portal scheduled action that fails tells the administrators at once: a reminder or
        a retry that silently stops is a client who never hears from the practice. Odoo itself
        only speaks up when it deactivates a job after 5 failures over 7 days."""
        if status == CompletionStatus.FAILED and not job["failure_count"] and self._serene_is_portal_job(job["id"]):
            self._notify_admin(
                _(
                    "The scheduled action %(name)s failed. It will be tried again at its next run; "
                    "the server log around %(time)s says why.",
                    name=job["cron_name"],
                    time=self.env.cr.now().replace(microsecond=0),
                )
            )
            self.browse(job["id"])._serene_schedule_admin_todo()
        return super()._update_failure_count(job, status)

    @api.model
    def _serene_in_batches(self, records, size, process):
        """Run ``process(batch)`` over ``records`` in batches of ``size``, each committed with
        Odoo's progress (``_commit_progress``): a run stopped and started again redoes nothing
        that was done, and one out of time is followed at once by another. Returns whether every
        batch ran."""
        self._commit_progress(remaining=len(records))
        for start in range(0, len(records), size):
            batch = records[start : start + size]
            process(batch)
            if self._commit_progress(len(batch)) <= 0:
                return False
        return True

    def _serene_is_portal_job(self, cron_id):
        return bool(
            # sudo: ir.model.data - which module a scheduled action belongs to, for whoever runs it
            self.env["ir.model.data"]
            .sudo()
            .search_count(
                [("module", "=", "serene_client_portal"), ("model", "=", "ir.cron"), ("res_id", "=", cron_id)],
                limit=1,
            )
        )

    def _serene_schedule_admin_todo(self):
        """A to-do on the scheduled action for each administrator, once until it is done."""
        # sudo: ir.cron - the cron runs as its own user; the administrators are told whoever that is
        cron_sudo = self.sudo()
        # sudo: res.groups - the administrators to tell, whoever runs the job
        admins = self.env.ref("base.group_system").sudo().all_user_ids.filtered(lambda u: u.active and not u.share)
        waiting = cron_sudo.activity_ids.user_id
        for admin in admins - waiting:
            cron_sudo.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Scheduled action %(name)s failed", name=cron_sudo.cron_name),
                user_id=admin.id,
            )
