"""Run one scheduled action to completion, as Odoo's scheduler would, and print its cost as JSON.

    python3 scripts/bench_cron.py --db serene_bench_cron --xmlid serene_client_portal.ir_cron_x \\
        --addons-path PATH [--backlog --setup]

``--setup --backlog`` (a process of its own, so that its memory is not counted) gives the
action work to do on the copy, in proportion to the clients: every pending item due for a
reminder, a digest due for every practitioner, activity past a lowered retention, dead links
past a lowered retention, "email me a link" requests from a tenth of the clients, failed
client emails of a twentieth, the Clients list figures never refreshed, every sealed file
never checked, every note owner's to-do not yet notified. Without ``--backlog``
the action runs on the data as generated (its next regular run).

The run loads the registry, then triggers the job (``ir.cron.method_direct_trigger``: its own
cursor, ``_commit_progress`` counting batches) again while it reports work left or triggers
itself, as the scheduler would. Prints the wall time of the job runs, the process's peak RSS
before them (the registry loaded: Odoo's own footprint) and at the end, the work done, and
whether the job failed. Nothing is sent: mail goes to a closed port on the loopback.
"""

import argparse
import json
import resource
import time


def backlog_reminders(env):
    from odoo.addons.serene_client_portal.models.serene_client_portal import TODO_TYPES

    env.cr.execute(
        "UPDATE serene_portal_item SET reminder_count = 0, last_reminded_at = NULL,"
        " assigned_at = LEAST(assigned_at, now() at time zone 'utc' - interval '30 days')"
        " WHERE active AND item_type IN %s AND state != 'completed'",
        [tuple(TODO_TYPES)],
    )


def backlog_digests(env):
    """Every practitioner who owns clients asks for a daily digest, and it is morning where they are."""
    hour = time.gmtime().tm_hour
    offset = next(o for o in range(-11, 15) if 9 <= (hour + o) % 24 <= 20)
    tz = "UTC" if not offset else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    env.cr.execute(
        "UPDATE res_users SET serene_digest_daily = true, serene_digest_daily_on = NULL,"
        " serene_digest_weekly_on = NULL WHERE id IN (SELECT DISTINCT note_owner_id FROM res_partner"
        " WHERE note_owner_id IS NOT NULL)"
    )
    env.cr.execute(
        "UPDATE res_partner SET tz = %s WHERE id IN (SELECT partner_id FROM res_users WHERE id IN"
        " (SELECT DISTINCT note_owner_id FROM res_partner WHERE note_owner_id IS NOT NULL))",
        [tz],
    )


def backlog_retention(env):
    """A practice lowers its retention to a year, with half of the log older than that."""
    env.cr.execute("UPDATE serene_portal_activity SET event_at = event_at - interval '1 year' WHERE id % 2 = 0")
    env.cr.execute("UPDATE res_company SET serene_activity_retention_years = 1")


def backlog_dead_links(env):
    env.cr.execute("UPDATE res_company SET serene_portal_link_retention_days = 1")


def backlog_requested_links(env):
    env.cr.execute(
        "INSERT INTO serene_portal_link_request (email, requested_at)"
        " SELECT p.email, now() at time zone 'utc' FROM serene_client_portal portal"
        " JOIN res_partner p ON p.id = portal.partner_id"
        " WHERE portal.active AND p.email IS NOT NULL AND portal.id % 10 = 0"
    )


def backlog_retry(env):
    """Client emails that failed: half within the day (retried), half older (given up)."""
    portals = env["serene.client.portal"].search([("active", "=", True)], order="id")
    for portal in portals.filtered(lambda p: p.id % 20 == 0 and p.partner_id.email):
        portal._send_access_link()
    env.flush_all()
    env.cr.execute(
        "UPDATE mail_mail SET state = 'exception', failure_reason = 'bench: SMTP refused',"
        " create_date = now() at time zone 'utc' - CASE WHEN id % 2 = 0 THEN interval '2 days'"
        " ELSE interval '2 hours' END, write_date = now() at time zone 'utc' - interval '1 hour'"
        " WHERE serene_portal_id IS NOT NULL"
    )


def backlog_engagement(env):
    env.cr.execute("DELETE FROM ir_config_parameter WHERE key = 'serene_client_portal.engagement_refreshed_at'")
    env.cr.execute("UPDATE serene_client_portal SET last_client_activity_at = NULL")


def backlog_seals(env):
    env.cr.execute("UPDATE ir_attachment SET serene_seal_checked_at = NULL WHERE serene_sha256 IS NOT NULL")


def backlog_note_owner_todos(env):
    # Uploads waiting for their review to-do: the newest request with files of 1 client in 10.
    env.cr.execute(
        """
        UPDATE serene_portal_item SET review_pending_files = 1 WHERE id IN (
            SELECT max(item.id) FROM serene_portal_item item
              JOIN serene_portal_item_attachment_rel rel ON rel.item_id = item.id
             WHERE item.item_type = 'document_request'
          GROUP BY item.portal_id ORDER BY 1 LIMIT (SELECT count(*) / 10 FROM serene_client_portal))
        """
    )
    env.cr.execute("UPDATE mail_activity SET serene_notify_pending = true WHERE res_model = 'serene.client.portal'")


# cron xmlid name: (backlog, what the work is, a count whose change is the work done)
CRONS = {
    "ir_cron_send_reminders": (
        backlog_reminders,
        "every pending item due",
        "SELECT count(*) FROM serene_portal_activity WHERE event_type = 'reminder_sent'",
        "reminders",
    ),
    "ir_cron_send_digests": (
        backlog_digests,
        "a digest due for every note owner",
        "SELECT count(*) FROM res_users WHERE serene_digest_daily_on IS NOT NULL",
        "digests",
    ),
    "ir_cron_activity_retention": (
        backlog_retention,
        "retention lowered to 1 year, half the log older",
        "SELECT count(*) FROM serene_portal_activity",
        "rows removed",
    ),
    "ir_cron_remove_dead_links": (
        backlog_dead_links,
        "link retention lowered to 1 day",
        "SELECT count(*) FROM serene_portal_link",
        "links removed",
    ),
    "ir_cron_send_requested_links": (
        backlog_requested_links,
        "link requests from 1 in 10 clients",
        "SELECT count(*) FROM serene_portal_link_request",
        "requests answered",
    ),
    "ir_cron_retry_notifications": (
        backlog_retry,
        "failed emails to 1 in 20 clients",
        "SELECT count(*) FROM mail_mail WHERE serene_portal_id IS NOT NULL AND state = 'exception'",
        "failed emails handled",
    ),
    "ir_cron_check_seals": (
        backlog_seals,
        "every sealed file never checked",
        "SELECT count(*) FROM ir_attachment WHERE serene_seal_checked_at IS NOT NULL",
        "files checked",
    ),
    "ir_cron_notify_note_owners": (
        backlog_note_owner_todos,
        "every note owner's to-do not notified, uploads of 1 in 10 clients not yet reviewed",
        "SELECT (SELECT count(*) FROM mail_activity WHERE serene_notify_pending)"
        " + (SELECT count(*) FROM serene_portal_item WHERE review_pending_files > 0)",
        "to-dos raised or notified",
    ),
    "ir_cron_refresh_engagement": (
        backlog_engagement,
        "never refreshed: the whole log",
        "SELECT count(*) FROM serene_client_portal WHERE last_client_activity_at IS NOT NULL",
        "portals with a last activity",
    ),
}


def count(registry, query):
    if not query:
        return 0
    with registry.cursor() as cr:
        cr.execute(query)
        return cr.fetchone()[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--xmlid", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--backlog", action="store_true", help="give the action work to do (see above)")
    parser.add_argument("--setup", action="store_true", help="only prepare the backlog, then stop")
    parser.add_argument("--smtp-port", type=int, default=8299, help="a closed port: mail that leaves fails")
    parser.add_argument("--max-runs", type=int, default=500)
    args = parser.parse_args()
    if not args.db.startswith("serene_bench"):
        raise SystemExit("bench_cron.py changes data: run it on a serene_bench* copy only")

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(
        [
            f"--addons-path={args.addons_path}",
            "--log-level=warn",
            "--http-interface=127.0.0.1",
            "--max-cron-threads=0",
            "--smtp=127.0.0.1",
            f"--smtp-port={args.smtp_port}",
        ]
    )
    registry = Registry(args.db)
    backlog, description, work_query, work_label = CRONS.get(args.xmlid.split(".", 1)[1], (None, None, None, "work"))
    if args.setup:
        if args.backlog and backlog:
            with registry.cursor() as cr:
                backlog(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}))
        print(json.dumps({"backlog": bool(args.backlog and backlog), "description": description}))
        return

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        cron = env.ref(args.xmlid)
        cron_id, failures_before = cron.id, cron.failure_count
        cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_progress")
        [last_progress] = cr.fetchone()
        # Only the triggers this run makes count: the job's own "again, at once".
        cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [cron_id])
    work_before = count(registry, work_query)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    runs, remaining, failed = 0, 0, False
    started = time.perf_counter()
    while runs < args.max_runs:
        runs += 1
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            env["ir.cron"].browse(cron_id).method_direct_trigger()
        with registry.cursor() as cr:
            cr.execute(
                "SELECT done, remaining FROM ir_cron_progress WHERE cron_id = %s ORDER BY id DESC LIMIT 1", [cron_id]
            )
            last_done, remaining = cr.fetchone() or (0, 0)
            cr.execute("SELECT failure_count FROM ir_cron WHERE id = %s", [cron_id])
            failed = cr.fetchone()[0] > failures_before
            cr.execute(
                "SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s AND call_at <= now() at time zone 'utc'",
                [cron_id],
            )
            triggered = cr.fetchone()[0]
        # Again while the job reports work left and progress, or triggered itself (as the
        # scheduler would run it); not when it failed or is stuck (work left, none done).
        if failed or not ((remaining and last_done) or triggered):
            break
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with registry.cursor() as cr:
        cr.execute(
            "SELECT COALESCE(SUM(done), 0) FROM ir_cron_progress WHERE cron_id = %s AND id > %s",
            [cron_id, last_progress],
        )
        [done] = cr.fetchone()
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "runs": runs,
                "done": done,
                "remaining": remaining,
                "work": abs(count(registry, work_query) - work_before),
                "work_label": work_label,
                "failed": failed,
                "baseline_rss": baseline,
                "peak_rss": peak,
            }
        )
    )


if __name__ == "__main__":
    main()
