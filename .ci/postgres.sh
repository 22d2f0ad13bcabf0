#!/usr/bin/env bash
# A private PostgreSQL cluster for equipshare's tests, for CI and developers.
#
#   .ci/postgres.sh start [DIR]   init (if needed) and start a cluster in DIR
#                                 (default: a new temp dir); prints
#                                 EQUIPSHARE_TEST_PG_URL=... on stdout
#   .ci/postgres.sh replica PRIMARY DIR
#                                 clone the running cluster in PRIMARY into DIR
#                                 (pg_basebackup -R) and start it as its hot
#                                 standby; prints EQUIPSHARE_TEST_PG_REPLICA_URL=...
#   .ci/postgres.sh stop DIR      stop the cluster in DIR (DIR is kept)
#   .ci/postgres.sh status DIR    exit 0 if the cluster in DIR is running
#   .ci/postgres.sh url DIR       print the EQUIPSHARE_TEST_PG_URL=... line
#   .ci/postgres.sh bindir        print the PostgreSQL bin dir (exit 1 if none)
#
# Environment:
#   PGPORT_EQUIPSHARE          port for a new cluster (default: first free of
#                              54329..54348); an existing DIR keeps its port
#   PGPORT_EQUIPSHARE_REPLICA  port for a new replica (default: first free of
#                              54329..54348)
#   EQUIPSHARE_PG_EPHEMERAL=1  trade durability for speed (fsync=off etc.)
#   EQUIPSHARE_PG_OS_USER      OS user running the server when invoked as root
#                              (default equipshare-pg; initdb refuses root)
#   PG_BINDIR                  PostgreSQL bin dir (default: newest
#                              /usr/lib/postgresql/*/bin)
#
# Auth is "trust" and the server listens on 127.0.0.1 only, plus a unix socket
# in DIR/sock. The superuser role is "equipshare", database "postgres".
set -euo pipefail

PG_OS_USER=${EQUIPSHARE_PG_OS_USER:-equipshare-pg}
PG_ROLE=equipshare
PG_DB=postgres

die() { printf 'postgres.sh: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'postgres.sh: %s\n' "$*" >&2; }

usage() {
    sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

find_bindir() {
    if [[ -n ${PG_BINDIR:-} ]]; then
        [[ -x $PG_BINDIR/initdb ]] || return 1
        printf '%s\n' "$PG_BINDIR"
        return 0
    fi
    local d best=""
    # Newest major version wins (sort -V orders 9.6 < 10 < 15 < 16).
    while IFS= read -r d; do
        [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres \
           && -x $d/pg_isready && -x $d/psql ]] && best=$d
    done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V)
    [[ -n $best ]] || return 1
    printf '%s\n' "$best"
}

# Run a command as the unprivileged server owner (or as ourselves if not root).
as_pg() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_os_user() {
    [[ $EUID -eq 0 ]] || return 0
    id -u "$PG_OS_USER" >/dev/null 2>&1 && return 0
    note "creating system user $PG_OS_USER"
    # A concurrent run may win the race; only fail if the user still is missing.
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --comment 'equipshare test PostgreSQL' \
        "$PG_OS_USER" 2>/dev/null || true
    id -u "$PG_OS_USER" >/dev/null 2>&1 || die "could not create user $PG_OS_USER"
}

port_in_use() {
    # Anything accepting TCP on 127.0.0.1:$1?
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The port a new cluster listens on: $1 names the variable that may fix it.
pick_port() {
    local var=${1:-PGPORT_EQUIPSHARE} wanted
    wanted=${!var:-}
    if [[ -n $wanted ]]; then
        if ! [[ $wanted =~ ^[0-9]{1,5}$ ]] || ((10#$wanted < 1 || 10#$wanted > 65535)); then
            die "$var=$wanted is not a port number"
        fi
        port_in_use "$wanted" && die "port $wanted on 127.0.0.1 is already in use"
        printf '%s\n' "$wanted"
        return 0
    fi
    local p
    for ((p = 54329; p < 54349; p++)); do
        port_in_use "$p" || { printf '%s\n' "$p"; return 0; }
    done
    die "no free port in 54329..54348 on 127.0.0.1; set $var"
}

url_for() { printf '%s=postgresql+psycopg://%s@127.0.0.1:%s/%s\n' "${2:-EQUIPSHARE_TEST_PG_URL}" "$PG_ROLE" "$1" "$PG_DB"; }

read_port() {
    local port
    [[ -r $1/port ]] || die "$1/port missing: not a cluster made by .ci/postgres.sh"
    port=$(<"$1/port")
    [[ $port =~ ^[0-9]+$ ]] || die "bad port in $1/port"
    printf '%s\n' "$port"
}

abs_dir() { (cd "$1" && pwd -P); }

is_running() { as_pg "$BINDIR/pg_ctl" status -D "$1/data" >/dev/null 2>&1; }

show_log() {
    if [[ -r $1/postgres.log ]]; then
        note "last lines of $1/postgres.log:"
        tail -n 30 "$1/postgres.log" >&2 || true
    fi
}

# Start the cluster in $1 on port $2 unless it runs, and wait until it answers.
start_server() {
    local dir=$1 port=$2 i
    if is_running "$dir"; then
        note "already running in $dir"
    else
        port_in_use "$port" && die "port $port on 127.0.0.1 is already in use"
        local t0=$SECONDS
        as_pg "$BINDIR/pg_ctl" start --wait --timeout=60 --pgdata="$dir/data" \
            --log="$dir/postgres.log" >/dev/null \
            || { show_log "$dir"; die "pg_ctl start failed"; }
        note "server started in $((SECONDS - t0))s"
    fi
    for ((i = 0; i < 60; i++)); do
        "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$PG_ROLE" -d "$PG_DB" && break
        sleep 0.5
    done
    ((i < 60)) || { show_log "$dir"; die "server on port $port not ready after 30s"; }
}

# Ask the server on port $1 (as $PG_ROLE) for one value.
query() {
    "$BINDIR/psql" -X -qtA -h 127.0.0.1 -p "$1" -U "$PG_ROLE" -d "$PG_DB" -c "$2"
}

superuser_check() {
    # The bootstrap superuser (initdb --username) is the role the tests use.
    local super
    super=$(query "$1" "select rolsuper from pg_roles where rolname = current_user") \
        || die "cannot connect as $PG_ROLE on port $1"
    [[ $super == t ]] || die "role $PG_ROLE is not a superuser"
}

# Make DIR (created if missing) the server owner's, and print its absolute path.
own_dir() {
    local dir
    mkdir -p -- "$1"
    dir=$(abs_dir "$1")
    ensure_os_user
    if [[ $EUID -eq 0 ]]; then
        chown "$PG_OS_USER:" "$dir"
        chmod 700 "$dir"
        as_pg test -w "$dir" -a -x "$dir" \
            || die "$PG_OS_USER cannot write $dir (are all parent dirs world-searchable?)"
    fi
    printf '%s\n' "$dir"
}

cmd_replica() {
    local primary dir port primary_port
    [[ -n ${1:-} && -n ${2:-} ]] || usage
    [[ -f $1/data/PG_VERSION ]] || die "$1 holds no cluster made by .ci/postgres.sh start"
    primary=$(abs_dir "$1")
    primary_port=$(read_port "$primary")
    (cd "$primary" && is_running "$primary") || die "the primary in $primary is not running"
    dir=$(own_dir "$2")
    [[ $dir != "$primary" ]] || die "the replica needs a directory of its own"
    cd "$dir"
    if [[ -f $dir/data/PG_VERSION ]]; then
        port=$(read_port "$dir")
    else
        port=$(pick_port PGPORT_EQUIPSHARE_REPLICA)
        local t0=$SECONDS
        # -R writes primary_conninfo and standby.signal: the copy starts as a hot standby
        # streaming from the primary. -X stream carries the WAL written during the copy.
        as_pg "$BINDIR/pg_basebackup" --host=127.0.0.1 --port="$primary_port" \
            --username="$PG_ROLE" --pgdata="$dir/data" --write-recovery-conf \
            --wal-method=stream --checkpoint=fast --no-sync >"$dir/basebackup.log" 2>&1 \
            || { cat "$dir/basebackup.log" >&2; die "pg_basebackup from port $primary_port failed"; }
        as_pg mkdir -p "$dir/sock"
        {
            printf '\n# --- added by .ci/postgres.sh replica (overrides the primary'"'"'s) ---\n'
            printf 'port = %s\n' "$port"
            printf "unix_socket_directories = '%s'\n" "$dir/sock"
            printf 'hot_standby = on\n'
        } | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
        printf '%s\n' "$port" | as_pg tee "$dir/port" >/dev/null
        note "pg_basebackup took $((SECONDS - t0))s (from port $primary_port, replica port $port)"
    fi
    start_server "$dir" "$port"
    [[ $(query "$port" "select pg_is_in_recovery()") == t ]] \
        || die "the server in $dir is not a standby (pg_is_in_recovery() is false)"
    url_for "$port" EQUIPSHARE_TEST_PG_REPLICA_URL
}

cmd_start() {
    local dir port
    if [[ -n ${1:-} ]]; then
        dir=$(own_dir "$1")
    else
        dir=$(own_dir "$(mktemp -d "${TMPDIR:-/tmp}/equipshare-pg.XXXXXX")")
        note "cluster dir: $dir (stop with: .ci/postgres.sh stop $dir)"
    fi
    # Run the server tools from a directory the server owner can enter.
    cd "$dir"

    if [[ -f $dir/data/PG_VERSION ]]; then
        port=$(read_port "$dir")
        if [[ -n ${PGPORT_EQUIPSHARE:-} && $PGPORT_EQUIPSHARE != "$port" ]]; then
            note "warning: $dir already uses port $port; ignoring PGPORT_EQUIPSHARE=$PGPORT_EQUIPSHARE"
        fi
    else
        port=$(pick_port)
        local t0=$SECONDS
        as_pg "$BINDIR/initdb" --pgdata="$dir/data" --username="$PG_ROLE" \
            --auth=trust --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
        as_pg mkdir -p "$dir/sock"
        {
            printf '\n# --- added by .ci/postgres.sh ---\n'
            printf "listen_addresses = '127.0.0.1'\n"
            printf 'port = %s\n' "$port"
            printf "unix_socket_directories = '%s'\n" "$dir/sock"
            printf 'max_connections = 200\n'
            # What a streaming replica (.ci/postgres.sh replica) needs of its primary,
            # said outright rather than trusted to the defaults.
            printf 'wal_level = replica\nmax_wal_senders = 10\nhot_standby = on\n'
            if [[ ${EQUIPSHARE_PG_EPHEMERAL:-} == 1 ]]; then
                printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
            fi
        } | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
        printf '%s\n' "$port" | as_pg tee "$dir/port" >/dev/null
        note "initdb took $((SECONDS - t0))s ($(basename "$(dirname "$BINDIR")"), port $port)"
    fi

    start_server "$dir" "$port"
    superuser_check "$port"
    url_for "$port"
}

cmd_stop() {
    local dir
    [[ -n ${1:-} ]] || usage
    [[ -d $1 ]] || { note "$1 does not exist; nothing to stop"; return 0; }
    dir=$(abs_dir "$1")
    [[ -f $dir/data/PG_VERSION ]] || { note "no cluster in $dir; nothing to stop"; return 0; }
    cd "$dir"
    if ! is_running "$dir"; then
        note "not running in $dir"
        return 0
    fi
    as_pg "$BINDIR/pg_ctl" stop --pgdata="$dir/data" --mode=fast --wait --timeout=60 >/dev/null \
        || as_pg "$BINDIR/pg_ctl" stop --pgdata="$dir/data" --mode=immediate --wait --timeout=30 >/dev/null \
        || die "could not stop the server in $dir"
    note "stopped $dir"
}

main() {
    local cmd=${1:-}
    [[ $# -gt 0 ]] && shift
    if [[ $cmd == bindir ]]; then
        find_bindir
        return
    fi
    BINDIR=$(find_bindir) || die "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    case $cmd in
        start) cmd_start "$@" ;;
        replica) cmd_replica "$@" ;;
        stop) cmd_stop "$@" ;;
        status)
            [[ -n ${1:-} ]] || usage
            [[ -f $1/data/PG_VERSION ]] || exit 1
            cd "$1"
            is_running "$(pwd -P)"
            ;;
        url)
            [[ -n ${1:-} ]] || usage
            url_for "$(read_port "$1")"
            ;;
        *) usage ;;
    esac
}

main "$@"
