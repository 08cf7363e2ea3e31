#!/usr/bin/env bash
# The addon as integrators install it: a wheel, not a folder on the addons path.
#   1. builds odoo_addon_serene_client_portal-<version>-py3-none-any.whl with whool (pinned)
#   2. installs it into a fresh virtual environment beside Odoo (--system-site-packages, so
#      Odoo's requirements are there); the wheel puts the addon under odoo/addons of the
#      environment's site-packages, which Odoo 19 finds through the odoo.addons namespace
#   3. installs the addon from it on a new database, the addons path holding Odoo's own
#      addons only (the repository is on no path), and checks that it is installed
# usage: scripts/wheel_check.sh [BASE_DB [DB]]
#        scripts/wheel_check.sh --build-only   (make check: step 1, and the wheel holds the addon)
#   BASE_DB  a database with the addon's dependencies to copy (e.g. the test lanes' base);
#            without it, DB is created empty and Odoo installs the dependencies (no demo data)
#   DB       the new database (default serene_wheel_<pid>), dropped at the end
# Environment: WHEEL_KEEP=1 keeps the work folder (wheel, environment, log) and the database.
# Exit status 0 only when the wheel built, installed, and the module's state is "installed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WHOOL_VERSION=1.3.1
MODULE=serene_client_portal
BUILD_ONLY=0
[ "${1:-}" = "--build-only" ] && { BUILD_ONLY=1; shift; }
BASE_DB=${1:-}
DB=${2:-serene_wheel_$$}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/serene-wheel.XXXXXX")
started=$(date +%s)
say() { printf '[wheel %4ss] %s\n' "$(($(date +%s) - started))" "$*"; }
cleanup() {
    if [ -n "${WHEEL_KEEP:-}" ]; then
        echo "kept: $WORK, database $DB"
    else
        drop_db "$DB"
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
# pip's notes about this machine's optional local package folders are no news here.
pip_quiet() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }

require_odoo
require_pg

say "build the wheel (whool $WHOOL_VERSION)"
"$PY" -m venv "$WORK/build"
pip_quiet "$WORK/build/bin/pip" install -q --disable-pip-version-check "whool==$WHOOL_VERSION"
# whool takes the files git tracks and the version from the manifest (plus the commits since).
pip_quiet "$WORK/build/bin/pip" wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
    -w "$WORK/dist" "$REPO/$MODULE"
WHEEL=$(ls "$WORK"/dist/odoo_addon_${MODULE}-*.whl)
say "built $(basename "$WHEEL")"
built=$(date +%s)
if [ $BUILD_ONLY -eq 1 ]; then
    "$PY" - "$WHEEL" "$MODULE" <<'EOF'
import sys
import zipfile

wheel, module = sys.argv[1:]
names = zipfile.ZipFile(wheel).namelist()
for needed in ("__manifest__.py", "README.rst", "static/description/index.html", "security/ir.model.access.csv"):
    if f"odoo/addons/{module}/{needed}" not in names:
        sys.exit(f"FATAL: the wheel has no odoo/addons/{module}/{needed}")
print(f"  {len(names)} files, the addon under odoo/addons/{module}")
EOF
    exit 0
fi

say "install it into a fresh virtual environment beside Odoo"
"$PY" -m venv --system-site-packages "$WORK/venv"
VPY=$WORK/venv/bin/python
# Odoo runs from its source tree here (on sys.path through a .pth, not as a distribution
# pip knows), so the wheel goes in without resolving its requirements, which are checked below.
pip_quiet "$VPY" -m pip install -q --disable-pip-version-check --no-deps "$WHEEL"
(cd "$WORK" && "$VPY" - "$WORK/venv" "$MODULE" "$REPO") <<'EOF'
import importlib.metadata
import importlib.util
import sys
from pathlib import Path

import odoo.release
from packaging.requirements import Requirement

venv, module, repo = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
dist = importlib.metadata.distribution(f"odoo-addon-{module}")
for requirement in map(Requirement, dist.requires or []):
    if requirement.name == "odoo":
        found = odoo.release.version
    else:
        try:
            found = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            sys.exit(f"FATAL: {requirement} is required by the wheel and not installed")
    if not requirement.specifier.contains(found, prereleases=True):
        sys.exit(f"FATAL: {requirement} is required by the wheel, {found} is installed")
    print(f"  requires {requirement}: {found}")
origin = Path(importlib.util.find_spec(f"odoo.addons.{module}").origin).resolve()
print(f"  odoo.addons.{module} is {origin.parent}")
if venv.resolve() not in origin.parents or repo in origin.parents:
    sys.exit(f"FATAL: odoo.addons.{module} is not the wheel's copy")
EOF

if [ -n "$BASE_DB" ]; then
    say "new database $DB, a copy of $BASE_DB"
    drop_db "$DB"
    fresh_db "$DB" "$BASE_DB"
else
    say "new database $DB"
    drop_db "$DB"
fi
say "install $MODULE from the wheel (addons path: Odoo's own addons only)"
rc=0
(cd "$WORK" && "$VPY" "${ODOO_MAIN[@]}" --addons-path="$ODOO_SRC/addons" -d "$DB" -i "$MODULE" \
    --stop-after-init --no-http --log-level=info >"$WORK/install.log" 2>&1) || rc=$?
state=$(psql -X -Atq -d "$DB" -c "SELECT state FROM ir_module_module WHERE name = '$MODULE'" 2>/dev/null || true)
grep -m1 "addons paths:" "$WORK/install.log" | sed 's/^.*odoo: /  /'
if [ "$rc" -ne 0 ] || [ "$state" != installed ] || grep -q "$REPO" "$WORK/install.log"; then
    tail -30 "$WORK/install.log"
    say "FAILED: odoo exited $rc, $MODULE is '${state:-absent}'"
    exit 1
fi
say "$MODULE is installed from $(basename "$WHEEL") (build $((built - started))s, install $(($(date +%s) - built))s)"
