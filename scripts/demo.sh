#!/usr/bin/env bash
# Build (or update) the demo database and serve it on http://localhost:8069, with a local
# mailbox that keeps every email the demo sends (http://localhost:8025, .demo-mail/).
#   scripts/demo.sh            build/update, print logins and a portal URL, then serve
#   DEMO_DB=name PORT=8069 SMTP_PORT=2525 MAIL_PORT=8025 MAIL_DIR=.demo-mail scripts/demo.sh
#   scripts/demo.sh --no-serve build/update and print only (no mailbox, no mail server set)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DB=${DEMO_DB:-serene_demo}
PORT=${PORT:-8069}
SMTP_PORT=${SMTP_PORT:-2525}
MAIL_PORT=${MAIL_PORT:-8025}
MAIL_DIR=${MAIL_DIR:-$REPO/.demo-mail}
SERVE=1
[ "${1:-}" = "--no-serve" ] && SERVE=
require_odoo
require_pg

if psql -X -d postgres -Atqc "select 1 from pg_database where datname = '$DB'" | grep -q 1; then
    echo "[demo] updating $DB"
    odoo -d "$DB" -u serene_client_portal --stop-after-init --log-level=warn
else
    echo "[demo] creating $DB with demo data (about a minute)"
    rm -rf "$MAIL_DIR"   # the mailbox of an earlier demo database
    odoo -d "$DB" --with-demo -i "$ODOO_DEPS,serene_client_portal" --stop-after-init --log-level=warn
fi

if [ -n "$SERVE" ]; then
    # The mailbox first: Odoo sends the demo's queued emails as soon as it serves.
    "$PY" "$REPO/scripts/demo_mail.py" --smtp-port "$SMTP_PORT" --http-port "$MAIL_PORT" --dir "$MAIL_DIR" &
    mailbox=$!
    trap 'kill "$mailbox" 2>/dev/null || true' EXIT
    for _ in $(seq 100); do
        kill -0 "$mailbox" 2>/dev/null || { echo "[demo] the mailbox did not start (ports $SMTP_PORT, $MAIL_PORT: set SMTP_PORT, MAIL_PORT)" >&2; exit 1; }
        "$PY" -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$MAIL_PORT" 2>/dev/null && break
        sleep 0.1
    done
fi

url=$("$PY" - "$DB" "$PORT" "$ADDONS_PATH" "${SERVE:+$SMTP_PORT}" <<'PY'
import sys
import odoo
from odoo.modules.registry import Registry
from odoo.tools import config
db, port, addons_path, smtp_port = sys.argv[1:5]
config.parse_config([f"--addons-path={addons_path}", "--log-level=warn", "--http-interface=127.0.0.1"])
with Registry(db).cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    env["ir.config_parameter"].set_param("web.base.url", f"http://localhost:{port}")
    if smtp_port:
        # The demo database's outgoing mail server: the demo's mailbox (scripts/demo_mail.py).
        # Set here, for this database only, never by the addon or its data.
        values = {"name": "Demo mailbox (scripts/demo_mail.py)", "smtp_host": "127.0.0.1",
                  "smtp_port": int(smtp_port), "smtp_encryption": "none", "smtp_authentication": "login",
                  "smtp_user": False, "smtp_pass": False, "from_filter": False, "sequence": 1, "active": True}
        server = env["ir.mail_server"].with_context(active_test=False).search([("name", "=", values["name"])])
        server.write(values) if server else server.create(values)
        # The emails the demo data queued go out as soon as Odoo serves.
        env.ref("mail.ir_cron_mail_scheduler_action")._trigger()
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
[ -n "$SERVE" ] || exit 0
cat <<MSG
  Every email the demo sends (no email leaves this machine): http://localhost:$MAIL_PORT/
    (also as files: $MAIL_DIR/<recipient>/<time>-<subject>.eml and .html)
  Text messages are not sent (Odoo sends them through its paid IAP service): they show
  "Failed" with their reason on the client's Client Portal tab.

MSG
# Odoo in the background, so that the mailbox stops with it: Ctrl-C reaches both (one process
# group); a TERM to this script is passed on to Odoo; the mailbox goes when this script ends.
"$PY" "${ODOO_MAIN[@]}" --addons-path="$ADDONS_PATH" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT" --http-interface=127.0.0.1 &
server=$!
trap ':' INT
trap 'kill "$server" 2>/dev/null || true' TERM
wait "$server" || true
wait "$server" 2>/dev/null || true
