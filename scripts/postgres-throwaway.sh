#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL 15 cluster on loopback, for the tests (scripts/test.sh calls it).
#
#   scripts/postgres-throwaway.sh start DIR     prints postgres://bangfu@127.0.0.1:PORT/bangfu_test on stdout
#   scripts/postgres-throwaway.sh stop DIR      stops the cluster in DIR if it runs, then removes DIR
#
# DIR is a fresh, empty directory of the caller's (e.g. `mktemp -d /tmp/bangfu-pg.XXXXXX`); `start` fills it
# with data/ (the cluster), sock/ (its Unix socket), postgres.log and initdb.log. Superuser `bangfu`, trust auth,
# listening on 127.0.0.1 only, on the first free port from 55432 up; fsync stays on. Installs postgresql-15
# with apt-get when it is missing. As root the cluster is created and run as the `postgres` OS user. `stop`
# touches only the postmaster of DIR/data and removes DIR only when `start` made it (or it is empty).
# Only the URL goes to stdout; everything else goes to stderr.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
MARKER=.bangfu-postgres-throwaway
DB_USER=bangfu
DB_NAME=bangfu_test
FIRST_PORT=55432
LAST_PORT=55631
READY_TIMEOUT=30      # seconds for the server to accept connections
STOP_TIMEOUT=30       # seconds for a fast shutdown

exec 3>&1 1>&2       # fd 3 is the real stdout: the URL only

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
say() { echo "postgres-throwaway: $*"; }
die() { say "$*"; exit 1; }

# Runs a command as the OS user that owns the cluster: `postgres` when we are root, else ourselves. From /, so
# that a cwd the postgres user cannot enter (/root) does not produce warnings.
as_pg() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# as_pg for `pg_ctl start`, with no file descriptor but 0-2 open: the postmaster outlives this script and would
# otherwise hold fd 3 (our stdout, often a `$(…)` pipe) and whatever the caller passed down, so that the
# caller's `$(…)` or pipeline would wait for the server to exit.
as_pg_detached() {
    (
        local fd
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then
                eval "exec $fd>&-"
            fi
        done
        as_pg "$@"
    ) </dev/null
}

# DIR goes into pg_ctl's -o string and the socket path, so keep it to plain characters.
check_dir_arg() {
    local dir=$1
    [[ -n "$dir" ]] || die "DIR is empty"
    [[ "$dir" =~ ^[A-Za-z0-9._/+-]+$ ]] || die "DIR may only contain letters, digits and . _ / + - (got '$dir')"
}

install_if_missing() {
    if [[ -x "$PG_BIN/initdb" ]]; then
        return 0
    fi
    ((EUID == 0)) || die "$PG_BIN/initdb is missing; install the Debian package postgresql-15"
    say "installing postgresql-15"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends postgresql-15
    [[ -x "$PG_BIN/initdb" ]] || die "postgresql-15 installed but $PG_BIN/initdb is still missing"
}

# True when nothing accepts connections on 127.0.0.1:PORT.
port_is_free() {
    ! (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# PID of the postmaster running the cluster in DATA, or nothing. Checks that the PID from postmaster.pid is
# alive and really is that cluster's postmaster (it runs with its data directory as cwd).
postmaster_pid() {
    local data=$1 pid
    [[ -f "$data/postmaster.pid" ]] || return 0
    pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    if kill -0 "$pid" 2>/dev/null && [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null || true)" == "$data" ]]; then
        echo "$pid"
    fi
}

# Stops the postmaster of DIR/data if it runs: fast shutdown, then immediate, then SIGKILL to that PID only.
stop_server() {
    local data=$1/data pid i
    pid="$(postmaster_pid "$data")"
    [[ -n "$pid" ]] || return 0
    if ! as_pg "$PG_BIN/pg_ctl" -D "$data" stop -m fast -w -t "$STOP_TIMEOUT" >/dev/null; then
        say "fast shutdown of PID $pid failed; trying immediate"
        as_pg "$PG_BIN/pg_ctl" -D "$data" stop -m immediate -w -t 10 >/dev/null || true
    fi
    pid="$(postmaster_pid "$data")"
    if [[ -n "$pid" ]]; then
        say "killing postmaster PID $pid"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    say "stopped the cluster in $1"
}

START_DIR=""     # for the EXIT trap of cmd_start: when it did not get to the end, leave no server behind
START_OK=0
on_start_exit() {
    if ((START_OK == 0)) && [[ -n "$START_DIR" ]]; then
        stop_server "$START_DIR"
    fi
}

cmd_start() {
    local dir=$1 data sock log locale_args port pid deadline
    check_dir_arg "$dir"
    install_if_missing
    if ((EUID == 0)); then
        id -u postgres >/dev/null 2>&1 || die "the OS user postgres is missing (it comes with postgresql-common)"
    fi

    if [[ -e "$dir" ]]; then
        [[ -d "$dir" ]] || die "$dir exists and is not a directory"
        [[ -z "$(ls -A "$dir")" ]] || die "$dir is not empty; pass a fresh directory (mktemp -d)"
    fi
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd -P)"
    [[ "$dir" != / ]] || die "refusing to use /"
    touch "$dir/$MARKER"
    data=$dir/data
    sock=$dir/sock
    log=$dir/postgres.log
    mkdir "$sock"
    ((${#sock} + 20 < 108)) || die "socket directory $sock is too long for a Unix socket path"
    if ((EUID == 0)); then
        chown postgres: "$dir" "$sock"
    fi
    chmod 700 "$dir" "$sock"
    as_pg test -w "$dir" || die "the postgres user cannot write $dir (is a parent directory closed to it?)"

    # If anything below fails, leave no server behind (DIR stays, with the logs, for the caller's `stop`).
    START_DIR=$dir
    trap on_start_exit EXIT

    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        locale_args=(--locale=C.UTF-8)
    else
        locale_args=(--no-locale)
    fi
    if ! as_pg "$PG_BIN/initdb" -D "$data" --auth=trust --username="$DB_USER" -E UTF8 "${locale_args[@]}" \
        >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log"
        die "initdb failed (log above)"
    fi

    # First free port from FIRST_PORT up; when another process takes it before the server binds it, try the next.
    port=$FIRST_PORT
    while :; do
        while ((port <= LAST_PORT)) && ! port_is_free "$port"; do
            port=$((port + 1))
        done
        ((port <= LAST_PORT)) || die "no free port in $FIRST_PORT-$LAST_PORT on 127.0.0.1"
        rm -f "$log"
        if as_pg_detached "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t "$READY_TIMEOUT" \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c max_connections=200" start >/dev/null; then
            break
        fi
        if [[ -z "$(postmaster_pid "$data")" ]] && grep -qE 'could not (bind|listen on) IPv4 address' "$log" 2>/dev/null; then
            say "port $port was taken meanwhile; trying the next one"
            port=$((port + 1))
            continue
        fi
        cat "$log" 2>/dev/null || true
        die "the server did not start within ${READY_TIMEOUT} s (log above, $log)"
    done

    deadline=$((SECONDS + READY_TIMEOUT))
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; do
        if ((SECONDS >= deadline)); then
            cat "$log" 2>/dev/null || true
            die "pg_isready -h 127.0.0.1 -p $port failed for ${READY_TIMEOUT} s (log above, $log)"
        fi
        sleep 0.2
    done

    "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME"
    pid="$(postmaster_pid "$data")"
    START_OK=1
    say "started PostgreSQL 15 (postmaster PID $pid) on 127.0.0.1:$port, cluster in $dir"
    echo "postgres://$DB_USER@127.0.0.1:$port/$DB_NAME" >&3
}

cmd_stop() {
    local dir=$1
    check_dir_arg "$dir"
    if [[ ! -e "$dir" ]]; then
        return 0
    fi
    [[ -d "$dir" ]] || die "$dir is not a directory"
    dir="$(cd "$dir" && pwd -P)"
    [[ "$dir" != / ]] || die "refusing to use /"
    if [[ -z "$(ls -A "$dir")" ]]; then
        rmdir "$dir"     # `start` failed before making anything
        return 0
    fi
    [[ -f "$dir/$MARKER" ]] || die "$dir was not made by '$0 start'; not touching it"
    stop_server "$dir"
    rm -rf -- "$dir"
}

if (($# == 1)) && [[ "$1" == -h || "$1" == --help ]]; then
    usage >&3
    exit 0
fi
if (($# != 2)); then
    usage
    exit 2
fi
case "$1" in
    start) cmd_start "$2" ;;
    stop) cmd_stop "$2" ;;
    *) usage; exit 2 ;;
esac
