import pytz

from odoo import fields, models
from odoo.exceptions import AccessError, UserError


def limit_message(env, kind, **values):
    """The words for each usage limit, in ``env``'s language: staff see the first three
    (``plan``, ``items``, ``storage``), clients the last (``storage_client``)."""
    if kind == "plan":
        return env._(
            "Usage limit exceeded: your practice's plan allows %(limit)s active client portals.",
            **values,
        )
    if kind == "items":
        return env._(
            "Usage limit exceeded: %(name)s already has %(count)s active portal items "
            "(limit %(limit)s). Remove items or raise the limit to add more.",
            **values,
        )
    if kind == "storage":
        return env._("Usage limit exceeded: %(name)s's uploads use %(used)s MB of the %(limit)s MB allowed.", **values)
    return env._("There is no room left for these files in your portal. Please contact your practice.")


class ResCompany(models.Model):
    _inherit = "res.company"

    serene_portal_limit = fields.Integer(
        string="Active Portals Allowed",
        default=0,
        help="The practice's plan: how many client portals may be active at once. 0 means unlimited.",
    )
    serene_portal_item_limit = fields.Integer(
        string="Default Active Items per Client",
        default=50,
        help="Default for clients without a limit of their own. 0 means unlimited.",
    )
    serene_portal_storage_limit_mb = fields.Integer(
        string="Default Upload Storage per Client (MB)",
        default=100,
        help="Default for clients without a limit of their own. 0 means unlimited.",
    )
    serene_portal_upload_max_mb = fields.Integer(
        string="Largest Upload (MB)",
        default=10,
    )
    serene_portal_link_expiry_days = fields.Integer(
        string="Portal Links Expire After (days)",
        default=30,
        help="New access links stop working after this many days. 0 means they never expire.",
    )
    serene_reminder_after_days = fields.Integer(
        string="Remind After (days)",
        default=3,
        help="Remind clients of pending forms and document requests this many days after they were assigned, "
        "and again after as many days.",
    )
    serene_reminder_before_hours = fields.Integer(
        string="Remind Before Appointments (hours)",
        default=24,
        help="Remind clients of what is pending this many hours before their next appointment. 0: no such reminder.",
    )
    serene_reminder_max = fields.Integer(
        string="Reminders per Item", default=3, help="At most this many reminders for one item. 0: no reminders."
    )
    serene_portal_max_live_links = fields.Integer(
        string="Live Links per Client",
        default=3,
        help="A new link revokes the oldest when a client already has this many live ones. 0 means no cap.",
    )
    serene_portal_link_sliding = fields.Boolean(
        string="Links Expire from Their Last Use",
        default=True,
        help="A link in use stays valid for the expiry period from its last use, not only from its creation.",
    )
    serene_portal_link_retention_days = fields.Integer(
        string="Remove Dead Links After (days)",
        default=90,
        help="Revoked and expired links are removed after this many days; their audit rows stay.",
    )
    serene_portal_show_appointments = fields.Boolean(
        string="Show Appointments in New Portals",
        default=True,
    )
    serene_booking_cancel_hours = fields.Integer(
        string="Cancellation Window (hours)",
        default=24,
        help="Clients cancel or move a session from their portal up to this many hours before it; "
        "closer to it, the portal asks them to call the practice. A session cancelled closer than "
        "this counts as a late cancellation.",
    )
    serene_booking_first_session = fields.Boolean(
        string="New Clients May Book Their First Session",
        help="A client who has never had a session may book one from the portal, with any practitioner "
        "of the service when they have no note owner or care team offering it. Off: they call the practice.",
    )
    serene_portal_auto_create = fields.Boolean(
        string="Create a Portal for Every New Client",
        help='The guide\'s "create portals proactively": each new client gets a portal at once, within the plan.',
    )
    serene_portal_notify_email = fields.Boolean(string="Notify Clients by Email", default=True)
    serene_portal_notify_sms = fields.Boolean(string="Notify Clients by SMS", default=False)
    serene_own_clients_only = fields.Boolean(
        string="Practitioners See Only Their Own Clients",
        default=True,
        help="Client contacts are visible to their note owner, their care team and practice managers only. "
        "Contacts that are not clients stay visible to everyone.",
    )
    serene_portal_session_idle_minutes = fields.Integer(
        string="Verified Visit Idle Time (minutes)",
        default=30,
        help="A visitor who passed the identity check is asked again after this long without using the portal.",
    )
    serene_portal_session_max_hours = fields.Integer(
        string="Verified Visit Lifetime (hours)",
        default=12,
        help="A visitor who passed the identity check is asked again after this long, used or not.",
    )
    serene_activity_retention_years = fields.Integer(
        string="Keep Portal Activity (years)",
        default=6,
        help="Portal activity older than this is removed by a scheduled action, which logs what it removed. "
        "0 keeps it for good.",
    )
    serene_portal_verify_birthdate = fields.Boolean(
        string="Ask Clients for Their Date of Birth",
        help="Before showing a portal, ask the visitor for the client's date of birth.",
    )
    serene_portal_verify_code = fields.Selection(
        [("none", "No code"), ("email", "By email"), ("sms", "By SMS")],
        string="One-Time Code",
        default="none",
        help="Before showing a portal, ask for a 6-digit code sent to the email or mobile on file (valid 10 minutes).",
    )

    serene_message_banner = fields.Text(
        string="Secure Messages Banner",
        translate=True,
        help="Always shown above the client's messages. {crisis_line} is replaced by the crisis line below. "
        'Empty: "Messages are not read around the clock. In an emergency, call {crisis_line} or your local '
        "emergency number.\", in the client's language.",
    )
    serene_message_crisis_line = fields.Char(
        string="Crisis Line",
        help="The number clients are told to call in an emergency (the practice's phone when empty).",
    )
    serene_message_team_can_reply = fields.Boolean(
        string="Care Team Answers Messages",
        help="Besides the note owner, the care team may answer a client's secure messages (they always read them).",
    )
    serene_message_rate_per_hour = fields.Integer(
        string="Messages per Client per Hour",
        default=10,
        help="A client may send this many secure messages an hour. 0 means no limit.",
    )
    serene_message_followup_hours = fields.Integer(
        string="Unread Message To-Do After (hours)",
        default=48,
        help="The note owner gets a to-do when a client's message waits unread this long. 0: no to-do.",
    )

    serene_message_office_hours = fields.Boolean(
        string="Office Hours for Messages",
        help="A client who writes outside these hours (Monday to Friday, in the practice's time zone) "
        "is answered at once with the text below.",
    )
    serene_message_hours_from = fields.Float(string="Office Hours From", default=9.0)
    serene_message_hours_to = fields.Float(string="Office Hours To", default=17.0)
    serene_message_out_of_hours_text = fields.Text(
        string="Answer Outside Office Hours",
        translate=True,
        help='{crisis_line} is replaced by the crisis line. Empty: "Your message arrived outside our office '
        "hours: we will read it on our next working day. In an emergency, call {crisis_line} or your local "
        "emergency number.\", in the client's language.",
    )

    def write(self, vals):
        if not self.env.su and not self.env.user.has_group("base.group_erp_manager"):
            # Practice managers may change the portal's settings of their companies, nothing else.
            refused = [name for name in vals if not name.startswith("serene_")]
            if refused:
                raise AccessError(
                    self.env._(
                        "Only an administrator may change a company's %(fields)s; "
                        "practice managers change the portal's settings only.",
                        fields=", ".join(
                            self._fields[name].string if name in self._fields else name for name in refused
                        ),
                    )
                )
        result = super().write(vals)
        if "serene_own_clients_only" in vals:
            # The record rules on contacts read this setting: drop their cached domains.
            self.env.registry.clear_cache()
        return result

    def action_serene_portal_settings(self):
        """The portal's settings of this company, for whoever may change them: its practice
        managers (who are not administrators) and administrators."""
        self.ensure_one()
        self.check_access("write")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "serene_client_portal.res_company_action_serene_settings"
        )
        action["res_id"] = self.id
        return action

    def _serene_message_banner(self):
        """The banner above the client's messages, with the practice's crisis line in it."""
        self.ensure_one()
        # The practice's own text, else the default in the reader's language: a default stored in
        # the company would be English for every client.
        banner = self.serene_message_banner or self.env._(
            "Messages are not read around the clock. In an emergency, call {crisis_line} or your local "
            "emergency number."
        )
        return banner.replace("{crisis_line}", self._serene_crisis_line())

    def _serene_crisis_line(self):
        return self.serene_message_crisis_line or self.phone or self.env._("your practice's crisis line")

    def _serene_out_of_hours_answer(self, moment=None):
        """The automatic answer to a client's message sent at ``moment`` (now) outside the
        practice's office hours (Monday to Friday, in the practice's time zone), else False."""
        self.ensure_one()
        if not self.serene_message_office_hours:
            return False
        local = pytz.utc.localize(moment or fields.Datetime.now()).astimezone(
            pytz.timezone(self.partner_id.tz or "UTC")
        )
        hour = local.hour + local.minute / 60
        if local.weekday() < 5 and self.serene_message_hours_from <= hour < self.serene_message_hours_to:
            return False
        answer = self.serene_message_out_of_hours_text or self.env._(
            "Your message arrived outside our office hours: we will read it on our next working day. "
            "In an emergency, call {crisis_line} or your local emergency number."
        )
        return answer.replace("{crisis_line}", self._serene_crisis_line())

    # ------------------------------------------------------------------
    # The practice's plan: how many client portals may be active at once
    # ------------------------------------------------------------------

    def _serene_portal_plan_full(self):
        """The companies among these whose plan allows no more active client portals, in one query."""
        limited = self.filtered("serene_portal_limit")
        if not limited:
            return self.browse()
        # sudo: serene.client.portal - the plan counts every portal of the practice
        counts = dict(
            self.env["serene.client.portal"]
            .sudo()
            ._read_group([("company_id", "in", limited.ids)], ["company_id"], ["__count"])
        )
        return limited.filtered(lambda company: counts.get(company, 0) >= company.serene_portal_limit)

    def _serene_check_portal_plan(self, adding):
        """Raise unless the practice's plan allows ``adding`` more active client portals.

        The company's row is locked first: two requests cannot both take the last portal the plan allows.
        """
        self.ensure_one()
        if not self.serene_portal_limit:
            return
        Portal = self.env["serene.client.portal"]
        Portal._lock_rows("res_company", self.ids)
        # sudo: serene.client.portal - the plan counts every portal of the practice
        if Portal.sudo().search_count([("company_id", "=", self.id)]) + adding > self.serene_portal_limit:
            raise UserError(limit_message(self.env, "plan", limit=self.serene_portal_limit))

    # ------------------------------------------------------------------
    # The practice's website: the languages its clients read
    # ------------------------------------------------------------------

    def _serene_website(self):
        """The practice's website: the one this request came to when it is the practice's, else
        its first (crons and staff requests have no current website)."""
        self.ensure_one()
        # sudo: website - the practice's languages, read for an anonymous client or a cron
        Website = self.env["website"].sudo()
        current = Website.get_current_website(fallback=False)
        if current and current.company_id == self:
            return current
        return Website.search([("company_id", "=", self.id)], limit=1)
