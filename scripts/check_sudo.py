"""Every ``sudo()`` of the addon says why, just above it, in the agreed shape:

    # sudo: <model> - <why>

(the comment may span several lines and cover the statement it precedes). Prints the calls
without one and exits 1; ``make lint`` and CI run it."""

import re
import sys
from pathlib import Path

ADDON = Path(__file__).resolve().parent.parent / "serene_client_portal"
REASON = re.compile(r"#\s*sudo:\s*\S.*\s-\s\S")
# A statement may start a few lines above the sudo() it holds (a call split by ruff format).
LOOKBACK = 8


def missing_reasons(root=ADDON):
    missing = []
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if ".sudo(" not in line or line.lstrip().startswith("#"):
                continue
            above = lines[max(0, number - LOOKBACK) : number + 1]
            if not any(REASON.search(text) for text in above):
                missing.append(f"{path.relative_to(root.parent)}:{number + 1}: {line.strip()}")
    return missing


if __name__ == "__main__":
    found = missing_reasons()
    for entry in found:
        print(entry)
    print(f"sudo() without '# sudo: <model> - <why>': {len(found)}")
    sys.exit(1 if found else 0)
