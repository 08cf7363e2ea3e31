"""The addon's change log for its README: ``serene_client_portal/readme/HISTORY.md`` is
CHANGELOG.md (the one source, edited by hand) without its title, so that OCA's readme
generator renders it as the *Changelog* section of README.rst and of the Apps page.

Run by the ``serene-gen-history`` pre-commit hook before ``oca-gen-addon-readme``. Exits 1
when it changed the file (pre-commit then reports the hook as having modified files)."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHANGELOG = REPO / "CHANGELOG.md"
HISTORY = REPO / "serene_client_portal" / "readme" / "HISTORY.md"


def history(changelog):
    """The change log's sections (``## <version>`` and below), without its ``# `` title."""
    lines = changelog.splitlines()
    while lines and (not lines[0].strip() or lines[0].startswith("# ")):
        lines.pop(0)
    return "\n".join(lines).rstrip() + "\n"


def main():
    text = history(CHANGELOG.read_text(encoding="utf-8"))
    if HISTORY.exists() and HISTORY.read_text(encoding="utf-8") == text:
        return 0
    HISTORY.write_text(text, encoding="utf-8")
    print(f"{HISTORY.relative_to(REPO)} regenerated from CHANGELOG.md")
    return 1


if __name__ == "__main__":
    sys.exit(main())
