"""Set a benchmark database up for scripts/bench.py and print what it needs as JSON.

    python3 scripts/bench_prepare.py --db serene_bench_run --addons-path PATH [--uploads 8]

Run on a copy (the bench's own ``serene_bench*`` databases): it adds clients and items. In the
practice with the most clients it creates portals with 5, 40 and 200 items (mixed types, as a
practitioner adds them), a client with document requests for the upload test, and mints a key
for each; it gives the practice manager and Odoo's demo portal user known passwords, and reads
the views, actions and scheduled actions the bench uses.
"""

import argparse
import json
import sys

PRACTICE_MANAGER = "serene_client_portal.group_practice_manager"
STAFF_PASSWORD = "serene-bench"  # noqa: S105 - set on the bench's throwaway copies only
PORTAL_PASSWORD = "portal"  # noqa: S105 - Odoo's demo portal user's own demo password
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
TYPES = ("intake_form", "document_request", "resource", "assessment", "link", "instructions")
CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}


def item_values(env, index, surveys):
    """The ``index``-th item of a bench portal: the six types in turn, as a practitioner adds them."""
    kind = TYPES[index % len(TYPES)]
    values = {"item_type": kind, "sequence": index}
    if kind in ("intake_form", "assessment"):
        values["survey_id"] = surveys[kind][index % len(surveys[kind])].id
    elif kind == "document_request":
        values["name"] = f"Document {index + 1}"
        values["description"] = "<p>A photo or scan is fine.</p>"
    elif kind == "resource":
        values["name"] = f"Worksheet {index + 1}"
        values["attachment_ids"] = [
            (0, 0, {"name": f"worksheet-{index + 1}.pdf", "raw": PDF, "mimetype": "application/pdf"})
        ]
    elif kind == "link":
        values["name"] = f"Reading {index + 1}"
        values["url"] = f"https://en.wikipedia.org/wiki/Mindfulness?bench={index}"
    else:
        values["name"] = f"Before session {index + 1}"
        values["description"] = "<p>Please arrive ten minutes early and bring your questions.</p>"
    return values


def bench_client(env, company, owner, name, items, surveys, document_requests=0):
    """A client of ``company`` with a portal of ``items`` mixed items (every other document
    request completed) plus ``document_requests`` open PDF requests; returns (partner, key)."""
    Partner = env["res.partner"]
    partner = Partner.search([("name", "=", name), ("company_id", "=", company.id)], limit=1)
    if partner:
        # A bench database is a fresh copy each run; a rerun on the same copy starts the portal over.
        partner.client_portal_id.item_ids.with_context(active_test=False).write({"active": False})
    else:
        partner = Partner.create(
            {
                "name": name,
                "email": f"{name.lower().replace(' ', '.')}@bench.example.com",
                "phone": "+32 470 00 00 00",
                "company_id": company.id,
                "note_owner_id": owner.id,
                "portal_item_limit": 1000,
                "portal_storage_limit_mb": 100_000,
            }
        )
    Item = env["serene.portal.item"]
    created = Item.create([dict(item_values(env, i, surveys), partner_id=partner.id) for i in range(items)])
    requests = created.filtered(lambda item: item.item_type == "document_request")
    requests[::2]._mark_completed()
    pdf_kind = env["serene.upload.kind"].search([("extensions", "ilike", ".pdf")], limit=1)
    uploads = Item.create(
        [
            {
                "partner_id": partner.id,
                "item_type": "document_request",
                "name": f"Scan {i + 1}",
                "accepted_kind_ids": [(6, 0, pdf_kind.ids)],
                "sequence": 1000 + i,
            }
            for i in range(document_requests)
        ]
    )
    key = partner.client_portal_id._new_access_url().rsplit("/", 1)[1]
    return partner, key, uploads.ids


def practice_company(env):
    """The practice with the most clients and no identity check (the main company on the demo)."""
    Partner = env["res.partner"].with_context(active_test=False)
    counts = Partner._read_group([("is_client", "=", True), ("company_id", "!=", False)], ["company_id"], ["__count"])
    for company, _count in sorted(counts, key=lambda group: -group[1]):
        if not company.serene_portal_verify_birthdate and company.serene_portal_verify_code in (False, "none"):
            return company
    return env.ref("base.main_company")


def practice_manager(env, company):
    group = env.ref(PRACTICE_MANAGER)
    users = group.all_user_ids.filtered(
        lambda u: u.active and not u.share and u.company_id == company and not u.has_group("base.group_system")
    )
    if not users:
        users = group.all_user_ids.filtered(lambda u: u.active and not u.share and company in u.company_ids)
    user = users.sorted("id")[:1]
    if not user:
        sys.exit(f"no practice manager in {company.name}")
    user.password = STAFF_PASSWORD
    return user


def portal_user(env, company):
    user = env.ref("base.demo_user0", raise_if_not_found=False)
    if not user:
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Bench Portal User",
                    "login": "serene-bench-portal",
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "group_ids": [(6, 0, env.ref("base.group_portal").ids)],
                }
            )
        )
    user.write({"active": True, "password": PORTAL_PASSWORD})
    return user


def plain_contact(env, company):
    """A contact of the address book who is not a client, as Odoo's Contacts app shows it."""
    Partner = env["res.partner"]
    domain = [
        ("is_client", "=", False),
        ("is_company", "=", False),
        ("user_ids", "=", False),
        ("email", "!=", False),
        ("company_id", "in", [False, company.id]),
    ]
    contact = Partner.search([*domain, ("parent_id", "!=", False)], order="id", limit=1) or Partner.search(
        domain, order="id", limit=1
    )
    if not contact:
        contact = Partner.create({"name": "Bench Contact", "email": "contact@bench.example.com"})
    return contact


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--uploads", type=int, default=8, help="document requests for the upload test")
    args = parser.parse_args()
    if not args.db.startswith("serene_bench"):
        sys.exit("bench_prepare.py changes data: run it on a serene_bench* copy only")

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config([f"--addons-path={args.addons_path}", "--log-level=warn", "--http-interface=127.0.0.1"])
    with Registry(args.db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, CONTEXT)
        company = practice_company(env)
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        if (company.serene_portal_upload_max_mb or 10) < 10:
            company.serene_portal_upload_max_mb = 10
        manager = practice_manager(env, company)
        Survey = env["survey.survey"]
        surveys = {
            kind: Survey.search([("serene_form_kind", "=", kind)], order="id") for kind in ("intake_form", "assessment")
        }
        if not all(surveys.values()):
            sys.exit("no library form of each kind (intake form, assessment)")
        portals = {}
        for label, count in (("p5", 5), ("p40", 40), ("p200", 200)):
            partner, key, _ids = bench_client(env, company, manager, f"Bench Client {count} items", count, surveys)
            portals[label] = {"partner_id": partner.id, "key": key, "items": count}
        partner, key, upload_items = bench_client(
            env, company, manager, "Bench Upload Client", 0, surveys, document_requests=args.uploads
        )
        portals["upload"] = {"partner_id": partner.id, "key": key, "item_ids": upload_items}
        portal = portal_user(env, company)
        contact = plain_contact(env, company)
        addon_fields = [
            field.name
            for field in env["ir.model.fields"].search([("model", "=", "res.partner")])
            if set((field.modules or "").replace(" ", "").split(",")) == {"serene_client_portal"}
        ]
        crons = [
            {
                "xmlid": f"serene_client_portal.{data.name}",
                "id": data.res_id,
                "name": env["ir.cron"].browse(data.res_id).name,
            }
            for data in env["ir.model.data"].search(
                [("module", "=", "serene_client_portal"), ("model", "=", "ir.cron")], order="id"
            )
        ]
        cr.execute("SELECT count(*) FROM res_partner WHERE is_client")
        clients = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM ir_mail_server WHERE active")
        mail_servers = cr.fetchone()[0]
        out = {
            "company": {"id": company.id, "name": company.name},
            "clients": clients,
            "mail_servers": mail_servers,
            "portals": portals,
            "manager": {"login": manager.login, "password": STAFF_PASSWORD},
            "portal_user": {"login": portal.login, "password": PORTAL_PASSWORD},
            "contact_id": contact.id,
            "client_id": portals["p40"]["partner_id"],
            "addon_partner_fields": addon_fields,
            "clients_action": env.ref("serene_client_portal.res_partner_action_clients").id,
            "clients_views": [
                [env.ref("serene_client_portal.res_partner_view_list_clients").id, "list"],
                [env.ref("base.view_partner_form").id, "form"],
                [env.ref("serene_client_portal.res_partner_view_search_clients").id, "search"],
            ],
            "contacts_action": env.ref("base.action_partner_form").id,
            "crons": crons,
        }
        cr.commit()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
