"""The addon installs, uninstalls, reinstalls and upgrades cleanly on a real database."""

import ast
import html
import json
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from conftest import MODULE, ODOO, ODOO_MAIN, ODOO_SRC, REPO, free_port, psql, run_odoo

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


def manifest_version():
    return ast.literal_eval((REPO / MODULE / "__manifest__.py").read_text())["version"]


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
    assert psql(fresh_db, f"SELECT latest_version FROM ir_module_module WHERE name = '{MODULE}'") == manifest_version()


# ---------------------------------------------------------------------------------------------
# From the previous release (tests/previous_release) to the working tree, as a practice upgrades.

# What a practice has in its database; the same rows before and after the upgrade.
KEPT = {
    "portals": "SELECT id, partner_id, company_id, active FROM serene_client_portal ORDER BY id",
    "keys": "SELECT id, portal_id, key_hash, expires_at, revoked_at FROM serene_portal_link ORDER BY id",
    "items": "SELECT id, portal_id, item_type, state, name, user_input_id, packet_id, completed_at, signed_by "
    "FROM serene_portal_item ORDER BY id",
    "answers": "SELECT a.id, a.serene_item_id, a.state, a.serene_sha256, "
    "(SELECT count(*) FROM survey_user_input_line l WHERE l.user_input_id = a.id) "
    "FROM survey_user_input a WHERE a.serene_item_id IS NOT NULL ORDER BY a.id",
    "files": "SELECT id, res_id, checksum, serene_sha256 FROM ir_attachment "
    "WHERE res_model = 'serene.portal.item' ORDER BY id",
    "audit": "SELECT id, event_at, event_type, portal_id, item_id, actor, result, detail "
    "FROM serene_portal_activity ORDER BY id",
    "settings": "SELECT id, serene_portal_link_expiry_days, serene_portal_item_limit FROM res_company ORDER BY id",
}

# Run with the previous release's code: a practice changes settings and hands a client a link.
BEFORE_UPGRADE = """
import json
env.ref("base.main_company").write({"serene_portal_link_expiry_days": 45, "serene_portal_item_limit": 9})
portal = env["res.partner"].search([("name", "=", "Jordan Rivera")]).client_portal_id
key = portal._new_access_url().rsplit("/", 1)[1]
items = portal.item_ids.filtered(lambda item: item.state != "completed").mapped("name")
env.cr.commit()
print("BEFORE" + json.dumps({"key": key, "portal": portal.id, "items": items}))
"""

# Run with the working tree's code: the sealed answers and files still match their seals.
AFTER_UPGRADE = """
import json
answers = env["survey.user_input"].search([("serene_sha256", "!=", False)])
files = env["ir.attachment"].search([("serene_sha256", "!=", False)])
seals = {"answers": answers.mapped("serene_seal_state"), "files": files.mapped("serene_seal_state")}
print("AFTER" + json.dumps(seals))
"""

QUIET = ["--http-interface=127.0.0.1", "--log-level=warn"]

# The groups and rules as a database of the previous release has them, where this release's
# files say otherwise: the upgrade brings the files' definitions (they are not noupdate).
OLDER_SECURITY = [
    'UPDATE res_groups SET name = \'{"en_US": "Old Manager"}\' WHERE id = {manager}',
    "DELETE FROM res_groups_implied_rel WHERE gid = {user} AND hid = {survey_user}",
    "UPDATE ir_rule SET domain_force = '[(1, ''='', 1)]' WHERE id = {link_rule}",
]


def previous_release():
    """The "<commit> <version>" line of tests/previous_release."""
    for line in (REPO / "tests" / "previous_release").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            commit, version = line.split()
            return commit, version
    raise AssertionError("tests/previous_release names no commit")


def xmlid(db, name):
    module, _dot, name = name.rpartition(".")
    return psql(db, f"SELECT res_id FROM ir_model_data WHERE module = '{module or MODULE}' AND name = '{name}'")


def odoo_shell(addons_path, db, script, marker):
    shell = subprocess.run(
        ["python3", *ODOO_MAIN, "shell", f"--addons-path={addons_path}", "-d", db, "--log-level=warn"],
        input=script,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    found = re.search(marker + r"(\{.*\})", shell.stdout)
    assert found, shell.stdout[-2000:] + shell.stderr[-3000:]
    return json.loads(found.group(1))


def snapshot(db):
    return {name: psql(db, query) for name, query in KEPT.items()}


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def test_upgrade_from_the_previous_release(fresh_db, tmp_path):
    commit, version = previous_release()
    assert version != manifest_version(), "the working tree carries a new version (README, Releases)"
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit, MODULE], capture_output=True, check=False
    )
    if archive.returncode:
        pytest.fail(
            f"the previous release {version} ({commit}) is not in this clone (a shallow clone? "
            f"'git fetch --unshallow'): {archive.stderr.decode()[-500:]}"
        )
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive.stdout, check=True)
    old_addons = f"{ODOO_SRC / 'addons'},{tmp_path}"
    old_odoo = ["python3", *ODOO_MAIN, f"--addons-path={old_addons}"]

    # The previous release, installed with its demo data (the base database has demo data).
    installed = subprocess.run(
        [*old_odoo, "-d", fresh_db, "-i", MODULE, "--stop-after-init", "--http-interface=127.0.0.1"],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert psql(fresh_db, f"SELECT latest_version FROM ir_module_module WHERE name = '{MODULE}'") == version
    assert psql(fresh_db, "SELECT count(*) FROM res_partner WHERE is_client") == "8", "demo clients"
    given = odoo_shell(old_addons, fresh_db, BEFORE_UPGRADE, "BEFORE")
    assert given["items"], "Jordan has items to do"
    ids = {
        "manager": xmlid(fresh_db, "group_practice_manager"),
        "user": xmlid(fresh_db, "group_practice_user"),
        "survey_user": xmlid(fresh_db, "survey.group_survey_user"),
        "link_rule": xmlid(fresh_db, "serene_portal_link_rule_company"),
    }
    for statement in OLDER_SECURITY:
        psql(
            fresh_db,
            statement.replace("{manager}", ids["manager"])
            .replace("{user}", ids["user"])
            .replace("{survey_user}", ids["survey_user"])
            .replace("{link_rule}", ids["link_rule"]),
        )
    before = snapshot(fresh_db)
    last_audit_row = before["audit"].splitlines()[-1].split("|")[0]
    assert "45|9" in before["settings"]
    assert before["answers"] and before["audit"] and before["files"], "the demo has answers, files and audit rows"

    # The working tree's code, on the same database: -u as a practice upgrades.
    upgraded = run_odoo("-d", fresh_db, "-u", MODULE, "--stop-after-init", "--http-interface=127.0.0.1")
    assert f"Module {MODULE} loaded" in upgraded.stderr, "the log is read where Odoo writes it"
    assert not addon_warnings(upgraded.stderr), "\n".join(addon_warnings(upgraded.stderr))
    assert module_state(fresh_db) == "installed"
    assert psql(fresh_db, f"SELECT latest_version FROM ir_module_module WHERE name = '{MODULE}'") == manifest_version()
    after = snapshot(fresh_db)
    for name in KEPT:
        # Every row is kept as it was; the new release's demo data may add rows (its online
        # session's invitation, for one, hands Riley a key).
        lost = set(before[name].splitlines()) - set(after[name].splitlines())
        assert not lost, f"{name} changed in the upgrade: {sorted(lost)}"

    # The groups and rules are this release's again, and stay updatable.
    assert psql(fresh_db, f"SELECT name->>'en_US' FROM res_groups WHERE id = {ids['manager']}") == "Practice Manager"
    assert psql(
        fresh_db, f"SELECT 1 FROM res_groups_implied_rel WHERE gid = {ids['user']} AND hid = {ids['survey_user']}"
    ), "the practitioner's implied survey group is back"
    assert psql(fresh_db, f"SELECT domain_force FROM ir_rule WHERE id = {ids['link_rule']}") == (
        "[('company_id', 'in', company_ids)]"
    )
    assert (
        psql(
            fresh_db,
            f"SELECT count(*) FROM ir_model_data WHERE module = '{MODULE}' AND noupdate "
            "AND model IN ('res.groups', 'res.groups.privilege', 'ir.rule')",
        )
        == "0"
    )

    # Sealed answers and files still match their seals.
    seals = odoo_shell(f"{ODOO_SRC / 'addons'},{REPO}", fresh_db, AFTER_UPGRADE, "AFTER")
    assert seals["answers"] and set(seals["answers"]) == {"verified"}, seals
    assert seals["files"] and set(seals["files"]) == {"verified"}, seals

    # The key handed out before the upgrade opens the portal, and the visit is audited.
    port = free_port()
    with open(tmp_path / "server.log", "w") as out:
        server = subprocess.Popen(
            [*ODOO, "-d", fresh_db, "--workers=0", "--max-cron-threads=0", f"--http-port={port}", *QUIET],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while True:
            try:
                if get(f"{base}/web/login")[0] == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline, "the upgraded server did not answer"
            time.sleep(1)
        status, page = get(f"{base}/portal/{given['key']}")
        assert status == 200, page[:1000]
        for name in given["items"]:
            assert html.escape(name) in page, f"{name} is on the portal"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    assert (
        psql(
            fresh_db,
            "SELECT count(*) FROM serene_portal_activity "
            f"WHERE portal_id = {given['portal']} AND event_type = 'portal_viewed' AND id > {last_audit_row}",
        )
        != "0"
    ), "the visit after the upgrade is in the audit trail"
