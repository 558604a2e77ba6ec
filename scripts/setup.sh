#!/usr/bin/env bash
# One set-up for every entry point (make run / test / lint / bench-import):
# Odoo source, a virtualenv with the pinned requirements, a reachable PostgreSQL.
# It is idempotent: a second call reuses what the first one made.
# Sourced by the other scripts; on return it exports VENV_PY, ODOO_SRC, PG* vars.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BILLBYTE_CACHE="${BILLBYTE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/billbyte}"
# Official Odoo 18.0 at a pinned point: the last commit on branch 18.0 before
# 2025-05-07 00:00 UTC, i.e. the source of the 18.0 nightly of 2025-05-06.
ODOO_REPO="${ODOO_REPO:-https://github.com/odoo/odoo.git}"
ODOO_BRANCH=18.0
ODOO_PIN_BEFORE="2025-05-07T00:00:00Z"
ODOO_PIN_SINCE="2025-04-20"

die() { echo "billbyte setup: $*" >&2; exit 1; }
say() { echo "billbyte setup: $*" >&2; }

odoo_version_of() {
    # Prints the Odoo series found in folder $1, or nothing.
    local rel="$1/odoo/release.py"
    [ -f "$rel" ] || return 0
    python3 - "$rel" <<'PY' 2>/dev/null || true
import sys, runpy
ns = runpy.run_path(sys.argv[1])
print(ns.get("serie") or ns.get("series") or ns.get("version", ""))
PY
}

check_odoo_src() {
    local dir="$1" found
    found="$(odoo_version_of "$dir")"
    if [ "$found" != "18.0" ]; then
        die "ODOO_SRC=$dir is not an Odoo 18.0 source folder (found: ${found:-no odoo/release.py}); set ODOO_SRC to a folder holding Odoo 18.0's odoo/ tree."
    fi
}

resolve_odoo_src() {
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -d "$ODOO_SRC" ] || die "ODOO_SRC=$ODOO_SRC does not exist (found: nothing); set ODOO_SRC to a folder holding Odoo 18.0's odoo/ tree."
        ODOO_SRC="$(cd "$ODOO_SRC" && pwd)"
        check_odoo_src "$ODOO_SRC"
        return
    fi
    local cached="$BILLBYTE_CACHE/odoo-18.0"
    if [ -f "$cached/odoo/release.py" ]; then
        ODOO_SRC="$cached"
        check_odoo_src "$ODOO_SRC"
        return
    fi
    say "no Odoo source in ODOO_SRC nor in $cached: cloning $ODOO_REPO ($ODOO_BRANCH, pinned to the last commit before $ODOO_PIN_BEFORE)"
    mkdir -p "$BILLBYTE_CACHE"
    local tmp="$cached.partial"
    rm -rf "$tmp"
    if git clone --quiet --single-branch --branch "$ODOO_BRANCH" --shallow-since="$ODOO_PIN_SINCE" "$ODOO_REPO" "$tmp" 2>/dev/null; then
        local sha
        sha="$(git -C "$tmp" rev-list -1 --before="$ODOO_PIN_BEFORE" HEAD)"
        git -C "$tmp" -c advice.detachedHead=false checkout --quiet "$sha"
        mv "$tmp" "$cached"
        ODOO_SRC="$cached"
        check_odoo_src "$ODOO_SRC"
    else
        rm -rf "$tmp"
        die "Odoo 18.0 source is missing: not in ODOO_SRC, not in $cached, and cloning $ODOO_REPO failed; set ODOO_SRC=/path/to/odoo-18.0 (a folder with odoo/release.py)."
    fi
}

ensure_debian_packages() {
    # psycopg2 builds from source and needs pg_config (libpq-dev).
    local missing=()
    command -v pg_config >/dev/null 2>&1 || missing+=(libpq-dev)
    if [ ${#missing[@]} -gt 0 ]; then
        if can_install; then
            say "installing Debian packages: ${missing[*]}"
            apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
                || die "could not install ${missing[*]} with apt-get; install them and retry."
        else
            die "missing system packages: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})."
        fi
    fi
}

ensure_test_system_packages() {
    # Odoo's own tests (make test-odoo) print PDFs with wkhtmltopdf and run
    # browser tours in Chromium (found on PATH as `chromium`). Checked on every
    # run, installed once; where that is impossible, those tests fail or skip.
    local missing=()
    command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
    command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 \
        || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
    [ ${#missing[@]} -gt 0 ] || return 0
    if can_install; then
        say "installing Debian packages for Odoo's PDF and browser tests: ${missing[*]} (first run only)"
        if ! { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; }; then
            say "could not install ${missing[*]} with apt-get: Odoo's PDF and browser tests will fail or be skipped"
        fi
    else
        say "missing ${missing[*]} (apt-get install ${missing[*]}): Odoo's PDF and browser tests will fail or be skipped"
    fi
}

ensure_venv() {
    local hash
    hash="$( (cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements.txt"; python3 --version) | sha1sum | cut -c1-12)"
    VENV="${BILLBYTE_VENV:-$BILLBYTE_CACHE/venv-$hash}"
    if [ -f "$VENV/.billbyte-ready" ]; then
        :
    else
        ensure_debian_packages
        say "creating virtualenv $VENV (first run only; takes a few minutes)"
        rm -rf "$VENV"
        python3 -m venv "$VENV"
        local constraints="$BILLBYTE_CACHE/pip-constraints.txt"
        # cbor2's pinned sdist does not build with setuptools>=70.
        echo "setuptools<70" > "$constraints"
        "$VENV/bin/pip" install -q --upgrade "pip<25" wheel
        # python-ldap is only for auth_ldap, which we do not use.
        grep -v -i '^python-ldap' "$ODOO_SRC/requirements.txt" > "$BILLBYTE_CACHE/odoo-requirements.txt"
        PIP_CONSTRAINT="$constraints" "$VENV/bin/pip" install -q -r "$BILLBYTE_CACHE/odoo-requirements.txt" \
            || die "installing Odoo's Python requirements failed (see pip's output above)."
        PIP_CONSTRAINT="$constraints" "$VENV/bin/pip" install -q -r "$ROOT/requirements.txt" \
            || die "installing requirements.txt failed (see pip's output above)."
        touch "$VENV/.billbyte-ready"
    fi
    # OCA addons are wheels that declare odoo==18.0.* which pip cannot see
    # from a source folder: install them without resolving that, again
    # whenever requirements-oca.txt changes.
    local oca_stamp
    oca_stamp="$VENV/.billbyte-oca-$(sha1sum < "$ROOT/requirements-oca.txt" | cut -c1-12)"
    if [ ! -f "$oca_stamp" ]; then
        "$VENV/bin/pip" install -q --no-deps -r "$ROOT/requirements-oca.txt" \
            || die "installing requirements-oca.txt failed."
        rm -f "$VENV"/.billbyte-oca-*
        touch "$oca_stamp"
    fi
    # Odoo itself: the source folder on the venv's path (a .pth file), so that
    # changing ODOO_SRC needs no reinstall.
    local site
    site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    echo "$ODOO_SRC" > "$site/billbyte-odoo.pth"
    VENV_PY="$VENV/bin/python"
}

ensure_tools_venv() {
    # Test tools (moto's server, trustme) need newer libraries than Odoo pins:
    # they get a small venv of their own, run by the tests as subprocesses.
    local hash
    hash="$( (cat "$ROOT/requirements-tools.txt"; python3 --version) | sha1sum | cut -c1-12)"
    local tools="$BILLBYTE_CACHE/tools-venv-$hash"
    if [ ! -f "$tools/.billbyte-ready" ]; then
        say "creating the test tools virtualenv $tools (first run only)"
        rm -rf "$tools"
        python3 -m venv "$tools"
        "$tools/bin/pip" install -q -r "$ROOT/requirements-tools.txt" \
            || die "installing requirements-tools.txt failed (see pip's output above)."
        touch "$tools/.billbyte-ready"
    fi
    BILLBYTE_TOOLS_PY="$tools/bin/python"
}

can_install() {
    [ -z "${BILLBYTE_NO_INSTALL:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null
}

pg_answers() {
    pg_isready -q -h "$1" -p "$2" 2>/dev/null && psql -h "$1" -p "$2" -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
    # The server the environment (PGHOST/PGPORT) or odoo.conf (db_host/db_port)
    # names; when none is named, the local socket or 127.0.0.1:5432; if that does
    # not answer, a cluster of our own under .pgdata/ (installing Debian's
    # PostgreSQL when needed).
    export PGUSER="${PGUSER:-$(id -un)}"
    local conf_host conf_port
    conf_host="$(sed -n 's/^db_host *= *//p' "$ROOT/odoo.conf" | grep -v -x -i 'false' || true)"
    conf_port="$(sed -n 's/^db_port *= *//p' "$ROOT/odoo.conf" | grep -v -x -i 'false' || true)"
    local named_host="${PGHOST:-$conf_host}" named_port="${PGPORT:-${conf_port:-5432}}"
    if [ -n "$named_host" ]; then
        if pg_answers "$named_host" "$named_port"; then
            export PGHOST="$named_host" PGPORT="$named_port"; return
        fi
        say "PostgreSQL at $named_host:$named_port does not answer"
    else
        local host
        for host in /var/run/postgresql 127.0.0.1; do
            if pg_answers "$host" 5432; then
                export PGHOST="$host" PGPORT=5432; return
            fi
        done
    fi
    local own="$ROOT/.pgdata" port=54329
    if [ -f "$own/PG_VERSION" ] && pg_answers "$own" "$port"; then
        export PGHOST="$own" PGPORT="$port"; return
    fi
    local bindir="${BILLBYTE_PG_BINDIR:-}"
    [ -n "$bindir" ] || bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
    if [ ! -x "$bindir/initdb" ]; then
        if can_install; then
            say "no PostgreSQL answers: installing Debian's postgresql"
            (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1 \
                || die "PostgreSQL is unreachable and could not be installed; start one and set PGHOST/PGPORT (or db_host/db_port in odoo.conf)."
            bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
        else
            die "PostgreSQL is unreachable and cannot be installed here; start one and set PGHOST/PGPORT (or db_host/db_port in odoo.conf)."
        fi
    fi
    local runas=()
    [ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
    if [ ! -f "$own/PG_VERSION" ]; then
        say "starting a PostgreSQL cluster of our own in $own"
        mkdir -p "$own" && { [ "$(id -u)" != 0 ] || chown postgres "$own"; }
        "${runas[@]}" "$bindir/initdb" -D "$own" -U "$PGUSER" --auth=trust >/dev/null \
            || { rm -rf "$own"; die "PostgreSQL is unreachable: initdb failed in $own."; }
    fi
    "${runas[@]}" "$bindir/pg_ctl" -D "$own" -l "$own/server.log" -o "-p $port -k $own -c listen_addresses=''" -w start >/dev/null \
        || die "PostgreSQL is unreachable: the cluster in $own did not start (see $own/server.log)."
    export PGHOST="$own" PGPORT="$port"
}

resolve_odoo_src
ensure_venv
ensure_test_system_packages
ensure_tools_venv
ensure_postgres
export ODOO_SRC VENV_PY BILLBYTE_CACHE ROOT BILLBYTE_TOOLS_PY
