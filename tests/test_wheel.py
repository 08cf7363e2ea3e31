"""The addon installs as integrators install it: from its wheel, the repository off the addons path."""

import ast
import os
import re
import subprocess
import uuid

from conftest import MODULE, REPO, TEMPLATE_DB, psql

SCRIPT = REPO / "scripts" / "wheel_check.sh"
# Test databases are named with this prefix (a machine shared by several runs may ask for its own).
DB_PREFIX = os.environ.get("SERENE_TEST_DB_PREFIX", "serene_t_")


def test_wheel_builds_and_installs_from_site_packages():
    version = ast.literal_eval((REPO / MODULE / "__manifest__.py").read_text())["version"]
    db = f"{DB_PREFIX}wheel_{uuid.uuid4().hex[:8]}"
    result = subprocess.run(
        ["bash", str(SCRIPT), TEMPLATE_DB, db], capture_output=True, text=True, timeout=900, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    # The wheel is named as OCA's wheels are, with the manifest's version (and the commits since).
    wheel = re.search(rf"built (odoo_addon_{MODULE}-(\S+)-py3-none-any\.whl)", output)
    assert wheel, output
    assert wheel[2] == version or wheel[2].startswith(f"{version}."), wheel[2]
    # Odoo found the addon in the environment's site-packages, not in the repository.
    where = re.search(rf"odoo\.addons\.{MODULE} is (\S+)", output)
    assert where and re.search(rf"/venv/lib/python3\.\d+/site-packages/odoo/addons/{MODULE}$", where[1]), output
    paths = re.search(r"addons paths: (.*)", output)
    assert paths and "site-packages/odoo/addons" in paths[1] and str(REPO) not in paths[1], output
    assert f"{MODULE} is installed from {wheel[1]}" in output
    assert not psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'"), "the database is dropped"
