# shellcheck shell=bash
# Shared helpers for scripts/run and scripts/test. Sourced, not executed.
# Everything here is idempotent: a second call finds what the first one made.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"           # git-ignored: venv, config, private PostgreSQL cluster, logs
VENV="$ROOT/.venv"
CONF="$LOCAL/odoo.conf"
mkdir -p "$LOCAL"

log() { printf '\033[1m[credit_management]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[credit_management] %s\033[0m\n' "$*" >&2; exit 1; }

# --- Odoo discovery -----------------------------------------------------------
# Order: an importable `odoo` in the active environment, $ODOO_SRC, /opt/odoo-src
# (then /opt/odoo, the other usual place).
find_odoo() {
    local py="${PYTHON:-python3}"
    if [ -n "${VIRTUAL_ENV:-}" ] || [ -n "${CONDA_PREFIX:-}" ]; then
        if "$py" -c 'import odoo.release, sys; sys.exit(odoo.release.version_info[0] != 19)' 2>/dev/null; then
            ODOO_PY="$(command -v "$py")"
            ODOO_MODE=active
            ODOO_SRC_DIR="$("$py" -c 'import os, odoo; print(os.path.dirname(os.path.dirname(odoo.__file__)))')"
            return
        fi
    fi
    local candidate
    for candidate in "${ODOO_SRC:-}" /opt/odoo-src /opt/odoo; do
        if [ -n "$candidate" ] && [ -f "$candidate/odoo/release.py" ] && [ -f "$candidate/requirements.txt" ]; then
            ODOO_SRC_DIR="$candidate"
            ODOO_MODE=venv
            return
        fi
    done
    die "Odoo 19.0 Community was not found.
  Looked for: an importable 'odoo' (19.0) in the active virtualenv, \$ODOO_SRC, /opt/odoo-src, /opt/odoo.
  Get it with either of:
    git clone --depth 1 --branch 19.0 https://github.com/odoo/odoo /opt/odoo-src
    or download the official 19.0 nightly source tarball (odoo_19.0.latest.tar.gz from the Odoo nightly server) and unpack it to /opt/odoo-src
  then run this command again (or point ODOO_SRC at the tree)."
}

# --- System packages (Debian/Ubuntu, as root; otherwise just report) -----------
ensure_system_packages() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
    command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
    [ -f /usr/include/lber.h ] || missing+=(libldap2-dev)
    [ -f /usr/include/sasl/sasl.h ] || missing+=(libsasl2-dev)
    command -v pg_config >/dev/null 2>&1 || [ -x "$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -n1)/pg_config" ] || missing+=(libpq-dev)
    [ ${#missing[@]} -eq 0 ] && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing system packages: ${missing[*]}"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        die "missing system packages: ${missing[*]} (install them with: sudo apt-get install ${missing[*]})"
    fi
}

# --- Python environment --------------------------------------------------------
# A virtualenv at $1 (created if missing) with Odoo's requirements, Odoo itself
# from $ODOO_SRC_DIR (editable) and the test tools, all under Odoo's pins. Used for
# .venv and for the fresh virtualenv of scripts/wheel_check.
install_odoo_venv() {
    local venv="$1" py="$1/bin/python"
    [ -x "$py" ] || python3 -m venv "$venv"
    "$py" -m pip install -q --disable-pip-version-check -r "$ODOO_SRC_DIR/requirements.txt"
    # Compat mode (a plain path in a .pth, no import finder), so that
    # odoo-addon-* wheels installed later extend odoo.addons instead of
    # shadowing it; pip < 23.3 applies --config-settings only with PEP 517.
    "$py" -m pip install -q --disable-pip-version-check --use-pep517 -e "$ODOO_SRC_DIR" \
        -c "$ODOO_SRC_DIR/requirements.txt" --config-settings editable_mode=compat
    "$py" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-dev.txt" \
        -c "$ODOO_SRC_DIR/requirements.txt"
}

ensure_python() {
    if [ "$ODOO_MODE" = active ]; then
        PY="$ODOO_PY"
    else
        PY="$VENV/bin/python"
        local stamp="$VENV/.credit_management-$( (cat "$ODOO_SRC_DIR/requirements.txt" "$ROOT/requirements-dev.txt"; echo editable-compat-pep517) | sha1sum | cut -c1-12)"
        if [ ! -f "$stamp" ] || ! "$PY" -c 'import odoo' 2>/dev/null; then
            log "creating virtualenv $VENV with Odoo from $ODOO_SRC_DIR"
            install_odoo_venv "$VENV"
            rm -f "$VENV"/.credit_management-*
            touch "$stamp"
        fi
    fi
    BIN="$(dirname "$PY")"
    # The server as an installed Odoo starts it: the prefork server re-executes
    # sys.argv[0] for its long-polling process, which `python -m odoo` cannot be.
    if [ -x "$BIN/odoo" ]; then
        ODOO_SERVER=("$BIN/odoo")
    else
        ODOO_SERVER=("$PY" "$ODOO_SRC_DIR/odoo-bin")
    fi
    # Linters live in a venv of their own: their pins (polib, ...) differ from Odoo's.
    LINT_VENV="$LOCAL/lint-venv"
    local lint_stamp="$LINT_VENV/.credit_management-$(sha1sum < "$ROOT/requirements-lint.txt" | cut -c1-12)"
    if [ ! -f "$lint_stamp" ]; then
        log "creating the lint virtualenv $LINT_VENV"
        python3 -m venv "$LINT_VENV"
        "$LINT_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-lint.txt"
        rm -f "$LINT_VENV"/.credit_management-*
        touch "$lint_stamp"
    fi
    LINT_BIN="$LINT_VENV/bin"
}

# --- PostgreSQL ------------------------------------------------------------------
# Use the server reachable through PG* variables or 127.0.0.1:5432; otherwise start a
# private cluster under .local/pgdata from the system's PostgreSQL binaries.
pg_bindir() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
    command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)" && return
    return 1
}

ensure_postgres() {
    DB_HOST="${PGHOST:-127.0.0.1}"
    DB_PORT="${PGPORT:-5432}"
    DB_USER="${PGUSER:-$(id -un)}"
    if pg_isready -q -h "$DB_HOST" -p "$DB_PORT" 2>/dev/null \
        && psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -Atc 'select 1' >/dev/null 2>&1; then
        return
    fi
    local bindir pgdata="$LOCAL/pgdata" sock="$LOCAL/pgsock" owner
    bindir="$(pg_bindir)" || die "no PostgreSQL server answers on $DB_HOST:$DB_PORT and no PostgreSQL binaries were found (install: apt-get install postgresql)"
    DB_HOST=127.0.0.1
    DB_PORT="${CREDIT_PG_PORT:-55432}"
    DB_USER=odoo
    owner="$(id -un)"
    # PostgreSQL refuses to run as root: run the private cluster as the postgres (or nobody) user.
    if [ "$(id -u)" = 0 ]; then
        owner="$(id -un postgres 2>/dev/null || echo nobody)"
    fi
    as_owner() { if [ "$(id -un)" = "$owner" ]; then "$@"; else runuser -u "$owner" -- "$@"; fi; }
    mkdir -p "$sock"
    if [ ! -f "$pgdata/PG_VERSION" ]; then
        log "initialising a private PostgreSQL cluster in $pgdata (port $DB_PORT)"
        mkdir -p "$pgdata"
        chown "$owner" "$pgdata" "$sock"
        as_owner "$bindir/initdb" -D "$pgdata" -U odoo --auth=trust -E UTF8 >/dev/null
    fi
    chown "$owner" "$sock"
    if ! as_owner "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
        log "starting the private PostgreSQL cluster on 127.0.0.1:$DB_PORT"
        as_owner "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/postgres.log" -w \
            -o "-p $DB_PORT -k $sock -c listen_addresses=127.0.0.1" start >/dev/null
    fi
}

write_config() {
    local http_port="${CREDIT_HTTP_PORT:-8069}"
    local addons="$ROOT"
    [ "$ODOO_MODE" = venv ] && addons="$ODOO_SRC_DIR/odoo/addons,$ROOT"
    cat > "$CONF" <<CONF
[options]
addons_path = $addons
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
admin_passwd = admin
http_port = $http_port
http_interface = 127.0.0.1
data_dir = $LOCAL/filestore
without_demo = True
CONF
}

setup_all() {
    find_odoo
    ensure_system_packages
    ensure_python
    ensure_postgres
    write_config
    export PGHOST="$DB_HOST" PGPORT="$DB_PORT" PGUSER="$DB_USER"
}

odoo_bin() { "$PY" -m odoo -c "$CONF" "$@"; }

db_exists() { psql -d postgres -Atc "select 1 from pg_database where datname = '$1'" | grep -q 1; }

# The log of an Odoo run that installed the addons and ran their tests
# (--test-tags /credit_management,/credit_management_stock) on database $2, with exit
# code $3: stop on any logged error, failed or errored test, skipped test or browser
# test, or an addon none of whose tests ran.
check_addon_test_log() {
    local log="$1" db="$2" rc="$3" addon
    grep -qE "(ERROR|CRITICAL) $db " "$log" && die "the Odoo test run logged errors (see $log)"
    grep -q "Chrome\|chromium" "$log" && grep -qi "browser.*not found\|skip.*chrome" "$log" \
        && die "a browser test was skipped: no usable Chromium"
    grep -qE "odoo.tests.result: 0 failed, 0 error\(s\) of [1-9][0-9]* tests" "$log" \
        || die "the Odoo test runner did not report a clean run of at least one test (see $log)"
    [ "$rc" = 0 ] || die "odoo exited with $rc (see $log)"
    grep -E "odoo\.addons\.credit_management(_stock)?\.tests.*: skipped " "$log" \
        && die "tests were skipped (see $log): a skipped check is not a passed check"
    for addon in credit_management credit_management_stock; do
        grep -qE "odoo\.addons\.$addon\.tests\.[a-z_]+: Starting " "$log" \
            || die "no test of $addon ran (see $log)"
    done
    return 0
}
