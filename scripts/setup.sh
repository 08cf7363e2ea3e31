#!/usr/bin/env bash
# Make this machine ready to run and test Serene Client Portal.
#
#   ODOO_SRC=/path/to/odoo-19.0-source scripts/setup.sh
#
# Installs Odoo 19 from ODOO_SRC (or, when unset and Odoo is not importable yet, from
# Odoo's official 19.0 source release), Odoo's Python requirements and the project's own
# (requirements-dev.txt), the Debian packages they need to build, and Chromium for the
# browser tours. Afterwards plain `python3 -c "import odoo"` works in any new shell.
# Idempotent: a second run only checks.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "install these system packages first: ${missing[*]}"
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# 1. System packages: build deps of Odoo's requirements, Chromium for tours, wkhtmltopdf for
#    PDF reports (the access letter), poppler-utils to read them back in the tests and wrk,
#    the load generator of `make bench`.
apt_install libldap2-dev libsasl2-dev libpq-dev chromium wkhtmltopdf poppler-utils wrk

# 2. Odoo itself.
odoo_importable() { "$PY" -c 'import odoo.release, sys; sys.exit(odoo.release.version_info[0] != 19)' 2>/dev/null; }
if [ -z "${ODOO_SRC:-}" ] && ! odoo_importable; then
    ODOO_SRC=${ODOO_CACHE:-/opt/odoo-19.0}
    if [ ! -f "$ODOO_SRC/odoo/release.py" ]; then
        say "no ODOO_SRC given: downloading Odoo's official 19.0 source release into $ODOO_SRC"
        tmp=$(mktemp -d)
        curl -fsSL --retry 3 -o "$tmp/odoo.tar.gz" https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz \
            || die "cannot download Odoo 19.0; give a source tree with ODOO_SRC=/path/to/odoo"
        mkdir -p "$ODOO_SRC"
        tar -xzf "$tmp/odoo.tar.gz" -C "$ODOO_SRC" --strip-components=1
        rm -rf "$tmp"
    fi
fi
site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
if [ -n "${ODOO_SRC:-}" ]; then
    ODOO_SRC=$(cd "$ODOO_SRC" && pwd)
    [ -f "$ODOO_SRC/odoo/release.py" ] || die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree (no odoo/release.py)"
    grep -q "version_info = (19," "$ODOO_SRC/odoo/release.py" || die "ODOO_SRC=$ODOO_SRC is not Odoo 19"
    # A .pth file puts the source tree on every interpreter's path: no copy, no env var.
    echo "$ODOO_SRC" > "$site/odoo19-src.pth"
    say "Odoo source: $ODOO_SRC (linked through $site/odoo19-src.pth)"
fi
ODOO_SRC=$("$PY" -c 'import importlib.util as u, os; print(os.path.dirname(list(u.find_spec("odoo").submodule_search_locations)[0]))' 2>/dev/null) \
    || die "python3 cannot import odoo; run again with ODOO_SRC=/path/to/odoo-19.0"

# 3. Python requirements (Odoo's, then the project's). Skipped when the stamp matches.
stamp="$site/.serene-setup-stamp"
want=$(cat "$ODOO_SRC/requirements.txt" "$here/requirements-dev.txt" | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python requirements (Odoo's and the project's)"
    "$PY" -m pip install -q --upgrade pip
    constraints=$(mktemp)
    echo 'setuptools<80' > "$constraints"   # cbor2 5.4 does not build with setuptools 80
    PIP_BUILD_CONSTRAINT="$constraints" PIP_CONSTRAINT="" \
        "$PY" -m pip install -q -c "$constraints" -r "$ODOO_SRC/requirements.txt"
    "$PY" -m pip install -q -r "$here/requirements-dev.txt"
    rm -f "$constraints"
    echo "$want" > "$stamp"
else
    say "Python requirements already installed"
fi
odoo_importable || die "python3 still cannot import Odoo 19"
"$PY" -c 'import websocket, qrcode, pytest_odoo, aiosmtpd' || die "project requirements missing"

# 4. axe-core for the accessibility check of the portal pages (npm registry, cached per user).
axe_dir=${XDG_CACHE_HOME:-$HOME/.cache}/serene-client-portal
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
    command -v npm >/dev/null || apt_install npm
    say "installing axe-core into $axe_dir"
    npm install --silent --no-audit --no-fund --prefix "$axe_dir" axe-core@4.10.3 >/dev/null
fi

# 5. PostgreSQL must answer (standard PG* variables; default local socket, then 127.0.0.1).
if ! "$here/scripts/pg.sh" check; then
    die "PostgreSQL does not answer. Start it (e.g. 'pg_ctlcluster 15 main start'), or point PGHOST/PGPORT/PGUSER at a server where PGUSER may create databases."
fi
say "ready: Odoo $("$PY" -c 'import odoo.release as r; print(r.version)') from $ODOO_SRC, $(chromium --version 2>/dev/null || echo 'no chromium')"
