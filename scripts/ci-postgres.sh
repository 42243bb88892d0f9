#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the store test suite and print how to reach it.
#
#   eval "$(scripts/ci-postgres.sh)"          # start; exports BOLT_EXEC_TEST_PG_URL (+ _DIR)
#   scripts/ci-postgres.sh stop [DIR]         # stop it and delete its files
#
# On a bare Debian machine as root it installs PostgreSQL from Debian packages if no
# server binaries are found. The cluster lives in a fresh temp dir owned by a non-root
# user (PostgreSQL refuses to run as root): "postgres" if it exists, else a system user
# "bolt-pg" created for the purpose. The server listens on 127.0.0.1 only, on a free
# port, with password (scram-sha-256) authentication and fsync on, so the suite runs
# against a server configured like a real one.
#
# stdout carries only shell `export` lines (for eval); progress goes to stderr.
set -euo pipefail

log() { printf 'ci-postgres: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

find_bin_dir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"; return 0
    fi
    return 1
}

as_owner() {  # run a command as the cluster owner (ourselves when not root)
    if [[ "$(id -u)" == 0 ]]; then
        if command -v runuser >/dev/null 2>&1; then runuser -u "$OWNER" -- "$@"
        else su -s /bin/sh "$OWNER" -c "$(printf '%q ' "$@")"; fi
    else
        "$@"
    fi
}

stop_cluster() {
    local dir="${1:-${BOLT_EXEC_TEST_PG_DIR:-}}"
    [[ -n "$dir" && -d "$dir/data" ]] || die "no cluster directory given (pass DIR or set BOLT_EXEC_TEST_PG_DIR)"
    local bin; bin="$(find_bin_dir)" || die "PostgreSQL binaries not found"
    OWNER="$(stat -c %U "$dir/data")"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || log "server was not running"
    rm -rf -- "$dir"
    log "stopped and removed $dir"
}

if [[ "${1:-}" == "stop" ]]; then stop_cluster "${2:-}"; exit 0; fi

BIN="$(find_bin_dir)" || {
    [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed; as root run: apt-get update && apt-get install -y postgresql"
    log "installing PostgreSQL from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2 && apt-get install -y --no-install-recommends postgresql >&2
    BIN="$(find_bin_dir)" || die "PostgreSQL installed but initdb/pg_ctl not found"
}
log "using $BIN"

if [[ "$(id -u)" == 0 ]]; then
    if id postgres >/dev/null 2>&1; then OWNER=postgres
    else
        OWNER=bolt-pg
        id "$OWNER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$OWNER"
    fi
else
    OWNER="$(id -un)"
fi

PY="$(command -v python3 || command -v python || true)"
free_port() {
    if [[ -n "$PY" ]]; then
        "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $(( 20000 + RANDOM % 20000 ))
    fi
}

DIR="$(mktemp -d /tmp/bolt-exec-pg.XXXXXX)"
chmod 755 "$DIR"
mkdir -p "$DIR/data" "$DIR/sock"
DB_USER=bolt
DB_NAME=bolt_exec_test
DB_PASS="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$DB_PASS" > "$DIR/pwfile"
chown -R "$OWNER" "$DIR"
chmod 700 "$DIR/data"; chmod 600 "$DIR/pwfile"

log "initdb in $DIR/data (owner $OWNER)"
as_owner "$BIN/initdb" -D "$DIR/data" -U "$DB_USER" --pwfile="$DIR/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --no-instructions >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }

PORT=""
for _ in 1 2 3 4 5; do
    PORT="$(free_port)"
    if as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR/sock -c fsync=on" start >&2; then
        break
    fi
    log "port $PORT did not work; retrying"; PORT=""
done
[[ -n "$PORT" ]] || { cat "$DIR/server.log" >&2; die "server did not start"; }

as_owner env PGPASSWORD="$DB_PASS" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$DB_USER" "$DB_NAME" >&2 \
    || die "createdb failed"
rm -f "$DIR/pwfile"

URL="postgresql+psycopg://$DB_USER:$DB_PASS@127.0.0.1:$PORT/$DB_NAME"
log "PostgreSQL ready on 127.0.0.1:$PORT (database $DB_NAME); stop with: scripts/ci-postgres.sh stop $DIR"
printf 'export BOLT_EXEC_TEST_PG_URL=%q\n' "$URL"
printf 'export BOLT_EXEC_TEST_PG_DIR=%q\n' "$DIR"
