#!/usr/bin/env bash
# Everything CI runs, ending with one summary line "tests: N passed, N failed".
#   1. lint: ruff, pylint-odoo (mandatory checks), a reason for every sudo() (check_sudo.py)
#   2. the addon's tests with Odoo's own runner (at_install + post_install, tours in Chromium)
#   3. the same tests through pytest-odoo
#   4. the out-of-process tests in tests/ (packaging, HTTP against a running server)
# Fails, never skips, when Chromium or websocket-client is missing.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
OUT=${TEST_OUT:-$REPO/.test-output}
mkdir -p "$OUT"
rm -f "$OUT"/*.xml "$OUT"/*.log
BASE_DB=serene_t_base
TEST_DB=serene_t_odoo
started=$(date +%s)
say() { printf '\n[test %4ss] %s\n' "$(( $(date +%s) - started ))" "$*"; }

require_odoo
require_browser
require_pg

lint_rc=0
say "lint: ruff"
ruff check "$REPO" || lint_rc=1
ruff format --check --quiet "$REPO" || { echo "ruff format: run 'ruff format .'"; lint_rc=1; }
say "lint: pylint-odoo (mandatory checks)"
"$PY" -m pylint --rcfile="$REPO/.pylintrc" "$REPO/serene_client_portal" || lint_rc=1
say "lint: every sudo() says why (# sudo: <model> - <why>)"
"$PY" "$REPO/scripts/check_sudo.py" | tail -15; [ "${PIPESTATUS[0]}" -eq 0 ] || lint_rc=1

say "base database with Odoo's modules and demo data"
if ! make_base_db "$BASE_DB" "$OUT/base.log"; then
    tail -40 "$OUT/base.log"; echo "FATAL: could not build the base database"; exit 1
fi

say "Odoo's test runner: install serene_client_portal, run at_install and post_install tests"
fresh_db "$TEST_DB" "$BASE_DB"
odoo -d "$TEST_DB" -i serene_client_portal --test-enable --test-tags /serene_client_portal \
    --stop-after-init --log-level=test --http-port=8169 >"$OUT/odoo-tests.log" 2>&1
odoo_rc=$?
grep -E "odoo\.tests\.(result|stats)|FAIL:|ERROR:|tour .*(succeeded|failed)|skipped|role matrix:" "$OUT/odoo-tests.log" | tail -40
[ $odoo_rc -ne 0 ] && { grep -E "ERROR|FAIL|Traceback" -A12 "$OUT/odoo-tests.log" | head -150; }

say "pytest-odoo: the same tests through pytest"
(cd "$REPO" && "$PY" -m pytest -p no:cacheprovider serene_client_portal/tests \
    --odoo-database="$TEST_DB" --odoo-addons-path="$ADDONS_PATH" --odoo-http --odoo-log-level=warn \
    --odoo-extra=http-interface=127.0.0.1 \
    -q --junitxml="$OUT/pytest-odoo.xml" 2>&1 | tail -15)

say "out-of-process tests: packaging and HTTP against a running server"
(cd "$REPO" && SERENE_TEMPLATE_DB="$BASE_DB" "$PY" -m pytest -p no:cacheprovider -p no:odoo tests \
    -q --junitxml="$OUT/pytest-tests.xml" 2>&1 | tail -15)

say "summary"
"$PY" "$REPO/scripts/summarize.py" --lint-rc "$lint_rc" --odoo-rc "$odoo_rc" --odoo-log "$OUT/odoo-tests.log" \
    --junit "$OUT/pytest-odoo.xml" --junit "$OUT/pytest-tests.xml" --min-tours 1
