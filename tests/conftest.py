"""Out-of-process tests: they run Odoo as a user would, through its command line and HTTP."""

import importlib.util
import os
import socket
import subprocess
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


@pytest.fixture
def fresh_db():
    """A copy of the base database (Odoo's modules and demo data, not this addon), dropped after."""
    if not psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{TEMPLATE_DB}'"):
        pytest.fail(f"base database {TEMPLATE_DB} is missing: run scripts/test.sh")
    name = f"serene_t_{uuid.uuid4().hex[:8]}"
    subprocess.run([*ODOO, "db", "duplicate", "-f", TEMPLATE_DB, name], check=True, capture_output=True)
    yield name
    subprocess.run([*ODOO, "db", "drop", name], check=False, capture_output=True)
