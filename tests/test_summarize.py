"""scripts/summarize.py reads Odoo 19's own log lines: the result, each skip, each tour.

The lines below are copied from real runs of Odoo 19 (a skip from base's test_import_files on a
database without demo data; the result and tour lines from the addon's suite)."""

import subprocess
import sys

from conftest import REPO

SKIP = (
    "2026-12-05 23:58:36,790 31519 INFO hu_skip odoo.addons.base.tests.test_import_files: skipped "
    "TestImportFiles.test_import_contacts_template_xls : Needs demo data to be able to import those files "
)
SKIP_RESULT = (
    "2026-12-05 23:58:36,794 31519 INFO hu_skip odoo.tests.result: 0 failed, 0 error(s) of 1 tests "
    "when loading database 'hu_skip' "
)
STARTING = (
    "2026-12-05 23:58:36,789 31519 INFO hu_skip odoo.addons.base.tests.test_import_files: Starting "
    "TestImportFiles.test_import_contacts_template_xls ... "
)
TOUR = (
    "2026-12-05 23:59:58,954 23040 INFO hu_t_odoo odoo.addons.serene_client_portal.tests.test_ui."
    "TestClientPortalTours.test_changing_a_clients_email_asks_for_the_password.browser: tour succeeded ",
    "2026-12-05 23:59:59,409 23040 INFO hu_t_odoo odoo.addons.serene_client_portal.tests.test_ui: "
    "tour serene_contact_change_asks_password succeeded ",
)
RESULT = (
    "2026-12-06 00:01:02,000 23040 INFO hu_t_odoo odoo.tests.result: 0 failed, 0 error(s) of 12 tests "
    "when loading database 'hu_t_odoo' "
)


def summarize(tmp_path, *lines, min_tours=0):
    log = tmp_path / "odoo.log"
    log.write_text("\n".join(lines) + "\n")
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "summarize.py"), "--odoo-log", str(log), "--min-tours", str(min_tours)],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.returncode, out.stdout


def test_a_skip_in_odoos_log_counts_as_failed(tmp_path):
    rc, out = summarize(tmp_path, STARTING, SKIP, SKIP_RESULT)
    assert rc == 1, out
    assert "tests: 0 passed, 1 failed" in out, out
    assert "skipped (counted as failed): odoo.addons.base.tests.test_import_files: " in out, out
    assert "TestImportFiles.test_import_contacts_template_xls" in out, out


def test_a_run_without_skips_counts_its_tests_and_tours(tmp_path):
    rc, out = summarize(tmp_path, STARTING, *TOUR, RESULT, min_tours=1)
    assert rc == 0, out
    assert "1 tours succeeded" in out and "tests: 12 passed, 0 failed" in out, out


def test_a_starting_line_is_no_skip(tmp_path):
    """A test whose name says "skipped" is no skip: only Odoo's "skipped <test> : <reason>" is."""
    named = STARTING.replace("test_import_contacts_template_xls", "test_skipped_items : stay")
    rc, out = summarize(tmp_path, named, RESULT)
    assert rc == 0 and "tests: 12 passed, 0 failed" in out, out


# As pytest-odoo writes it: the suite's "tests" also counts Odoo's subtests (583 for 270 tests).
JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest"
 errors="0" failures="0" skipped="1" tests="7" time="3.1" hostname="vm">
<testcase classname="serene_client_portal.tests.test_ui.TestClientPortalTours" name="test_client_visit" time="9.1" />
<testcase classname="serene_client_portal.tests.test_edges.TestEdgesInProcess" name="test_a" time="0.1" />
<testcase classname="serene_client_portal.tests.test_edges.TestEdgesInProcess" name="test_b" time="0.1">
<skipped type="pytest.skip" message="Chrome executable not found">skipped</skipped></testcase>
</testsuite></testsuites>"""


TOURS = ["--min-tours", "1"]


def test_a_junit_report_counts_each_test_once_and_its_tours(tmp_path):
    report = tmp_path / "pytest-odoo.xml"
    report.write_text(JUNIT)
    log = tmp_path / "odoo.log"
    log.write_text(RESULT + "\n")
    out = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "summarize.py"),
            "--odoo-log",
            str(log),
            "--junit",
            str(report),
            *TOURS,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "pytest-odoo.xml: 2 passed, 1 failed, 1 tours passed" in out.stdout, out.stdout
    assert "skipped (counted as failed): serene_client_portal.tests.test_edges.TestEdgesInProcess.test_b" in out.stdout
    assert "tests: 14 passed, 1 failed" in out.stdout and out.returncode == 1, out.stdout
