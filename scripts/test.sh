#!/usr/bin/env bash
# Two lanes, each ending with one summary line "tests: N passed, N failed".
#
# scripts/test.sh (make test, CI): everything, each test once.
#   1. lint: ruff, pylint-odoo (mandatory checks), a reason for every sudo() (check_sudo.py)
#   2. the wheel: scripts/wheel_check.sh, when present (1 and 2 run beside the databases of 3);
#      make check builds it (--build-only), make test also installs the addon from it
#   3. the addon's tests, each once: Odoo's runner installs the addon on a copy of the base
#      database and runs its at_install tests during the install; its asset bundles are generated
#      once, as Odoo's runner does before post_install tests; pytest-odoo then runs the
#      post_install ones on that database (browser tours in Chromium included), leaving out the
#      at_install ones (scripts/pytest_odoo_tags.py)
#   4. the out-of-process tests in tests/: packaging and the upgrade from the previous release,
#      HTTP against running servers, the demo command, Odoo's own suites with the addon
#
# scripts/test.sh --fast (make check, under 3 minutes with the base database kept): 1 and 2, then
# the addon's tests without those tagged serene_slow (the tours, the accessibility pages in
# Chromium, the role matrix over RPC) and the out-of-process tests that start no Odoo (FAST_TESTS).
#
# Fails, never skips, when Chromium or websocket-client is missing; a skipped test counts as failed.
# SERENE_TEST_JOBS=2 (the default on two cores or more; 1 runs everything in turn) runs the
# addon's post_install tests in two pytest-odoo processes, each on its own copy of the installed
# database, beside the out-of-process tests (4 beside 3).
# SERENE_TEST_DB (default serene_t) prefixes the databases it makes, SERENE_TEST_PORT (default
# 8169) is the port of Odoo's runner: two runs on one machine need their own.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
FAST=0
[ "${1:-}" = "--fast" ] && FAST=1
OUT=${TEST_OUT:-$REPO/.test-output}
mkdir -p "$OUT" "$REPO/.test-output"  # tests/test_demo_server.py logs there
rm -f "$OUT"/*.xml "$OUT"/*.log "$OUT"/installed.ready
PREFIX=${SERENE_TEST_DB:-serene_t}
BASE_DB=${PREFIX}_base
# The out-of-process tests that need the addon installed copy this one (tests/conftest.py), made
# once the addon's install is done and its asset bundles generated; INSTALLED_READY says so.
# (make check's out-of-process tests need none.)
INSTALLED_DB=$([ $FAST -eq 1 ] || echo "${PREFIX}_installed")
INSTALLED_READY=$OUT/installed.ready
PORT=${SERENE_TEST_PORT:-8169}
FAST_TESTS="tests/test_summarize.py"
# Two cores or more: the addon's tests in two processes beside the out-of-process tests.
JOBS=${SERENE_TEST_JOBS:-$(( $(nproc 2>/dev/null || echo 1) >= 2 ? 2 : 1 ))}
started=$(date +%s)
say() { printf '\n[test %4ss] %s\n' "$(( $(date +%s) - started ))" "$*"; }

require_odoo
require_pg
[ $FAST -eq 1 ] || require_browser

# Lint and the wheel need no database: they run beside the base database and the install (two
# cores), each into its own log, printed once they are done.
lint() {
    local rc=0
    echo "lint: ruff"
    ruff check "$REPO" || rc=1
    ruff format --check --quiet "$REPO" || { echo "ruff format: run 'ruff format .'"; rc=1; }
    echo "lint: pylint-odoo (mandatory checks)"
    "$PY" -m pylint --rcfile="$REPO/.pylintrc" "$REPO/serene_client_portal" || rc=1
    echo "lint: every sudo() says why (# sudo: <model> - <why>)"
    "$PY" "$REPO/scripts/check_sudo.py" | tail -15; [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
    return $rc
}
# --- the wheel (scripts/wheel_check.sh: builds it, installs it beside Odoo, installs the addon from it)
wheel() {
    [ -f "$REPO/scripts/wheel_check.sh" ] || return 0
    # The full lane checks the wheel once, as a test (tests/test_wheel.py).
    [ $FAST -eq 1 ] || { echo "the wheel: tests/test_wheel.py, with the out-of-process tests"; return 0; }
    # make check builds it; installing the addon from it is make test's (tests/test_wheel.py).
    bash "$REPO/scripts/wheel_check.sh" --build-only >"$OUT/wheel.log" 2>&1 || { tail -30 "$OUT/wheel.log"; return 1; }
    tail -3 "$OUT/wheel.log"
}
# --- end of the wheel
say "lint and the wheel, beside the databases: $OUT/lint.log, $OUT/wheel.log"
(lint >"$OUT/lint.log" 2>&1; echo $? >"$OUT/lint.rc") &
LINT_PID=$!
(wheel >"$OUT/wheel-summary.log" 2>&1; echo $? >"$OUT/wheel.rc") &
WHEEL_PID=$!
lint_and_wheel_results() {
    wait "$LINT_PID" "$WHEEL_PID"
    say "lint"
    cat "$OUT/lint.log"
    say "wheel: scripts/wheel_check.sh"
    cat "$OUT/wheel-summary.log"
    lint_rc=$(cat "$OUT/lint.rc" 2>/dev/null || echo 1)
    wheel_rc=$(cat "$OUT/wheel.rc" 2>/dev/null || echo 1)
}

if [ $FAST -eq 1 ] && psql -X -Atqc "SELECT 1 FROM pg_database WHERE datname = '$BASE_DB'" postgres | grep -q 1; then
    say "base database $BASE_DB: kept from the last run (make test builds it anew)"
else
    say "base database with Odoo's modules and demo data"
    if ! make_base_db "$BASE_DB" "$OUT/base.log"; then
        tail -40 "$OUT/base.log"; echo "FATAL: could not build the base database"; exit 1
    fi
fi

# The out-of-process tests; with SERENE_TEST_JOBS=2 they run beside the addon's tests (two cores).
out_of_process() {
    if [ $FAST -eq 1 ]; then
        say "out-of-process tests that start no Odoo: $FAST_TESTS"
        # shellcheck disable=SC2086
        (cd "$REPO" && "$PY" -m pytest -p no:cacheprovider -p no:odoo $FAST_TESTS \
            -q --junitxml="$OUT/pytest-tests-1.xml" >"$OUT/pytest-tests-1.log" 2>&1)
        [ "$JOBS" -gt 1 ] || grep -vE "^\s*$" "$OUT/pytest-tests-1.log" | cut -c1-300 | tail -40
    else
        say "out-of-process tests: packaging, the upgrade, HTTP against running servers, Odoo's own suites"
        if [ "$JOBS" -gt 1 ]; then
            # Two processes: the packaging tests and Odoo's own suites (the longest), and the rest.
            # Those that copy the installed database come last in each: they start beside its install.
            local heavy=(tests/test_packaging.py tests/test_odoo_suites.py) rest=() late=()
            for file in "$REPO"/tests/test_*.py; do
                [[ " ${heavy[*]} " == *" tests/${file##*/} "* ]] && continue
                if grep -q "installed_db" "$file"; then
                    late+=("tests/${file##*/}")
                else
                    rest+=("tests/${file##*/}")
                fi
            done
            oop_pytest 2 "${rest[@]}" "${late[@]}" &
            local rest_pid=$!
            oop_pytest 1 "${heavy[@]}"
            wait "$rest_pid"
        else
            oop_pytest 1 tests
            grep -vE "^\s*$" "$OUT/pytest-tests-1.log" | cut -c1-300 | tail -40
        fi
    fi
}
oop_pytest() {  # part number, files...
    local part=$1
    shift
    (cd "$REPO" && SERENE_TEMPLATE_DB="$BASE_DB" SERENE_INSTALLED_DB="$INSTALLED_DB" SERENE_INSTALLED_READY="$INSTALLED_READY" \
        "$PY" -m pytest -p no:cacheprovider -p no:odoo "$@" \
        -q --durations=15 --junitxml="$OUT/pytest-tests-$part.xml" >"$OUT/pytest-tests-$part.log" 2>&1)
}
MIN_TOURS=$(( FAST ? 0 : 1 ))

if [ $FAST -eq 1 ]; then
    TEST_DB=${PREFIX}_fast
    EXCLUDE=(--odoo-exclude-tag at_install --odoo-exclude-tag serene_slow)
else
    TEST_DB=${PREFIX}_odoo
    EXCLUDE=(--odoo-exclude-tag at_install)
fi
say "Odoo's runner: install serene_client_portal on a copy of the base, its at_install tests during the install"
fresh_db "$TEST_DB" "$BASE_DB"
if [ "$JOBS" -gt 1 ]; then
    out_of_process &
    OOP_PID=$!
fi
odoo -d "$TEST_DB" -i serene_client_portal --test-enable --test-tags at_install/serene_client_portal \
    --stop-after-init --log-level=test --http-port="$PORT" >"$OUT/odoo-tests.log" 2>&1
odoo_rc=$?
grep -E "odoo\.tests\.(result|stats)|Module serene_client_portal loaded|(ERROR|FAIL): |: skipped " \
    "$OUT/odoo-tests.log" | cut -c1-300 | tail -20
[ $odoo_rc -ne 0 ] && { grep -E " (ERROR|CRITICAL) |FAIL:|Traceback" -A12 "$OUT/odoo-tests.log" | cut -c1-300 | head -150; }

# pytest-odoo on the installed database; with SERENE_TEST_JOBS=2, in two processes side by side,
# each on its own copy of that database and its own port, the test files split by their running
# time (scripts/shard_tests.py).
pytest_odoo() {  # shard number, database, port, files...
    local shard=$1 db=$2 port=$3
    shift 3
    (cd "$REPO" && PYTHONPATH="$REPO/scripts${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m pytest -p no:cacheprovider \
        -p pytest_odoo_tags "${EXCLUDE[@]}" "$@" \
        --odoo-database="$db" --odoo-addons-path="$ADDONS_PATH" --odoo-http --odoo-log-level=warn \
        --odoo-extra=http-interface=127.0.0.1 --odoo-extra=http-port="$port" -q -p no:warnings --durations=10 \
        --junitxml="$OUT/pytest-odoo-$shard.xml" >"$OUT/pytest-odoo-$shard.log" 2>&1)
}
pytest_odoo_rc=1
if ! grep -q "Module serene_client_portal loaded" "$OUT/odoo-tests.log"; then
    echo failed >"$INSTALLED_READY"
else
    if [ $FAST -eq 0 ]; then
        say "the asset bundles, generated once for the browser tests (scripts/pregenerate_assets.py)"
        pregenerate_assets "$TEST_DB"
        if fresh_db "$INSTALLED_DB" "$TEST_DB"; then echo ready; else echo failed; fi >"$INSTALLED_READY"
    fi
    say "pytest-odoo: the post_install tests on the installed database, tours included (left out: ${EXCLUDE[*]})"
    if [ "$JOBS" -gt 1 ]; then
        fresh_db "${TEST_DB}_2" "$TEST_DB"
        mapfile -t SHARDS < <("$PY" "$REPO/scripts/shard_tests.py" "$REPO/serene_client_portal/tests" 2 \
            $([ $FAST -eq 1 ] && echo --fast))
        # shellcheck disable=SC2086
        pytest_odoo 1 "$TEST_DB" "$PORT" ${SHARDS[0]} &
        SHARD_PID=$!
        # shellcheck disable=SC2086
        pytest_odoo 2 "${TEST_DB}_2" "$(( PORT + 10 ))" ${SHARDS[1]}
        shard_2_rc=$?
        wait "$SHARD_PID"
        pytest_odoo_rc=$(( $? || shard_2_rc ))
    else
        pytest_odoo 1 "$TEST_DB" "$PORT" serene_client_portal/tests
        pytest_odoo_rc=$?
    fi
    for log in "$OUT"/pytest-odoo-*.log; do
        grep -vE "^\s*$" "$log" | cut -c1-300 | tail -25
    done
    if [ $odoo_rc -eq 0 ] && [ $pytest_odoo_rc -eq 0 ]; then  # kept to look into when something failed
        drop_db "$TEST_DB"
        [ "$JOBS" -gt 1 ] && drop_db "${TEST_DB}_2"
    fi
fi

if [ "$JOBS" -gt 1 ]; then
    wait "$OOP_PID"
    say "out-of-process tests (run beside the addon's tests): $OUT/pytest-tests-*.log"
    for log in "$OUT"/pytest-tests-*.log; do
        grep -vE "^\s*$" "$log" | cut -c1-300 | tail -25
    done
else
    out_of_process
fi

lint_and_wheel_results
[ -z "$INSTALLED_DB" ] || drop_db "$INSTALLED_DB"
say "summary"
"$PY" "$REPO/scripts/summarize.py" --lint-rc "$lint_rc" --wheel-rc "$wheel_rc" --odoo-rc "$odoo_rc" \
    --odoo-log "$OUT/odoo-tests.log" $(printf -- '--junit %s ' "$OUT"/pytest-odoo-*.xml "$OUT"/pytest-tests-*.xml) \
    --min-tours "$MIN_TOURS"
rc=$?
say "done"
exit $rc
