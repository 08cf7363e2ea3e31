from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from .serene_client_portal import PRACTICE_USER

DIGEST_FIELDS = ["serene_digest_daily", "serene_digest_weekly"]
# The morning digest goes out from this local hour on.
DIGEST_HOUR = 7
DIGEST_BATCH = 50


class ResUsers(models.Model):
    _inherit = "res.users"

    serene_digest_daily = fields.Boolean(
        string="Daily Client Portal Digest",
        help="Each morning: your clients with an appointment today or tomorrow and their pending portal items.",
    )
    serene_digest_weekly = fields.Boolean(
        string="Weekly Client Portal Digest",
        help="Each Monday morning: what your clients did on their portal last week (names and counts, no answers).",
    )
    # The local day each digest last went out: a re-run the same day sends nothing twice.
    serene_digest_daily_on = fields.Date(readonly=True, groups="base.group_system")
    serene_digest_weekly_on = fields.Date(readonly=True, groups="base.group_system")

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + DIGEST_FIELDS

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + DIGEST_FIELDS

    @api.model
    def _cron_send_portal_digests(self):
        """Digests for the note owners who asked for one, in batches: each user's local morning,
        once a day (daily) and on Mondays (weekly)."""
        now = fields.Datetime.now()
        group_id = self.env["ir.model.data"]._xmlid_to_res_id(PRACTICE_USER)
        users = self.search(
            [
                ("all_group_ids", "in", group_id),
                "|",
                ("serene_digest_daily", "=", True),
                ("serene_digest_weekly", "=", True),
            ],
            order="id",
        )
        due = users.filtered(lambda user: user._serene_digests_due(now))
        self.env["ir.cron"]._serene_in_batches(due, DIGEST_BATCH, lambda batch: batch._serene_send_digests(now))

    def _serene_local_now(self, now):
        return pytz.utc.localize(now).astimezone(pytz.timezone(self.tz or "UTC"))

    def _serene_digests_due(self, now):
        """Which digests this user is owed at ``now``: ('daily', 'weekly') or fewer."""
        self.ensure_one()
        local = self._serene_local_now(now)
        if local.hour < DIGEST_HOUR:
            return ()
        # sudo: res.users - the sent-on days are the cron's bookkeeping
        user_sudo = self.sudo()
        due = []
        if self.serene_digest_daily and user_sudo.serene_digest_daily_on != local.date():
            due.append("daily")
        if self.serene_digest_weekly and local.weekday() == 0 and user_sudo.serene_digest_weekly_on != local.date():
            due.append("weekly")
        return tuple(due)

    def _serene_send_digests(self, now):
        """Queue each of these users the digests they are owed at ``now``."""
        for user in self:
            local = user._serene_local_now(now)
            sent = {}
            for kind in user._serene_digests_due(now):
                rows = user._serene_digest_rows(kind, now)
                # An empty digest is not sent, but the day counts as done.
                if rows and user.email:
                    user._serene_queue_digest(kind, rows)
                sent[f"serene_digest_{kind}_on"] = local.date()
            if sent:
                # sudo: res.users - the cron's bookkeeping field
                user.sudo().write(sent)

    def _serene_digest_rows(self, kind, now):
        """Per client of this note owner: counts and a link to the contact; never the client's name,
        nor what a form or file says (an email is no place for who is in therapy)."""
        # sudo: serene.client.portal - the digest counts every portal of the note owner's clients, for the cron
        Portal = self.env["serene.client.portal"].sudo()
        portals = Portal.search([("partner_id.note_owner_id", "=", self.id), ("active", "=", True)])
        if not portals:
            return []
        unread = self.env["serene.portal.message"]._unread_counts(portals)
        if kind == "daily":
            local = self._serene_local_now(now)
            tz = pytz.timezone(self.tz or "UTC")
            start = tz.localize(datetime.combine(local.date(), time.min)).astimezone(pytz.utc).replace(tzinfo=None)
            end = start + timedelta(days=2)
            # sudo: calendar.event - the owner's clients' appointments, whoever organised them
            events = (
                self.env["calendar.event"]
                .sudo()
                .search(
                    [("partner_ids", "in", portals.partner_id.ids), ("start", ">=", start), ("start", "<", end)],
                    order="start",
                )
            )
            rows = []
            for portal in portals:
                next_event = events.filtered(lambda e, p=portal: p.partner_id in e.partner_ids)[:1]
                if not next_event:
                    continue
                rows.append(
                    {
                        "url": portal._serene_contact_url(),
                        "when": next_event.start,
                        "pending": portal.pending_item_count,
                        "unread": unread.get(portal.id, 0),
                    }
                )
            return sorted(rows, key=lambda row: row["when"])
        # What the client did in the activity window (the Client Portal panel's 7 days).
        groups = Portal._read_recent_activity(
            [
                ("portal_id", "in", portals.ids),
                ("actor", "=", "client"),
                ("event_type", "in", ("portal_viewed", "form_completed", "document_uploaded", "message_sent")),
            ]
        )
        counts = {}
        for portal, event_type, _actor, count, _last in groups:
            counts.setdefault(portal, {})[event_type] = count
        return [
            {
                "url": portal._serene_contact_url(),
                "visits": done.get("portal_viewed", 0),
                "forms": done.get("form_completed", 0),
                "documents": done.get("document_uploaded", 0),
                "messages": done.get("message_sent", 0),
                "unread": unread.get(portal.id, 0),
                "pending": portal.pending_item_count,
            }
            for portal, done in sorted(counts.items(), key=lambda pair: pair[0].partner_id.name or "")
        ]

    def _serene_queue_digest(self, kind, rows):
        """Queue the digest to this user, in their language; Odoo's mail queue sends it."""
        self.env["serene.portal.notification"]._send(
            f"serene_client_portal.mail_template_digest_{kind}",
            self,
            self.partner_id,
            "digest",
            values={"digest_rows": rows},
        )

    def _serene_booking_resource(self, company):
        """This practitioner's resource in ``company``: the working hours and time off clients
        book against (Odoo's ``resource.resource``, which the HR app also uses). Made on first
        use, on the practice's standard working hours, in the practitioner's time zone."""
        self.ensure_one()
        # sudo: resource.resource - clients and colleagues read a practitioner's schedule as free times only
        resources = self.sudo().with_context(active_test=False).resource_ids
        resource = resources.filtered(lambda r: r.company_id == company) or resources.filtered(
            lambda r: not r.company_id
        )
        if resource:
            return resource[:1]
        # sudo: resource.resource - made once for the practitioner, whoever first looks at their free times
        return (
            self.env["resource.resource"]
            .sudo()
            .create(
                {
                    "name": self.name,
                    "user_id": self.id,
                    "company_id": company.id,
                    "calendar_id": company.resource_calendar_id.id,
                    "tz": self.tz or company.resource_calendar_id.tz or "UTC",
                }
            )
        )
