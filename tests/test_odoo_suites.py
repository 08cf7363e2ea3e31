"""Odoo's own portal, survey and calendar suites pass on a database that has the addon.

They run as an integrator would run them: ``--test-tags /portal,/survey,/calendar`` on an
installed database. The only failures allowed are those that Odoo's suites have on such a
database without this addon too (survey's at_install controller tests fetch website assets
before the website module is loaded).
"""

import re

from conftest import run_odoo

# Fail on a database with portal, survey, calendar, website and sms alone, run the same way.
KNOWN_WITHOUT_ADDON = {
    "TestSurveyController.test_live_session_without_question",
    "TestSurveyController.test_submit_route_scoring_after_page",
}
RESULT = re.compile(r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests")
FAILED = re.compile(r"(?:FAIL|ERROR): (?:Subtest )?(\w+\.\w+)")


def test_odoos_portal_survey_calendar_suites(installed_db):
    result = run_odoo(
        "-d",
        installed_db,
        "--test-enable",
        "--test-tags",
        "/portal,/survey,/calendar",
        "--stop-after-init",
        "--log-level=test",
        "--http-interface=127.0.0.1",
        "--http-port=8369",
        check=False,
        timeout=1200,
    )
    log = result.stdout + result.stderr
    totals = RESULT.findall(log)
    assert totals, f"Odoo's runner printed no result:\n{log[-3000:]}"
    assert sum(int(run) for _failed, _errors, run in totals) > 200, "Odoo's suites ran"
    unexpected = set(FAILED.findall(log)) - KNOWN_WITHOUT_ADDON
    assert not unexpected, f"Odoo's own tests fail with the addon: {sorted(unexpected)}"
