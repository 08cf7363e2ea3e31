#!/usr/bin/env bash
# PostgreSQL helper for the project's scripts.
#   pg.sh check   exit 0 when the server answers and the role may create databases
#   pg.sh ensure  start a locally installed cluster that is down, create the role, then check
# Honours the standard PG* variables; defaults to the local socket, then 127.0.0.1.
set -uo pipefail
user=${PGUSER:-$(id -un)}

answers() {
    psql -X -d "${PGDATABASE:-postgres}" -Atqc 'select 1' >/dev/null 2>&1 && return 0
    [ -z "${PGHOST:-}" ] && PGHOST=127.0.0.1 psql -X -d "${PGDATABASE:-postgres}" -Atqc 'select 1' >/dev/null 2>&1
}

may_create() {
    psql -X -d "${PGDATABASE:-postgres}" -Atqc "select rolcreatedb or rolsuper from pg_roles where rolname = current_user" 2>/dev/null | grep -q t
}

case "${1:-check}" in
check)
    answers && may_create ;;
ensure)
    if ! answers && [ -z "${PGHOST:-}" ] && command -v pg_ctlcluster >/dev/null; then
        for version in $(ls /etc/postgresql 2>/dev/null); do
            echo "[pg] starting PostgreSQL $version"
            pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        done
        for _ in $(seq 1 30); do answers && break; sleep 1; done
    fi
    if answers && ! may_create && [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
        # Odoo refuses to run as the postgres role: give the current user its own superuser role.
        runuser -u postgres -- psql -X -qc "create role \"$user\" superuser login" 2>/dev/null \
            || runuser -u postgres -- psql -X -qc "alter role \"$user\" superuser" 2>/dev/null || true
    fi
    answers && may_create ;;
*)
    echo "usage: pg.sh check|ensure" >&2; exit 2 ;;
esac
