#!/usr/bin/env bash
# Starts and stops throwaway PostgreSQL 15 clusters on loopback, for the tests (scripts/test.sh) and for
# scripts/cluster.sh (a primary with a synchronous streaming-replication standby, and failover).
#
#   scripts/postgres-throwaway.sh start DIR            prints postgres://bangfu@127.0.0.1:PORT/bangfu_test
#   scripts/postgres-throwaway.sh standby PRIMARY DIR  a standby of the running primary in PRIMARY; prints its URL
#   scripts/postgres-throwaway.sh crash DIR            `pg_ctl stop -m immediate` (a crash: no shutdown checkpoint)
#   scripts/postgres-throwaway.sh promote DIR          promotes the standby in DIR; waits until it takes writes
#   scripts/postgres-throwaway.sh stop DIR             stops the cluster in DIR if it runs, then removes DIR
#
# DIR is a fresh, empty directory of the caller's (e.g. `mktemp -d /tmp/bangfu-pg.XXXXXX`); `start` fills it
# with data/ (the cluster), sock/ (its Unix socket), postgres.log and initdb.log. Superuser `bangfu`, trust auth,
# listening on 127.0.0.1 only, on the first free port from 55432 up; fsync stays on. Installs postgresql-15
# with apt-get when it is missing. As root the cluster is created and run as the `postgres` OS user. `stop`
# touches only the postmaster of DIR/data and removes DIR only when `start` or `standby` made it (or it is empty).
# `standby` copies the primary with `pg_basebackup -R` (replication slot bangfu_standby, application_name
# bangfu_standby), starts it with hot_standby=off (it refuses every connection until promoted, so a load
# balancer's health check sees it as down), waits until it streams, and then makes the primary commit
# synchronously to it: synchronous_standby_names = 'FIRST 1 (bangfu_standby)', synchronous_commit = on (a
# commit returns once the standby has flushed its WAL to disk). From then on a commit on the primary WAITS
# while the standby is down. The standby's own copy of the settings has no synchronous_standby_names, so once
# promoted it commits alone. Only URLs go to stdout; everything else goes to stderr.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
MARKER=.bangfu-postgres-throwaway
DB_USER=bangfu
DB_NAME=bangfu_test
STANDBY_NAME=bangfu_standby   # the standby's application_name and replication slot
FIRST_PORT=55432
LAST_PORT=55631
READY_TIMEOUT=30      # seconds for the server to accept connections
STOP_TIMEOUT=30       # seconds for a fast shutdown

exec 3>&1 1>&2       # fd 3 is the real stdout: the URL only

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }
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

START_DIR=""     # for the EXIT trap of cmd_start/cmd_standby: when it did not get to the end, leave no server behind
START_OK=0
SYNC_PRIMARY_PORT=""   # cmd_standby made this primary synchronous: undo that if the standby does not come up
on_start_exit() {
    if ((START_OK == 0)) && [[ -n "$SYNC_PRIMARY_PORT" ]]; then
        psql_value "$SYNC_PRIMARY_PORT" "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null 2>&1 || true
        psql_value "$SYNC_PRIMARY_PORT" "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
    fi
    if ((START_OK == 0)) && [[ -n "$START_DIR" ]]; then
        stop_server "$START_DIR"
    fi
}

# Makes the fresh directory DIR (marker, sock/) for `start` or `standby`; sets PREPARED to its absolute path.
prepare_dir() {
    local dir=$1 sock
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
    sock=$dir/sock
    mkdir "$sock"
    ((${#sock} + 20 < 108)) || die "socket directory $sock is too long for a Unix socket path"
    if ((EUID == 0)); then
        chown postgres: "$dir" "$sock"
    fi
    chmod 700 "$dir" "$sock"
    as_pg test -w "$dir" || die "the postgres user cannot write $dir (is a parent directory closed to it?)"
    PREPARED=$dir
}

# Starts the cluster in DIR/data on the first free port from FIRST_PORT up, with EXTRA server options, and
# sets PORT. When another process takes a port before the server binds it, tries the next.
start_server() {
    local dir=$1 extra=$2 data=$1/data log=$1/postgres.log
    PORT=$FIRST_PORT
    while :; do
        while ((PORT <= LAST_PORT)) && ! port_is_free "$PORT"; do
            PORT=$((PORT + 1))
        done
        ((PORT <= LAST_PORT)) || die "no free port in $FIRST_PORT-$LAST_PORT on 127.0.0.1"
        rm -f "$log"
        if as_pg_detached "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t "$READY_TIMEOUT" \
            -o "-c listen_addresses=127.0.0.1 -p $PORT -k $dir/sock -c max_connections=200 $extra" start >/dev/null; then
            return 0
        fi
        if [[ -z "$(postmaster_pid "$data")" ]] && grep -qE 'could not (bind|listen on) IPv4 address' "$log" 2>/dev/null; then
            say "port $PORT was taken meanwhile; trying the next one"
            PORT=$((PORT + 1))
            continue
        fi
        cat "$log" 2>/dev/null || true
        die "the server did not start within ${READY_TIMEOUT} s (log above, $log)"
    done
}

# Waits until the server on PORT accepts connections.
wait_ready() {
    local port=$1 log=$2 deadline=$((SECONDS + READY_TIMEOUT))
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; do
        if ((SECONDS >= deadline)); then
            cat "$log" 2>/dev/null || true
            die "pg_isready -h 127.0.0.1 -p $port failed for ${READY_TIMEOUT} s (log above, $log)"
        fi
        sleep 0.2
    done
}

# The port a running cluster in DIR listens on (line 4 of postmaster.pid).
running_port() {
    local data=$1/data
    [[ -n "$(postmaster_pid "$data")" ]] || die "no PostgreSQL runs in $1"
    sed -n 4p "$data/postmaster.pid"
}

# One value from the primary on PORT, as psql prints it unaligned.
psql_value() {
    "$PG_BIN/psql" -X -q -t -A -h 127.0.0.1 -p "$1" -U "$DB_USER" -d "$DB_NAME" -c "$2"
}

cmd_start() {
    local dir pid locale_args
    prepare_dir "$1"
    dir=$PREPARED
    # If anything below fails, leave no server behind (DIR stays, with the logs, for the caller's `stop`).
    START_DIR=$dir
    trap on_start_exit EXIT

    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        locale_args=(--locale=C.UTF-8)
    else
        locale_args=(--no-locale)
    fi
    if ! as_pg "$PG_BIN/initdb" -D "$dir/data" --auth=trust --username="$DB_USER" -E UTF8 "${locale_args[@]}" \
        >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log"
        die "initdb failed (log above)"
    fi
    start_server "$dir" ""
    wait_ready "$PORT" "$dir/postgres.log"
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$DB_USER" "$DB_NAME"
    pid="$(postmaster_pid "$dir/data")"
    START_OK=1
    say "started PostgreSQL 15 (postmaster PID $pid) on 127.0.0.1:$PORT, cluster in $dir"
    echo "postgres://$DB_USER@127.0.0.1:$PORT/$DB_NAME" >&3
}

cmd_standby() {
    local primary=$1 dir primary_port pid state deadline
    check_dir_arg "$primary"
    [[ -f "$primary/$MARKER" ]] || die "$primary was not made by '$0 start'"
    primary="$(cd "$primary" && pwd -P)"
    primary_port="$(running_port "$primary")"
    prepare_dir "$2"
    dir=$PREPARED
    START_DIR=$dir
    trap on_start_exit EXIT

    # -X stream: the WAL written during the copy comes along; -C -S: a slot keeps the primary from recycling
    # WAL the standby has not received; -R: standby.signal and primary_conninfo (with our application_name);
    # -c fast: do not wait for a spread checkpoint.
    if ! as_pg "$PG_BIN/pg_basebackup" -d "host=127.0.0.1 port=$primary_port user=$DB_USER application_name=$STANDBY_NAME" \
        -D "$dir/data" -X stream -C -S "$STANDBY_NAME" -R -c fast >"$dir/basebackup.log" 2>&1; then
        cat "$dir/basebackup.log"
        die "pg_basebackup from 127.0.0.1:$primary_port failed (log above)"
    fi
    # The copy carries the primary's postgresql.auto.conf: should the primary already commit synchronously, a
    # promoted copy would wait for a standby of its own name forever. Once promoted, it commits alone.
    echo "synchronous_standby_names = ''" | as_pg tee -a "$dir/data/postgresql.auto.conf" >/dev/null
    # hot_standby=off: no reads before promotion, and no connection at all, so `option pgsql-check` in
    # haproxy marks it down until it is promoted.
    start_server "$dir" "-c hot_standby=off"

    deadline=$((SECONDS + READY_TIMEOUT))
    until [[ "$(psql_value "$primary_port" "SELECT state FROM pg_stat_replication WHERE application_name = '$STANDBY_NAME'")" == streaming ]]; do
        if ((SECONDS >= deadline)); then
            cat "$dir/postgres.log" 2>/dev/null || true
            die "the standby did not stream from the primary within ${READY_TIMEOUT} s (log above)"
        fi
        sleep 0.2
    done
    # Only now, with the standby streaming: from here on a commit waits for the standby's flush.
    SYNC_PRIMARY_PORT=$primary_port
    psql_value "$primary_port" "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ($STANDBY_NAME)'" >/dev/null
    psql_value "$primary_port" "ALTER SYSTEM SET synchronous_commit = 'on'" >/dev/null
    psql_value "$primary_port" "SELECT pg_reload_conf()" >/dev/null
    deadline=$((SECONDS + READY_TIMEOUT))
    until state="$(psql_value "$primary_port" "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$STANDBY_NAME'")" \
        && [[ "$state" == sync ]]; do
        ((SECONDS < deadline)) || die "the standby is '$state', not 'sync', ${READY_TIMEOUT} s after the reload"
        sleep 0.2
    done
    pid="$(postmaster_pid "$dir/data")"
    START_OK=1
    say "started a synchronous standby (postmaster PID $pid) on 127.0.0.1:$PORT of 127.0.0.1:$primary_port, cluster in $dir"
    echo "postgres://$DB_USER@127.0.0.1:$PORT/$DB_NAME" >&3
}

cmd_crash() {
    local dir=$1 pid
    check_dir_arg "$dir"
    [[ -f "$dir/$MARKER" ]] || die "$dir was not made by '$0 start'; not touching it"
    dir="$(cd "$dir" && pwd -P)"
    pid="$(postmaster_pid "$dir/data")"
    [[ -n "$pid" ]] || die "no PostgreSQL runs in $dir"
    # Immediate mode: SIGQUIT to every backend, no shutdown checkpoint, crash recovery at the next start.
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" stop -m immediate -w -t 10 >/dev/null
    say "crashed the cluster in $dir (postmaster PID $pid, pg_ctl stop -m immediate)"
}

cmd_promote() {
    local dir=$1 port
    check_dir_arg "$dir"
    [[ -f "$dir/$MARKER" ]] || die "$dir was not made by '$0 standby'; not touching it"
    dir="$(cd "$dir" && pwd -P)"
    port="$(running_port "$dir")"
    # -w: returns once the server has left recovery and accepts read-write connections.
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" promote -w -t "$READY_TIMEOUT" >/dev/null
    wait_ready "$port" "$dir/postgres.log"
    [[ "$(psql_value "$port" "SELECT pg_is_in_recovery()")" == f ]] || die "127.0.0.1:$port is still in recovery"
    say "promoted the standby on 127.0.0.1:$port (cluster in $dir)"
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
    [[ -f "$dir/$MARKER" ]] || die "$dir was not made by '$0 start' or 'standby'; not touching it"
    stop_server "$dir"
    rm -rf -- "$dir"
}

if (($# == 1)) && [[ "$1" == -h || "$1" == --help ]]; then
    usage >&3
    exit 0
fi
case "$#:${1:-}" in
    2:start) cmd_start "$2" ;;
    3:standby) cmd_standby "$2" "$3" ;;
    2:crash) cmd_crash "$2" ;;
    2:promote) cmd_promote "$2" ;;
    2:stop) cmd_stop "$2" ;;
    *) usage; exit 2 ;;
esac
