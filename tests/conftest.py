"""Out-of-process tests: they run Odoo as a user would, through its command line and HTTP."""

import importlib.util
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ODOO_SRC = Path(next(iter(importlib.util.find_spec("odoo").submodule_search_locations))).parent
ADDONS_PATH = f"{ODOO_SRC / 'addons'},{REPO}"
# odoo-bin, not "python3 -m odoo": with --workers, Odoo starts its websocket (gevent) process as
# "python3 <argv[0]> gevent", which fails and is restarted over and over when argv[0] is
# odoo/__main__.py (about half a core, taken from the server under test).
ODOO_MAIN = [str(ODOO_SRC / "odoo-bin")] if (ODOO_SRC / "odoo-bin").exists() else ["-m", "odoo"]
ODOO = ["python3", *ODOO_MAIN, f"--addons-path={ADDONS_PATH}"]
ODOO_SHELL = ["python3", *ODOO_MAIN, "shell", f"--addons-path={ADDONS_PATH}"]
TEMPLATE_DB = os.environ.get("SERENE_TEMPLATE_DB", "serene_t_base")
# scripts/test.sh's database with the addon installed (its at_install tests run on it, its asset
# bundles generated), copied for the tests below that need the addon installed once the file
# INSTALLED_READY says "ready": these tests start beside that install.
INSTALLED_DB = os.environ.get("SERENE_INSTALLED_DB")
INSTALLED_READY = os.environ.get("SERENE_INSTALLED_READY")
MODULE = "serene_client_portal"


def run_odoo(*args, check=True, timeout=600):
    result = subprocess.run(
        [*ODOO, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode:
        raise AssertionError(f"odoo {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def psql(db, query):
    out = subprocess.run(["psql", "-X", "-Atq", "-d", db, "-c", query], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_db(template, name):
    if not psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{template}'"):
        pytest.fail(f"database {template} is missing: run scripts/test.sh")
    subprocess.run([*ODOO, "db", "duplicate", "-f", template, name], check=True, capture_output=True)


def installed_template(timeout=1200):
    """scripts/test.sh's database with the addon installed, once it is ready; None when these
    tests run without it (then each installs the addon on its copy of the base)."""
    if not INSTALLED_DB:
        return None
    ready, deadline = Path(INSTALLED_READY), time.monotonic() + timeout
    while not ready.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"scripts/test.sh's installed database {INSTALLED_DB} was not ready in {timeout} s")
        time.sleep(1)
    if ready.read_text().strip() != "ready":
        pytest.fail("scripts/test.sh could not install the addon: see .test-output/odoo-tests.log")
    return INSTALLED_DB


def copy_installed_db(name, *install_args):
    """Database ``name`` with Odoo's modules, demo data and this addon installed: a copy of
    scripts/test.sh's installed database, else a copy of the base with the addon installed here
    (with ``install_args``)."""
    template = installed_template()
    copy_db(template or TEMPLATE_DB, name)
    if not template:
        run_odoo("-d", name, "-i", MODULE, "--stop-after-init", "--http-interface=127.0.0.1", *install_args)


@pytest.fixture
def fresh_db():
    """A copy of the base database (Odoo's modules and demo data, not this addon), dropped after."""
    name = f"serene_t_{uuid.uuid4().hex[:8]}"
    copy_db(TEMPLATE_DB, name)
    yield name
    subprocess.run([*ODOO, "db", "drop", name], check=False, capture_output=True)


@pytest.fixture
def installed_db():
    """A database with the addon installed (``copy_installed_db``), dropped after."""
    name = f"serene_t_{uuid.uuid4().hex[:8]}"
    copy_installed_db(name)
    yield name
    subprocess.run([*ODOO, "db", "drop", name], check=False, capture_output=True)
