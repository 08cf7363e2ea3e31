"""Split the addon's test files into N shards of about equal running time, for pytest-odoo
processes that run side by side (scripts/test.sh with SERENE_TEST_JOBS=2), one line per shard:
``shard_tests.py TEST_DIR N [--fast]`` (``--fast``: make check's weights).

The weights are the seconds each file's tests took in a full run on the 2-core machine
(scripts/test.sh, pytest-odoo, the asset bundles generated beforehand, December 2026), summed
from its JUnit report; a file not listed counts as a small one. Files go, the
heaviest first, to the shard with the least time so far."""

import sys
from pathlib import Path

SECONDS = {
    "test_role_matrix.py": 312,
    "test_forms_by_keyboard.py": 206,
    "test_ui.py": 116,
    "test_reminders.py": 89,
    "test_accessibility.py": 74,
    "test_booking_journey.py": 71,
    "test_clinical_workflow.py": 43,
    "test_secure_messages.py": 42,
    "test_booking.py": 34,
    "test_portal_http.py": 32,
    "test_client_translations.py": 31,
    "test_after_acting.py": 27,
    "test_forms_are_clinical_not_quiz.py": 25,
    "test_notifications.py": 24,
    "test_links_and_delivery.py": 21,
    "test_access_rules.py": 21,
    "test_access_letter.py": 19,
    "test_edges.py": 19,
    "test_assessments.py": 18,
    "test_practice_texts.py": 18,
    "test_clients_and_core_tables.py": 16,
    "test_client_language.py": 16,
    "test_forms_only_through_the_portal.py": 15,
    "test_audit_of_reads.py": 15,
    "test_client_pages_run_no_script.py": 12,
    "test_audit_trail_is_kept.py": 11,
}
# make check (--fast): the same files without their serene_slow classes.
FAST_SECONDS = {
    "test_access_rules.py": 20,
    "test_portal_http.py": 17,
    "test_access_letter.py": 16,
    "test_booking.py": 15,
    "test_notifications.py": 14,
    "test_clinical_workflow.py": 14,
    "test_client_translations.py": 12,
    "test_clients_and_core_tables.py": 10,
    "test_after_acting.py": 9,
    "test_edges.py": 9,
    "test_assessments.py": 9,
    "test_forms_are_clinical_not_quiz.py": 8,
    "test_client_language.py": 8,
}
SMALL = 6


def shards(test_dir, count, seconds=SECONDS):
    files = sorted(Path(test_dir).glob("test_*.py"))
    files.sort(key=lambda path: -seconds.get(path.name, SMALL))
    loads = [[0, []] for _n in range(count)]
    for path in files:
        lightest = min(loads, key=lambda load: load[0])
        lightest[0] += seconds.get(path.name, SMALL)
        lightest[1].append(str(path))
    return [sorted(paths) for _seconds, paths in loads]


if __name__ == "__main__":
    fast = sys.argv[3:] == ["--fast"]
    for shard in shards(sys.argv[1], int(sys.argv[2]), FAST_SECONDS if fast else SECONDS):
        print(" ".join(shard))
