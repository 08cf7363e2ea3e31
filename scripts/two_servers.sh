#!/usr/bin/env bash
# Two Odoo servers on one database and one file store, as two machines behind a load balancer.
#
#   scripts/two_servers.sh [-d DB] [-D DATA_DIR] [-p PORT_A,PORT_B] [-r RUN_DIR] [-- ODOO OPTIONS...]
#       starts server A and server B (each --workers=2 --max-cron-threads=1) on the same
#       database, the same --data-dir and the same --db-filter, prints their URLs, and waits:
#       Ctrl-C (or SIGTERM) stops both cleanly. Options after "--" go to both servers
#       (e.g. --proxy-mode, --smtp=..., --log-handler=...).
#   scripts/two_servers.sh stop [-d DB | -r RUN_DIR]
#       stops the servers started with that run directory (from another shell).
#
# Defaults: DB=serene_demo (make demo), DATA_DIR=Odoo's default, free ports, RUN_DIR
# ${TMPDIR:-/tmp}/serene-two-servers-DB (pid files, server-a.log, server-b.log, urls).
#
# What the two share: the database (counters, one-time codes, cron locks live there), the file
# store (DATA_DIR/filestore/DB: attachments) and the HTTP sessions, which Odoo 19 keeps as
# files under DATA_DIR/sessions: sharing the data dir shares sessions, so a visit verified on
# one server is honoured on the other. On separate machines, DATA_DIR is a shared mount.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

command=start
if [ "${1:-}" = stop ] || [ "${1:-}" = start ]; then
    command=$1
    shift
fi
DB=${DB:-serene_demo}
DATA_DIR=${DATA_DIR:-}
PORTS=${PORTS:-}
RUN_DIR=${RUN_DIR:-}
INTERFACE=${INTERFACE:-127.0.0.1}
while [ $# -gt 0 ]; do
    case $1 in
        -d) DB=$2; shift 2 ;;
        -D) DATA_DIR=$2; shift 2 ;;
        -p) PORTS=$2; shift 2 ;;
        -r) RUN_DIR=$2; shift 2 ;;
        -h | --help) usage ;;
        --) shift; break ;;
        *) echo "unknown option $1" >&2; usage 2 ;;
    esac
done
EXTRA=("$@")
RUN_DIR=${RUN_DIR:-${TMPDIR:-/tmp}/serene-two-servers-$DB}

# Stop one server: SIGTERM to its main process (it stops its workers gracefully), SIGKILL to
# its process group if it is still there after 60 seconds.
stop_server() {
    local name=$1 pid
    pid=$(cat "$RUN_DIR/$name.pid" 2>/dev/null) || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 600); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "[two-servers] server $name did not stop in 60 s: killing it" >&2
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$RUN_DIR/$name.pid"
}

stop_all() {
    stop_server a &
    stop_server b &
    wait
    echo "[two-servers] stopped"
}

if [ "$command" = stop ]; then
    [ -d "$RUN_DIR" ] || { echo "[two-servers] nothing runs from $RUN_DIR" >&2; exit 0; }
    stop_all
    exit 0
fi

require_odoo
require_pg
if ! psql -X -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    echo "FATAL: database $DB does not exist (make demo creates serene_demo)" >&2
    exit 3
fi
mkdir -p "$RUN_DIR"
for name in a b; do
    if [ -f "$RUN_DIR/$name.pid" ] && kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
        echo "FATAL: server $name already runs from $RUN_DIR (scripts/two_servers.sh stop -r $RUN_DIR)" >&2
        exit 3
    fi
done

# Two HTTP ports and two websocket (gevent) ports: each server spawns its own gevent process.
free_ports() {
    "$PY" - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
if [ -n "$PORTS" ]; then
    read -r PORT_A PORT_B <<<"${PORTS/,/ }"
    read -r GEVENT_A GEVENT_B <<<"$(free_ports 2)"
else
    read -r PORT_A PORT_B GEVENT_A GEVENT_B <<<"$(free_ports 4)"
fi

# With --workers each server also runs a websocket (gevent) process; when gevent cannot load
# its plugins, the server restarts it in a loop that takes about half a core.
if ! "$PY" -c 'import pkg_resources; pkg_resources.require("gevent")' >/dev/null 2>&1; then
    echo "[two-servers] WARNING: gevent's requirements do not resolve here (check:" \
        "python3 -c 'import pkg_resources; pkg_resources.require(\"gevent\")'); each server will restart" \
        "its websocket process over and over. tests/test_two_servers.py shows a workaround." >&2
fi
COMMON=(
    -d "$DB"
    --db-filter="^${DB}\$"
    --workers=2
    --max-cron-threads=1
    --http-interface="$INTERFACE"
)
[ -n "$DATA_DIR" ] && COMMON+=(--data-dir="$DATA_DIR")

# Job control: each server runs in its own process group, so a Ctrl-C in this terminal reaches
# this script only, which then stops each server once (a second signal would force it).
set -m
trap 'trap - INT TERM; echo; stop_all; exit 0' INT TERM

start_server() {
    local name=$1 port=$2 gevent=$3
    # Python itself in the background (not a shell function), so that $! is the server's pid.
    "$PY" "${ODOO_MAIN[@]}" --addons-path="$ADDONS_PATH" "${COMMON[@]}" --http-port="$port" \
        --gevent-port="$gevent" "${EXTRA[@]}" >"$RUN_DIR/server-$name.log" 2>&1 &
    echo $! >"$RUN_DIR/$name.pid"
}
start_server a "$PORT_A" "$GEVENT_A"
start_server b "$PORT_B" "$GEVENT_B"

# Ready when both answer /web/login (the database's registry is loaded).
ready() {
    "$PY" - "$INTERFACE" "$PORT_A" "$PORT_B" <<'PY'
import sys, urllib.request
host = "127.0.0.1" if sys.argv[1] in ("0.0.0.0", "::") else sys.argv[1]
for port in sys.argv[2:]:
    try:
        urllib.request.urlopen(f"http://{host}:{port}/web/login", timeout=30).read()
    except Exception:
        sys.exit(1)
PY
}
for _ in $(seq 120); do
    ready && break
    for name in a b; do
        if ! kill -0 "$(cat "$RUN_DIR/$name.pid" 2>/dev/null || echo 0)" 2>/dev/null; then
            echo "FATAL: server $name exited; its log:" >&2
            tail -30 "$RUN_DIR/server-$name.log" >&2
            stop_all
            exit 1
        fi
    done
    sleep 1
done
if ! ready; then
    echo "FATAL: the servers did not answer in 2 minutes; logs in $RUN_DIR" >&2
    stop_all
    exit 1
fi

host=$INTERFACE
[ "$host" = 0.0.0.0 ] && host=127.0.0.1
printf 'A http://%s:%s\nB http://%s:%s\n' "$host" "$PORT_A" "$host" "$PORT_B" >"$RUN_DIR/urls"
echo "[two-servers] database $DB, data dir ${DATA_DIR:-(Odoo default)} (file store and sessions shared)"
echo "[two-servers] server A: http://$host:$PORT_A (log $RUN_DIR/server-a.log)"
echo "[two-servers] server B: http://$host:$PORT_B (log $RUN_DIR/server-b.log)"
echo "[two-servers] ready; Ctrl-C or 'scripts/two_servers.sh stop -r $RUN_DIR' stops both"

# Wait for either server to end (stopped from another shell, or crashed), then stop the other.
wait -n || true
stop_all
