"""Add up every test run of scripts/test.sh into one closing line: "tests: N passed, N failed".

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


def junit_counts(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return 0, 1, [f"{path}: no report (pytest did not run)"]
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = failed = 0
    notes = []
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0)) + int(suite.get("skipped", 0))
        for case in suite.iter("testcase"):
            if case.find("skipped") is not None:
                notes.append(f"skipped (counted as failed): {case.get('classname')}.{case.get('name')}")
    if not tests:
        return 0, 1, [f"{path}: no test ran"]
    return tests - failed, failed, notes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lint-rc", type=int, default=0)
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
    if tours < args.min_tours:
        failed += 1
        notes.append(f"only {tours} browser tours succeeded, {args.min_tours} expected")
    for path in args.junit:
        p, f, n = junit_counts(path)
        print(f"{path.rsplit('/', 1)[-1]}: {p} passed, {f} failed")
        passed, failed, notes = passed + p, failed + f, notes + n
    if args.lint_rc:
        failed += 1
        notes.append("lint reported problems")
    for note in notes:
        print(" -", note)
    print(f"tests: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
