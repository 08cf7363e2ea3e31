"""The addon installs, uninstalls, reinstalls and upgrades cleanly on a real database."""

import re

from conftest import psql, run_odoo

MODULE = "serene_client_portal"
# "2026-12-05 18:50:11,808 652 WARNING db odoo.addons.base.models.ir_actions_report: ..."
LOG_LINE = re.compile(r"^\S+ \S+ \d+ (?P<level>[A-Z]+) \S+ (?P<logger>[\w.]+): ")


def addon_warnings(log):
    """The WARNING, ERROR and CRITICAL lines of ``log`` the addon is behind: its own loggers', and
    any logged while Odoo loads it (its data, views, demo data)."""
    found, loading = [], False
    for line in log.splitlines():
        entry = LOG_LINE.match(line)
        if not entry:
            continue
        if entry["logger"] == "odoo.modules.loading":
            if f"Loading module {MODULE} " in line:
                loading = True
            elif f"Module {MODULE} loaded" in line:
                loading = False
        ours = loading or entry["logger"].startswith(f"odoo.addons.{MODULE}")
        if ours and entry["level"] in ("WARNING", "ERROR", "CRITICAL"):
            found.append(line)
    return found


def module_state(db):
    return psql(db, f"SELECT state FROM ir_module_module WHERE name = '{MODULE}'")


def table_exists(db, table):
    return psql(db, f"SELECT to_regclass('{table}') IS NOT NULL") == "t"


def test_install_uninstall_reinstall(fresh_db):
    installed = run_odoo("-d", fresh_db, "-i", MODULE, "--stop-after-init", "--http-interface=127.0.0.1")
    assert module_state(fresh_db) == "installed"
    assert f"Module {MODULE} loaded" in installed.stderr, "the log is read where Odoo writes it"
    assert not addon_warnings(installed.stderr), "\n".join(addon_warnings(installed.stderr))
    assert table_exists(fresh_db, "serene_portal_item")
    assert psql(fresh_db, "SELECT count(*) FROM res_partner WHERE is_client") == "8", "demo clients"

    run_odoo("module", "uninstall", "-d", fresh_db, MODULE)
    assert module_state(fresh_db) == "uninstalled"
    for table in ("serene_client_portal", "serene_portal_item", "serene_portal_activity", "serene_portal_link"):
        assert not table_exists(fresh_db, table), table
    assert (
        psql(
            fresh_db,
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'res_partner' AND column_name = 'is_client'",
        )
        == "0"
    )
    assert psql(fresh_db, "SELECT count(*) FROM ir_model_data WHERE module = 'serene_client_portal'") == "0"

    run_odoo("-d", fresh_db, "-i", MODULE, "--stop-after-init", "--http-interface=127.0.0.1")
    assert module_state(fresh_db) == "installed"
    # 13 demo items, and the intake packet (5 items) for Quinn and for Drew, plus Quinn's GAD-7.
    assert psql(fresh_db, "SELECT count(*) FROM serene_portal_item") == "24"


def test_upgrade_keeps_data(fresh_db):
    run_odoo("-d", fresh_db, "-i", MODULE, "--stop-after-init", "--http-interface=127.0.0.1")
    counts = (
        "SELECT (SELECT count(*) FROM serene_portal_item), (SELECT count(*) FROM serene_portal_activity), "
        "(SELECT count(*) FROM serene_client_portal), (SELECT count(*) FROM serene_portal_link), "
        "(SELECT count(*) FROM ir_attachment WHERE res_model = 'serene.portal.item')"
    )
    # Data a practice made after installing: settings, a client's limit, a link.
    psql(fresh_db, "UPDATE res_company SET serene_portal_item_limit = 7, serene_portal_link_expiry_days = 3")
    psql(fresh_db, "UPDATE res_partner SET portal_item_limit = 4 WHERE name = 'Jordan Rivera'")
    # As 19.0.1.0.0 left it: the emergency contact in its own column, the own-clients rule on the tick.
    psql(fresh_db, f"UPDATE ir_module_module SET latest_version = '19.0.1.0.0' WHERE name = '{MODULE}'")
    psql(fresh_db, "ALTER TABLE res_partner RENAME COLUMN serene_emergency_contact_value TO serene_emergency_contact")
    psql(fresh_db, "UPDATE res_partner SET serene_emergency_contact = 'Sam, +32 470' WHERE name = 'Jordan Rivera'")
    psql(
        fresh_db,
        "UPDATE ir_rule SET domain_force = '[(''is_client'', ''='', False)]' "
        "WHERE name LIKE 'Contacts: practitioners%'",
    )
    # As 19.0.1.1.0 left it: the retry job on the portal.
    psql(
        fresh_db,
        "UPDATE ir_act_server SET model_id = (SELECT id FROM ir_model WHERE model = 'serene.client.portal') "
        "WHERE id = (SELECT ir_actions_server_id FROM ir_cron "
        "WHERE cron_name = 'Client Portal: retry failed notifications')",
    )
    before = psql(fresh_db, counts)
    upgraded = run_odoo("-d", fresh_db, "-u", MODULE, "--stop-after-init", "--http-interface=127.0.0.1")
    assert module_state(fresh_db) == "installed"
    assert f"Module {MODULE} loaded" in upgraded.stderr, "the log is read where Odoo writes it"
    assert not addon_warnings(upgraded.stderr), "\n".join(addon_warnings(upgraded.stderr))
    assert psql(fresh_db, counts) == before
    assert (
        psql(
            fresh_db,
            "SELECT serene_portal_item_limit, serene_portal_link_expiry_days FROM res_company ORDER BY id LIMIT 1",
        )
        == "7|3"
    )
    assert psql(fresh_db, "SELECT portal_item_limit FROM res_partner WHERE name = 'Jordan Rivera'") == "4"
    assert (
        psql(fresh_db, "SELECT serene_emergency_contact_value FROM res_partner WHERE name = 'Jordan Rivera'")
        == "Sam, +32 470"
    ), "the emergency contact moved to its guarded column"
    rule = psql(fresh_db, "SELECT domain_force FROM ir_rule WHERE name LIKE 'Contacts: practitioners%'")
    assert "is_client" not in rule and "note_owner_id" in rule, rule
    assert (
        psql(
            fresh_db,
            "SELECT model.model FROM ir_cron cron JOIN ir_act_server act ON act.id = cron.ir_actions_server_id "
            "JOIN ir_model model ON model.id = act.model_id "
            "WHERE cron.cron_name = 'Client Portal: retry failed notifications'",
        )
        == "serene.portal.notification"
    ), "the retry job follows the delivery rows"
    assert psql(fresh_db, f"SELECT latest_version FROM ir_module_module WHERE name = '{MODULE}'") == "19.0.1.2.0"
