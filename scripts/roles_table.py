#!/usr/bin/env python3
"""Print the README's Roles table from serene_client_portal/security/role_matrix.json, the one
machine-readable table of who may do what (tests/test_role_matrix.py checks the README has it)."""

import json
from pathlib import Path

MATRIX = Path(__file__).resolve().parent.parent / "serene_client_portal" / "security" / "role_matrix.json"


def roles_table(matrix):
    readme = matrix["readme"]
    lines = ["| " + " | ".join(readme["columns"]) + " |", "|" + "---|" * len(readme["columns"])]
    lines += ["| " + " | ".join(row) + " |" for row in readme["rows"]]
    return "\n".join(line.replace("|  |", "| |") for line in lines)


if __name__ == "__main__":
    print(roles_table(json.loads(MATRIX.read_text())))
