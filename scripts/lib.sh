# Shared by the project's scripts: where Odoo and the addon are, how to run Odoo.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-python3}
ODOO_SRC=$("$PY" -c 'import importlib.util as u, os; s = u.find_spec("odoo"); print(os.path.dirname(list(s.submodule_search_locations)[0]) if s else "")' 2>/dev/null)
ADDONS_PATH="$ODOO_SRC/addons,$REPO"
ODOO_DEPS=portal,website,mail,sms,survey,calendar,resource
# odoo-bin, as the README asks, not "python3 -m odoo": with --workers, Odoo starts its websocket
# (gevent) process as "python3 <argv[0]> gevent", which fails over and over when argv[0] is
# odoo/__main__.py. "-m odoo" only where Odoo was installed without its source tree.
if [ -f "$ODOO_SRC/odoo-bin" ]; then
    ODOO_MAIN=("$ODOO_SRC/odoo-bin")
else
    ODOO_MAIN=(-m odoo)
fi

odoo() {
    "$PY" "${ODOO_MAIN[@]}" --addons-path="$ADDONS_PATH" --http-interface=127.0.0.1 "$@"
}

require_odoo() {
    if ! "$PY" -c 'import odoo.release, sys; sys.exit(odoo.release.version_info[0] != 19)' 2>/dev/null; then
        echo "FATAL: python3 cannot import Odoo 19. Run: ODOO_SRC=/path/to/odoo-19.0 scripts/setup.sh" >&2
        exit 3
    fi
}

require_browser() {
    local chrome
    chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
    if [ -z "$chrome" ]; then
        echo "FATAL: Chromium is missing, so the browser tours cannot run. Install it: apt-get install chromium" >&2
        exit 3
    fi
    if ! "$PY" -c 'import websocket' 2>/dev/null; then
        echo "FATAL: the Python package websocket-client is missing, so the browser tours cannot run. Run scripts/setup.sh" >&2
        exit 3
    fi
}

require_pg() {
    if ! "$REPO/scripts/pg.sh" ensure; then
        echo "FATAL: PostgreSQL does not answer (PGHOST=${PGHOST:-local socket}). Start it, e.g. 'pg_ctlcluster 15 main start'." >&2
        exit 3
    fi
}

# A database with the addon's dependencies and demo data, copied for each test database.
make_base_db() {
    local name=$1
    drop_db "$name"
    odoo -d "$name" --with-demo -i "$ODOO_DEPS" --stop-after-init --log-level=warn >"${2:-/dev/null}" 2>&1
}

# Databases and their filestores go together (attachments live on disk).
drop_db() {
    "$PY" "${ODOO_MAIN[@]}" db drop "$1" >/dev/null 2>&1 || dropdb --if-exists "$1" >/dev/null 2>&1 || true
}

fresh_db() {
    local out
    out=$("$PY" "${ODOO_MAIN[@]}" db duplicate -f "$2" "$1" 2>&1) || { echo "$out" | tail -20; return 1; }
}

# The asset bundles of database $1, generated and committed once (scripts/pregenerate_assets.py).
pregenerate_assets() {
    "$PY" "${ODOO_MAIN[@]}" shell --addons-path="$ADDONS_PATH" -d "$1" --no-http --log-level=warn \
        <"$REPO/scripts/pregenerate_assets.py" 2>&1 | tail -5
}
