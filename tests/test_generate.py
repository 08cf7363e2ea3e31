"""The data generator (scripts/generate.py) fills a copy of the base database with two
practices that the addon's own code reads without error."""

import json
import subprocess
import sys

from conftest import ADDONS_PATH, REPO, psql

CLIENTS = 200
COMPANIES = 2

# Runs in Odoo against the generated database: what staff open, read as a practitioner and
# as a practice manager of the second practice, under their record rules.
READ_AS_STAFF = r"""
import json, sys
import odoo
from odoo.modules.registry import Registry
from odoo.tools import config

db, addons_path = sys.argv[1:3]
config.parse_config([f"--addons-path={addons_path}", "--log-level=warn", "--http-interface=127.0.0.1"])
out = {}
with Registry(db).cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    Users = env["res.users"]
    practitioner = Users.search([("login", "=like", "gen1.c1.p%")], order="id", limit=1)
    manager = Users.search([("login", "=like", "gen1.c2.m%")], order="id", limit=1)
    for key, user in (("practitioner", practitioner), ("manager", manager)):
        uenv = env(user=user.id, su=False, context={"allowed_company_ids": user.company_ids.ids})
        Partner = uenv["res.partner"]
        rows = Partner.search_read(
            [("is_client", "=", True)],
            ["name", "email", "phone", "note_owner_id", "serene_portal_state", "serene_portal_new_items_7d",
             "serene_portal_last_activity_at", "serene_usage_limit_message", "company_id"],
        )
        client = Partner.search([("note_owner_id", "=", user.id), ("client_portal_id.active", "=", True)], limit=1)
        form = client.read(
            ["name", "email", "phone", "serene_birthdate", "note_owner_id", "care_team_user_ids", "client_portal_id",
             "portal_item_ids", "serene_record_input_ids", "serene_record_attachment_ids", "serene_portal_access",
             "serene_portal_can_add", "serene_usage_limit_message", "serene_portal_activity_message"]
        )[0]
        answers = uenv["survey.user_input"].browse(form["serene_record_input_ids"])
        out[key] = {
            "user_id": user.id,
            "company_id": user.company_id.id,
            "clients": len(rows),
            "client_companies": sorted({row["company_id"][0] for row in rows}),
            "owners": sorted({row["note_owner_id"][0] for row in rows if row["note_owner_id"]}),
            "access": form["serene_portal_access"],
            "items": len(form["portal_item_ids"]),
            "answer_lines": len(answers.user_input_line_ids.mapped("display_name")),
            "summary": client.get_client_portal_activity_summary(),
            "activity": uenv["serene.portal.activity"].search_count([("partner_id", "=", client.id)]),
            "links": uenv["serene.portal.link"].search_count([("partner_id", "=", client.id)]),
        }
    portal = env["serene.client.portal"].search([("company_id", "=", practitioner.company_id.id)], limit=1)
    page = portal._get_portal_page_values()
    out["page"] = {name: len(page[name]) for name in ("todo_items", "shared_items", "completed_items")}
    cr.rollback()
print("RESULT " + json.dumps(out, default=str))
"""


def one(db, query):
    return int(psql(db, query) or 0)


def test_generate_two_practices(fresh_db):
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "generate.py"),
            f"--db={fresh_db}",
            f"--clients={CLIENTS}",
            f"--companies={COMPANIES}",
            "--seed=7",
            "--batch=60",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "consistency checks passed" in result.stdout

    generated = "(SELECT company_id FROM res_users WHERE login LIKE 'gen1.%')"
    clients = one(fresh_db, f"SELECT count(*) FROM res_partner WHERE is_client AND company_id IN {generated}")
    assert clients == CLIENTS
    per_company = psql(
        fresh_db,
        f"SELECT string_agg(n::text, ',') FROM (SELECT count(*) AS n FROM res_partner "
        f"WHERE is_client AND company_id IN {generated} GROUP BY company_id) t",
    )
    assert per_company == f"{CLIENTS // COMPANIES},{CLIENTS // COMPANIES}"
    assert one(fresh_db, f"SELECT count(*) FROM serene_client_portal WHERE company_id IN {generated}") == clients
    # Every portal in its client's practice; every client with a note owner of that practice.
    assert not one(
        fresh_db,
        "SELECT count(*) FROM serene_client_portal p JOIN res_partner c ON c.id = p.partner_id "
        "WHERE p.company_id <> c.company_id",
    )
    assert not one(
        fresh_db,
        f"SELECT count(*) FROM res_partner c JOIN res_users u ON u.id = c.note_owner_id "
        f"WHERE c.company_id IN {generated} AND u.company_id <> c.company_id",
    )

    items = one(fresh_db, f"SELECT count(*) FROM serene_portal_item WHERE company_id IN {generated}")
    assert 8 * clients <= items <= 12 * clients
    kinds = psql(
        fresh_db,
        f"SELECT string_agg(DISTINCT item_type || '/' || state, ' ') FROM serene_portal_item "
        f"WHERE company_id IN {generated}",
    ).split()
    for kind in (
        "intake_form/assigned",
        "intake_form/in_progress",
        "intake_form/completed",
        "assessment/completed",
        "document_request/assigned",
        "document_request/completed",
        "resource/assigned",
        "link/assigned",
        "instructions/assigned",
    ):
        assert kind in kinds, kind
    assert one(fresh_db, f"SELECT count(*) FROM serene_portal_item WHERE NOT active AND company_id IN {generated}")

    activity = one(fresh_db, f"SELECT count(*) FROM serene_portal_activity WHERE company_id IN {generated}")
    assert 35 * clients <= activity <= 65 * clients
    types = set(
        psql(
            fresh_db, f"SELECT DISTINCT event_type FROM serene_portal_activity WHERE company_id IN {generated}"
        ).split()
    )
    assert types >= {
        "portal_created",
        "item_added",
        "item_removed",
        "form_started",
        "form_completed",
        "document_uploaded",
        "upload_rejected",
        "resource_downloaded",
        "portal_viewed",
        "staff_preview",
        "link_sent",
        "link_revoked",
        "link_requested",
        "verification_passed",
        "reminder_sent",
        "audit_exported",
    }, types
    assert (
        one(
            fresh_db,
            f"SELECT count(*) FROM serene_portal_activity WHERE company_id IN {generated} "
            "AND event_at < now() at time zone 'utc' - interval '366 days'",
        )
        == 0
    )

    # Completed forms have the client's completed answers, with lines; completed requests their files.
    completed_forms = one(
        fresh_db,
        f"SELECT count(*) FROM serene_portal_item WHERE item_type IN ('intake_form', 'assessment') "
        f"AND state = 'completed' AND company_id IN {generated}",
    )
    done = one(
        fresh_db,
        f"SELECT count(*) FROM survey_user_input u JOIN serene_portal_item i ON i.user_input_id = u.id "
        f"WHERE u.state = 'done' AND i.state = 'completed' AND u.partner_id = i.partner_id "
        f"AND i.company_id IN {generated}",
    )
    assert completed_forms and done == completed_forms
    assert not one(
        fresh_db,
        f"SELECT count(*) FROM survey_user_input u JOIN serene_portal_item i ON i.user_input_id = u.id "
        f"WHERE u.state = 'done' AND i.company_id IN {generated} "
        "AND NOT EXISTS (SELECT 1 FROM survey_user_input_line l WHERE l.user_input_id = u.id)",
    )
    assert one(
        fresh_db,
        f"SELECT count(*) FROM survey_user_input u JOIN serene_portal_item i ON i.user_input_id = u.id "
        f"WHERE u.state = 'done' AND i.item_type = 'assessment' AND u.scoring_total > 0 "
        f"AND i.company_id IN {generated}",
    ), "assessment scores follow the answer lines"
    assert not one(
        fresh_db,
        f"SELECT count(*) FROM serene_portal_item i WHERE i.item_type = 'document_request' "
        f"AND i.state = 'completed' AND i.company_id IN {generated} AND NOT EXISTS (SELECT 1 FROM "
        "serene_portal_item_attachment_rel r JOIN ir_attachment a ON a.id = r.attachment_id "
        "WHERE r.item_id = i.id AND a.res_model = 'serene.portal.item' AND a.res_id = i.id AND a.file_size > 0)",
    )
    assert one(
        fresh_db,
        f"SELECT count(*) FROM calendar_event WHERE start > now() at time zone 'utc' "
        f"AND user_id IN (SELECT id FROM res_users WHERE company_id IN {generated})",
    )

    # Nothing was queued to send while generating.
    since = "(SELECT min(create_date) FROM res_users WHERE login LIKE 'gen1.%')"
    assert not one(fresh_db, f"SELECT count(*) FROM mail_mail WHERE create_date >= {since}")
    assert not one(fresh_db, f"SELECT count(*) FROM sms_sms WHERE create_date >= {since}")

    read = subprocess.run(
        [sys.executable, "-c", READ_AS_STAFF, fresh_db, ADDONS_PATH],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert read.returncode == 0, read.stderr[-4000:]
    out = json.loads(read.stdout.split("RESULT ", 1)[1])
    practitioner, manager = out["practitioner"], out["manager"]
    # Own clients only (the default setting): the practitioner's own and those they care for.
    own = one(
        fresh_db,
        f"SELECT count(*) FROM res_partner c WHERE c.is_client AND (c.note_owner_id = {practitioner['user_id']} "
        f"OR EXISTS (SELECT 1 FROM serene_partner_care_team_rel r WHERE r.partner_id = c.id "
        f"AND r.user_id = {practitioner['user_id']}))",
    )
    assert practitioner["clients"] == own > 0
    assert practitioner["client_companies"] == [practitioner["company_id"]]
    assert practitioner["access"] == "owner"
    assert practitioner["items"] and practitioner["activity"] and practitioner["links"]
    assert practitioner["summary"]["state"] in ("active", "inactive")
    assert manager["clients"] == CLIENTS // COMPANIES
    assert manager["client_companies"] == [manager["company_id"]] != practitioner["client_companies"]
    assert manager["access"] == "manager"
    assert sum(out["page"].values())
