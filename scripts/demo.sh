#!/usr/bin/env bash
# Build (or update) the demo database and serve it on http://localhost:8069.
#   scripts/demo.sh            build/update, print logins and a portal URL, then serve
#   DEMO_DB=name PORT=8069 scripts/demo.sh
#   scripts/demo.sh --no-serve build/update and print only
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DB=${DEMO_DB:-serene_demo}
PORT=${PORT:-8069}
require_odoo
require_pg

if psql -X -d postgres -Atqc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
    echo "[demo] updating $DB"
    odoo -d "$DB" -u serene_client_portal --stop-after-init --log-level=warn
else
    echo "[demo] creating $DB with demo data (about a minute)"
    odoo -d "$DB" --with-demo -i "$ODOO_DEPS,serene_client_portal" --stop-after-init --log-level=warn
fi

url=$("$PY" - "$DB" "$PORT" "$ADDONS_PATH" <<'PY'
import sys
import odoo
from odoo.modules.registry import Registry
from odoo.tools import config
db, port, addons_path = sys.argv[1:4]
config.parse_config([f"--addons-path={addons_path}", "--log-level=warn", "--http-interface=127.0.0.1"])
with Registry(db).cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    env["ir.config_parameter"].set_param("web.base.url", f"http://localhost:{port}")
    client = env.ref("serene_client_portal.client_jordan")
    print(client.client_portal_id._new_access_url())
PY
)
cat <<MSG

  Serene Client Portal demo — http://localhost:$PORT/web/login

  Logins (login / password):
    admin   / admin    administrator, practice manager
    manager / manager  Dana Whitfield, practice manager
    maya    / maya     Dr. Maya Patel, therapist (note owner of Avery, Jordan, Taylor, Casey)
    leo     / leo      Dr. Leo Chen, therapist (note owner of Riley, Morgan, Quinn, Drew)
    team    / team     Sam Okafor, care-team member (view only: Jordan, Quinn)

  Jordan Rivera's client portal (a fresh access link):
    $url

MSG
[ "${1:-}" = "--no-serve" ] && exit 0
exec "$PY" "${ODOO_MAIN[@]}" --addons-path="$ADDONS_PATH" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT" --http-interface=127.0.0.1
