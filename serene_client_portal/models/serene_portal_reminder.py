from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from .serene_portal_item import TODO_TYPES

BATCH = 200


class SereneClientPortal(models.Model):
    """Reminders: one message per client per run for what is still to do."""

    _inherit = "serene.client.portal"

    @api.model
    def _cron_send_reminders(self):
        """Remind clients of pending forms and document requests, in batches of clients. Each
        batch queues its messages and marks its items in one transaction: a run that is stopped
        and started again reminds nobody twice. Odoo is told how many clients are due, so a run
        out of time is followed at once by another, not an hour later."""
        Cron = self.env["ir.cron"]
        due = self._get_portals_to_remind()
        Cron._commit_progress(remaining=len(due))
        for start in range(0, len(due), BATCH):
            portals = due[start : start + BATCH]
            portals._send_reminders()
            if Cron._commit_progress(len(portals)) <= 0:
                return

    @api.model
    def _get_portals_to_remind(self):
        """Portals with an item due for a reminder: N days after it was assigned (or last
        reminded), or before the client's next appointment, at most K times an item."""
        items = self.env["serene.portal.item"].sudo()._get_items_to_remind()
        return items.portal_id.sorted("id")

    def _send_reminders(self, items=None):
        """One reminder per portal for its due items (or ``items``), by email and, when the
        practice enables it, SMS; never to a client who opted out of both. The portals' emails
        are queued together, their items marked in one statement."""
        Item = self.env["serene.portal.item"].sudo()
        due = (items or Item._get_items_to_remind(portals=self)).grouped("portal_id")
        portals = self.filtered(lambda portal: portal in due)
        if not portals:
            return
        pending = Item.search(
            [("portal_id", "in", portals.ids), ("item_type", "in", TODO_TYPES), ("state", "!=", "completed")]
        )
        outcomes = portals._send_access_links(items=pending, reminder=True)
        reminded = portals.filtered(lambda portal: outcomes[portal.id]["sent_to"])
        if not reminded:
            return
        reminded_items = Item.concat(*(due[portal] for portal in reminded))
        Item.flush_model(["reminder_count", "last_reminded_at"])
        self.env.cr.execute(
            SQL(
                "UPDATE serene_portal_item SET reminder_count = COALESCE(reminder_count, 0) + 1,"
                " last_reminded_at = %s WHERE id IN %s",
                fields.Datetime.now(),
                tuple(reminded_items.ids),
            )
        )
        reminded_items.invalidate_recordset(["reminder_count", "last_reminded_at"])
        # The log says how many items each client was reminded of: one row per portal.
        pending_by_portal = pending.grouped("portal_id")
        actor = "system" if self.env.su else "staff"
        for count, group in reminded.grouped(lambda portal: len(pending_by_portal.get(portal, Item))).items():
            self.env["serene.portal.activity"]._log(group, "reminder_sent", actor=actor, detail=str(count))


class SerenePortalItem(models.Model):
    _inherit = "serene.portal.item"

    reminder_count = fields.Integer(readonly=True, copy=False)
    last_reminded_at = fields.Datetime(readonly=True, copy=False)
    reminder_display = fields.Char(string="Reminders", compute="_compute_reminder_display")

    @api.depends("reminder_count", "last_reminded_at")
    def _compute_reminder_display(self):
        portal = self.env["serene.client.portal"]
        for item in self:
            item.reminder_display = (
                _(
                    "reminded %(count)s× · last %(ago)s",
                    count=item.reminder_count,
                    ago=portal._time_ago(item.last_reminded_at),
                )
                if item.reminder_count and item.last_reminded_at
                else False
            )

    @api.model
    def _get_items_to_remind(self, portals=None):
        """Pending forms and requests due for a reminder, per their company's settings."""
        now = fields.Datetime.now()
        items = self.browse()
        for company in self.env["res.company"].search([("serene_reminder_max", ">", 0)]):
            after = now - timedelta(days=company.serene_reminder_after_days or 3)
            base = [
                ("company_id", "=", company.id),
                *self._pending_domain(),
                ("reminder_count", "<", company.serene_reminder_max),
                # A discharged client's (archived) portal sends nothing.
                ("portal_id.active", "=", True),
            ]
            if portals is not None:
                base.append(("portal_id", "in", portals.ids))
            items |= self.search(
                [
                    *base,
                    ("assigned_at", "<=", after),
                    "|",
                    ("last_reminded_at", "=", False),
                    ("last_reminded_at", "<=", after),
                ]
            )
            hours = company.serene_reminder_before_hours
            if hours:
                soon = self.env["calendar.event"].search(
                    [("start", ">", now), ("start", "<=", now + timedelta(hours=hours))]
                )
                if soon:
                    items |= self.search(
                        [
                            *base,
                            ("partner_id", "in", soon.partner_ids.ids),
                            "|",
                            ("last_reminded_at", "=", False),
                            ("last_reminded_at", "<=", now - timedelta(hours=hours)),
                        ]
                    )
        return items

    def action_send_reminder(self):
        """Remind the client now of everything still to do in their portal."""
        self.check_access("write")
        for portal in self.portal_id:
            # sudo: the reminder marks the items, system fields
            portal.sudo()._send_reminders(items=self.sudo().filtered(lambda item, p=portal: item.portal_id == p))
        return True
