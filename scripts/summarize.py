"""Add up every test run of scripts/test.sh (both lanes) into one closing line: "tests: N passed, N failed".

A skipped test counts as failed: tours must never disappear silently.
"""

import argparse
import re
import sys
import xml.etree.ElementTree as ET

ODOO_RESULT = re.compile(r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests")
# Odoo 19 logs a skip on the test module's own logger, the test as Class.method:
#   "... INFO db odoo.addons.x.tests.test_y: skipped TestY.test_z : reason"
# (a class skipped in setUpClass: "skipped setUpClass (odoo.addons.x.tests.test_y.TestY) : reason").
ODOO_SKIP = re.compile(r"^\S+ \S+ \d+ INFO \S+ ([\w.]+): skipped (.+?) : ", re.MULTILINE)
TOUR_DONE = re.compile(r"tour (\S+) succeeded|Tour (\S+) succeeded", re.IGNORECASE)


def odoo_counts(path):
    with open(path, encoding="utf-8", errors="replace") as log:
        text = log.read()
    results = ODOO_RESULT.findall(text)
    if not results:
        return 0, 1, 0, ["Odoo's runner printed no test result (did the install fail?)"]
    failed, errors, run = (int(x) for x in results[-1])
    skipped = ODOO_SKIP.findall(text)
    notes = [f"skipped (counted as failed): {logger}: {name}" for logger, name in skipped]
    tours = len(set(TOUR_DONE.findall(text)))
    return run - failed - errors - len(skipped), failed + errors + len(skipped), tours, notes


# A class of browser tours says so in its name (TestClientPortalTours, TestClinicalWorkflowTour).
TOUR_CLASS = re.compile(r"Tours?$")


def junit_counts(path):
    """(passed, failed, tours passed, notes) of a pytest JUnit report, one per test: the report's
    own totals also count the subtests that pytest-odoo reports (Odoo's subTest)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return 0, 1, 0, [f"{path}: no report (pytest did not run)"]
    passed = failed = tours = 0
    notes = []
    for case in root.iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        if case.find("skipped") is not None:
            failed += 1
            notes.append(f"skipped (counted as failed): {name}")
        elif case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            notes.append(f"failed: {name}")
        else:
            passed += 1
            tours += bool(TOUR_CLASS.search(case.get("classname", "")))
    if not passed + failed:
        return 0, 1, 0, [f"{path}: no test ran"]
    return passed, failed, tours, notes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lint-rc", type=int, default=0)
    parser.add_argument("--wheel-rc", type=int, default=0)
    parser.add_argument("--odoo-rc", type=int, default=0)
    parser.add_argument("--odoo-log")
    parser.add_argument("--junit", action="append", default=[])
    parser.add_argument("--min-tours", type=int, default=0)
    args = parser.parse_args()
    passed, failed = 0, 0
    notes = []
    p, f, tours, n = odoo_counts(args.odoo_log)
    print(f"Odoo runner: {p} passed, {f} failed, {tours} tours succeeded")
    passed, failed, notes = passed + p, failed + f, notes + n
    if args.odoo_rc and not f:
        failed += 1
        notes.append(f"Odoo's runner exited with {args.odoo_rc}")
    for path in args.junit:
        p, f, t, n = junit_counts(path)
        print(f"{path.rsplit('/', 1)[-1]}: {p} passed, {f} failed" + (f", {t} tours passed" if t else ""))
        passed, failed, tours, notes = passed + p, failed + f, tours + t, notes + n
    if tours < args.min_tours:
        failed += 1
        notes.append(f"only {tours} browser tours succeeded, {args.min_tours} expected")
    if args.lint_rc:
        failed += 1
        notes.append("lint reported problems")
    if args.wheel_rc:
        failed += 1
        notes.append("the wheel check failed (scripts/wheel_check.sh)")
    for note in notes:
        print(" -", note)
    print(f"tests: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
