"""Split the addon's test files into N shards of about equal running time, for pytest-odoo
processes that run side by side (scripts/test.sh with SERENE_TEST_JOBS=2), one line per shard.

The weights are the seconds each file took in a full run (scripts/test.sh, pytest-odoo, December
2026), measured again with ``--durations``; a file not listed counts as a small one. Files go, the
heaviest first, to the shard with the least time so far."""

import sys
from pathlib import Path

SECONDS = {
    "test_role_matrix.py": 131,
    "test_ui.py": 114,
    "test_forms_by_keyboard.py": 102,
    "test_secure_messages.py": 48,
    "test_booking_journey.py": 40,
    "test_accessibility.py": 40,
    "test_booking.py": 25,
    "test_reminders.py": 14,
    "test_forms_are_clinical_not_quiz.py": 13,
    "test_practice_texts.py": 11,
    "test_after_acting.py": 11,
    "test_clinical_workflow.py": 11,
}
SMALL = 4


def shards(test_dir, count):
    files = sorted(Path(test_dir).glob("test_*.py"))
    files.sort(key=lambda path: -SECONDS.get(path.name, SMALL))
    loads = [[0, []] for _n in range(count)]
    for path in files:
        lightest = min(loads, key=lambda load: load[0])
        lightest[0] += SECONDS.get(path.name, SMALL)
        lightest[1].append(str(path))
    return [sorted(paths) for _seconds, paths in loads]


if __name__ == "__main__":
    for shard in shards(sys.argv[1], int(sys.argv[2])):
        print(" ".join(shard))
