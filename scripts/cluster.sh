#!/usr/bin/env bash
# Several bangfu-server nodes over PostgreSQL behind haproxy, on loopback, with simulated helpers driven
# through the load balancer; the run ends with the simulator's convergence check.
#
#   scripts/cluster.sh [--kill-node] [--failover] [--nodes N] [--load] [--no-standby]
#
#   --kill-node   kill -9 one node KILL_AFTER seconds into the run: devices carry on through the others and
#                 nothing acknowledged may be lost or duplicated (the simulator checks).
#   --failover    crash the PostgreSQL primary (pg_ctl stop -m immediate) FAIL_AFTER seconds into the run,
#                 fence it in haproxy and promote the synchronous standby PROMOTE_AFTER seconds later. The
#                 nodes keep their URL (haproxy's database frontend) and reconnect by themselves. Two probes
#                 run every ~0.1 s meanwhile: an INSERT through the database frontend (every commit it saw
#                 acknowledged must be on the promoted standby) and an admin read through the nodes; they
#                 give how long commits and requests stalled. Then RECOVERY_DEVICES (default 20) new devices
#                 simulate one day through the same nodes, which must converge.
#                 LIMITS (docs/operations.md, "Known problems"): requests in flight at the crash may get no
#                 answer until the client's 30 s timeout (the retry then succeeds), so the run takes minutes;
#                 such nodes were also seen to hang on SIGTERM, and the script SIGKILLs them after
#                 STOP_GRACE seconds.
#   --nodes N     how many nodes (default 3).
#   --load        instead of simulated helpers, bangfu-sim load (DEVICES devices × batches of 50 for
#                 SECONDS_ seconds, default 15) through haproxy: acknowledged mutations/s and push latency.
#   --pokes       instead of simulated helpers, bangfu-sim pokes through haproxy: LISTENERS (default 20) devices
#                 hold event streams, a second device of each helper writes ROUNDS (default 200) times, and
#                 the write-to-poke latency is reported; with several nodes most pokes cross nodes.
#   --no-standby  one PostgreSQL, no standby, nodes connect to it directly (no --failover then).
#
# By default PostgreSQL runs as a primary with a streaming-replication standby that it commits to
# synchronously (scripts/postgres-throwaway.sh standby: synchronous_standby_names = 'FIRST 1
# (bangfu_standby)', synchronous_commit = on), both behind a second haproxy frontend on PG_PORT with
# `option pgsql-check`; the standby runs with hot_standby=off, so it fails that check until promoted.
#
# Environment: DEVICES (default 60), DAYS (5), HOUSEHOLDS (2000), SEED (42), PORT (haproxy, 9443; nodes on
# PORT+1…), PG_PORT (haproxy's database frontend, PORT+100), STATS_PORT (haproxy's admin socket, PORT+101),
# BUILD (release or debug; default release), KILL_AFTER (seconds, default 3), FAIL_AFTER (seconds, default 3),
# PROMOTE_AFTER (seconds from the crash to the promotion, default 1), RECOVERY_DEVICES (20), STOP_GRACE
# (seconds between SIGTERM and SIGKILL when stopping a node, 5), NODE_LOG_LEVEL (the nodes' --log-level, warning),
# POOL (each node's PostgreSQL connections, the URL's pool_max_conns; default the driver's 20),
# BANGFU_BIN (a directory holding bangfu-server, bangfu-sim and bangfu-admin: use those and skip
# `swift build`; scripts/test.sh passes the debug build it just made).
# Starts a throwaway PostgreSQL 15 primary and standby (scripts/postgres-throwaway.sh), the nodes, haproxy
# (installed with apt-get when missing) and the probes, and stops exactly those processes, by PID, when it
# ends. Logs (nodes, haproxy, both PostgreSQL servers, the probe, the failover timeline) stay in the work
# directory printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

KILL_NODE=0
FAILOVER=0
LOAD=0
POKES=0
STANDBY=1
NODES=3
while (($# > 0)); do
    case "$1" in
        --kill-node) KILL_NODE=1 ;;
        --failover) FAILOVER=1 ;;
        --nodes) NODES="$2"; shift ;;
        --load) LOAD=1 ;;
        --pokes) POKES=1 ;;
        --no-standby) STANDBY=0 ;;
        -h | --help) sed -n '2,43p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "cluster: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
if ((FAILOVER && !STANDBY)); then
    echo "cluster: --failover needs the standby (drop --no-standby)" >&2
    exit 2
fi
DEVICES="${DEVICES:-60}"
DAYS="${DAYS:-5}"
HOUSEHOLDS="${HOUSEHOLDS:-2000}"
SEED="${SEED:-42}"
PORT="${PORT:-9443}"
PG_PORT="${PG_PORT:-$((PORT + 100))}"
STATS_PORT="${STATS_PORT:-$((PORT + 101))}"
BUILD="${BUILD:-release}"
KILL_AFTER="${KILL_AFTER:-3}"
FAIL_AFTER="${FAIL_AFTER:-3}"
PROMOTE_AFTER="${PROMOTE_AFTER:-1}"
RECOVERY_DEVICES="${RECOVERY_DEVICES:-20}"
STOP_GRACE="${STOP_GRACE:-5}"
NODE_LOG_LEVEL="${NODE_LOG_LEVEL:-warning}"
CERTS="certs/out"
PG_BIN=/usr/lib/postgresql/15/bin
PG_THROWAWAY="scripts/postgres-throwaway.sh"

WORK="$(mktemp -d /tmp/bangfu-cluster.XXXXXX)"
PG_DIR="$(mktemp -d /tmp/bangfu-pg.XXXXXX)"
STANDBY_DIR=""
NODE_PIDS=()
HAPROXY_PID=""
KILLER_PID=""
FAILOVER_PID=""
PROBE_PID=""
HTTP_PROBE_PID=""
# Ends one process this script started: SIGTERM, then SIGKILL after STOP_GRACE seconds (after a database
# crash with requests in flight, the nodes were seen not to finish their graceful shutdown; see --failover).
stop_pid() {
    local pid=$1 name=$2 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_GRACE * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "cluster: $name (PID $pid) still runs ${STOP_GRACE} s after SIGTERM; SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}
# Stops what this script started, by PID: probes and timers, nodes (while the database is still reachable
# through haproxy), haproxy, then PostgreSQL; keeps the PostgreSQL logs before their directories go.
cleanup() {
    local status=$? pid i
    for pid in "$HTTP_PROBE_PID" "$PROBE_PID" "$FAILOVER_PID" "$KILLER_PID"; do
        if [[ -n "$pid" ]]; then stop_pid "$pid" helper; fi
    done
    for i in "${!NODE_PIDS[@]}"; do stop_pid "${NODE_PIDS[$i]}" "node $((i + 1))"; done
    if [[ -n "$HAPROXY_PID" ]]; then stop_pid "$HAPROXY_PID" haproxy; fi
    if [[ -n "$STANDBY_DIR" ]]; then
        cp "$STANDBY_DIR/postgres.log" "$WORK/postgres-standby.log" 2>/dev/null || true
        bash "$PG_THROWAWAY" stop "$STANDBY_DIR" >/dev/null 2>&1 || echo "cluster: could not stop PostgreSQL in $STANDBY_DIR" >&2
    fi
    cp "$PG_DIR/postgres.log" "$WORK/postgres-primary.log" 2>/dev/null || true
    bash "$PG_THROWAWAY" stop "$PG_DIR" >/dev/null 2>&1 || echo "cluster: could not stop PostgreSQL in $PG_DIR" >&2
    echo "cluster: logs kept in $WORK" >&2
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { date +%s%3N; }

# One command on haproxy's admin socket (loopback TCP; haproxy answers and closes).
haproxy_cmd() {
    local fd
    exec {fd}<>"/dev/tcp/127.0.0.1/$STATS_PORT" || return 1
    printf '%s\n' "$1" >&"$fd"
    cat <&"$fd"
    exec {fd}>&-
}

# The health state haproxy holds for server SERVER of backend db (UP, DOWN, MAINT, …).
db_server_state() {
    haproxy_cmd "show stat" | awk -F, -v server="$1" '$1 == "db" && $2 == server { print $18 }'
}

if ! command -v haproxy >/dev/null; then
    echo "cluster: installing haproxy" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends haproxy >&2
fi

if [[ -n "${BANGFU_BIN:-}" ]]; then
    BIN="$(cd "$BANGFU_BIN" && pwd)"
    for product in bangfu-server bangfu-sim bangfu-admin; do
        [[ -x "$BIN/$product" ]] || { echo "cluster: BANGFU_BIN=$BANGFU_BIN has no executable $product" >&2; exit 1; }
    done
    echo "cluster: using the binaries in $BIN (BANGFU_BIN; no build)"
else
    echo "cluster: building ($BUILD)"
    for product in bangfu-server bangfu-sim bangfu-admin; do swift build -c "$BUILD" --product "$product"; done
    BIN="$(swift build -c "$BUILD" --show-bin-path)"
fi
if [[ ! -f "$CERTS/server.pem" || ! -f "$CERTS/server.key" || ! -f "$CERTS/ca.pem" ]]; then
    scripts/make-dev-certs.sh "$CERTS"
fi

# Every port we bind must be free: a leftover node would otherwise answer our health checks.
ports=("$PORT" "$STATS_PORT")
for ((i = 1; i <= NODES; i++)); do ports+=($((PORT + i))); done
if ((STANDBY)); then ports+=("$PG_PORT"); fi
for port in "${ports[@]}"; do
    if (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "cluster: 127.0.0.1:$port is in use; set PORT (and PG_PORT, STATS_PORT) to free ports" >&2
        exit 1
    fi
done

PRIMARY_URL="$(bash "$PG_THROWAWAY" start "$PG_DIR")"
PRIMARY_PORT="${PRIMARY_URL##*:}"
PRIMARY_PORT="${PRIMARY_PORT%%/*}"
echo "cluster: PostgreSQL primary at $PRIMARY_URL"
if ((STANDBY)); then
    if ((FAILOVER)); then
        # The probe's own database, made before the standby so that the base backup carries it.
        "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PRIMARY_PORT" -U bangfu -d bangfu_test \
            -c "CREATE DATABASE bangfu_probe" >/dev/null
        "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PRIMARY_PORT" -U bangfu -d bangfu_probe \
            -c "CREATE TABLE beat (n integer PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())" >/dev/null
    fi
    STANDBY_DIR="$(mktemp -d /tmp/bangfu-pg.XXXXXX)"
    STANDBY_URL="$(bash "$PG_THROWAWAY" standby "$PG_DIR" "$STANDBY_DIR")"
    STANDBY_PORT="${STANDBY_URL##*:}"
    STANDBY_PORT="${STANDBY_PORT%%/*}"
    echo "cluster: synchronous standby at $STANDBY_URL (hot_standby=off: refuses connections until promoted)"
    DB_URL="postgres://bangfu@127.0.0.1:$PG_PORT/bangfu_test"
else
    DB_URL="$PRIMARY_URL"
fi
NODE_DB_URL="$DB_URL${POOL:+?pool_max_conns=$POOL}"

# haproxy in TCP mode. Frontend bangfu: TLS ends at the nodes; a node that stops answering is taken out
# within a second. Frontend db (with the standby): whichever of primary and standby passes pgsql-check,
# which only a server accepting connections does (the standby refuses them until promoted). A crashed
# primary closes its sessions itself; the failover step cuts whatever is left when it fences the primary.
# Sessions are not cut on a failed check: on this 2-core box a check can time out under load, and cutting
# every session then would fail every transaction in flight. Idle pooled connections may stay open an hour.
{
    echo "global"
    echo "    maxconn 4096"
    echo "    log stdout format raw local0"
    echo "    stats socket ipv4@127.0.0.1:$STATS_PORT level admin"
    echo "defaults"
    echo "    mode tcp"
    echo "    log global"
    echo "    option tcplog"
    echo "    timeout connect 2s"
    echo "    timeout client 60s"
    echo "    timeout server 60s"
    echo "    retries 2"
    echo "    option redispatch"
    echo "frontend bangfu"
    echo "    bind 127.0.0.1:$PORT"
    echo "    default_backend nodes"
    echo "backend nodes"
    echo "    balance roundrobin"
    for ((i = 1; i <= NODES; i++)); do
        echo "    server node$i 127.0.0.1:$((PORT + i)) check inter 500ms fall 2 rise 2"
    done
    if ((STANDBY)); then
        echo "frontend db"
        echo "    bind 127.0.0.1:$PG_PORT"
        echo "    timeout client 1h"
        echo "    default_backend db"
        echo "backend db"
        echo "    option pgsql-check user bangfu"
        echo "    balance first"
        echo "    timeout server 1h"
        echo "    timeout connect 500ms"
        echo "    timeout check 2s"
        echo "    retries 1"
        # A server marked down takes its sessions with it: the nodes' transactions on the lost primary fail at
        # once (503, the device retries) instead of waiting on a connection that will never answer.
        echo "    default-server check inter 500ms fall 3 rise 1 on-marked-down shutdown-sessions"
        echo "    server primary 127.0.0.1:$PRIMARY_PORT"
        echo "    server standby 127.0.0.1:$STANDBY_PORT"
    fi
} >"$WORK/haproxy.cfg"
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
if ((STANDBY)); then
    # Servers start out UP in haproxy: wait for the checks to take the standby out before anyone connects.
    deadline=$((SECONDS + 20))
    until [[ "$(db_server_state primary 2>/dev/null)" == UP && "$(db_server_state standby 2>/dev/null)" == DOWN ]]; do
        if ((SECONDS >= deadline)) || ! kill -0 "$HAPROXY_PID" 2>/dev/null; then
            echo "cluster: haproxy's database frontend did not settle (primary UP, standby DOWN):" >&2
            cat "$WORK/haproxy.log" >&2
            exit 1
        fi
        sleep 0.2
    done
    echo "cluster: haproxy database frontend on 127.0.0.1:$PG_PORT (primary UP, standby DOWN until promoted)"
fi

# One data key directory for the whole cluster: every node must decrypt what another encrypted
# (docs/personal-data.md). A real cluster shares it on a mount or copies it to each node.
"$BIN/bangfu-admin" keys init --postgres "$DB_URL" --keys-dir "$WORK/keys" >/dev/null
"$BIN/bangfu-admin" seed --postgres "$DB_URL" --keys-dir "$WORK/keys" --households "$HOUSEHOLDS" --seed "$SEED"
TOKEN="$(openssl rand -hex 24)"
# One audit key for the whole cluster: every node must hash personal values with the same key
# (protocol/audit.md §3).
head -c 32 /dev/urandom >"$WORK/audit.key"
chmod 600 "$WORK/audit.key"

# Nodes on PORT+1 … PORT+N, each with its own log; all share the database.
for ((i = 1; i <= NODES; i++)); do
    "$BIN/bangfu-server" --postgres "$NODE_DB_URL" --port $((PORT + i)) --tls-cert "$CERTS/server.pem" \
        --tls-key "$CERTS/server.key" --admin-token "$TOKEN" --audit-key-file "$WORK/audit.key" --keys-dir "$WORK/keys" \
        --log-level "$NODE_LOG_LEVEL" >"$WORK/node$i.log" 2>&1 &
    NODE_PIDS+=($!)
done
for ((i = 1; i <= NODES; i++)); do
    deadline=$((SECONDS + 60))
    until curl -fsS --max-time 2 --cacert "$CERTS/ca.pem" "https://127.0.0.1:$((PORT + i))/health" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)) || ! kill -0 "${NODE_PIDS[$((i - 1))]}" 2>/dev/null; then
            echo "cluster: node $i did not come up; its log:" >&2
            tail -n 20 "$WORK/node$i.log" >&2
            exit 1
        fi
        sleep 0.3
    done
done
echo "cluster: $NODES nodes up (PIDs ${NODE_PIDS[*]})"

deadline=$((SECONDS + 20))
until curl -fsS --max-time 2 --cacert "$CERTS/ca.pem" "https://127.0.0.1:$PORT/health" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)) || ! kill -0 "$HAPROXY_PID" 2>/dev/null; then
        echo "cluster: haproxy did not come up:" >&2
        cat "$WORK/haproxy.log" >&2
        exit 1
    fi
    sleep 0.3
done
echo "cluster: haproxy on 127.0.0.1:$PORT (PID $HAPROXY_PID)"

if ((KILL_NODE)); then
    victim="${NODE_PIDS[1]}"
    (sleep "$KILL_AFTER"; echo "cluster: kill -9 node 2 (PID $victim)"; kill -9 "$victim" 2>/dev/null || true; now_ms >"$WORK/killed") &
    KILLER_PID=$!
fi

if ((FAILOVER)); then
    # The probe: one INSERT per psql run through the database frontend; a line per attempt in probe.log
    # ("n start_ms end_ms ok|fail"). `ok` means PostgreSQL acknowledged the commit, i.e. (synchronous_commit
    # = on) the standby had flushed it.
    (
        n=0
        while :; do
            n=$((n + 1))
            started=$(now_ms)
            if PGCONNECT_TIMEOUT=2 timeout 10 "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U bangfu -d bangfu_probe \
                -c "INSERT INTO beat (n) VALUES ($n)" >/dev/null 2>>"$WORK/probe-errors.log"; then
                echo "$n $started $(now_ms) ok"
            else
                echo "$n $started $(now_ms) fail"
            fi
            sleep 0.1
        done
    ) >"$WORK/probe.log" &
    PROBE_PID=$!
    # The same through the nodes: an admin read (GET /admin/v1/helpers?limit=1, one query) every ~0.1 s
    # through haproxy, a line per attempt in http-probe.log ("n start_ms end_ms HTTP-status").
    (
        n=0
        while :; do
            n=$((n + 1))
            started=$(now_ms)
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$CERTS/ca.pem" \
                -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$PORT/admin/v1/helpers?limit=1" || true)
            echo "$n $started $(now_ms) ${code:-000}"
            sleep 0.1
        done
    ) >"$WORK/http-probe.log" &
    HTTP_PROBE_PID=$!
    (
        sleep "$FAIL_AFTER"
        echo "crash $(now_ms)"
        echo "cluster: crashing the PostgreSQL primary (pg_ctl stop -m immediate)" >&2
        bash "$PG_THROWAWAY" crash "$PG_DIR" 2>>"$WORK/failover-steps.log"
        echo "crashed $(now_ms)"
        sleep "$PROMOTE_AFTER"
        # Fence first: the old primary may never take a connection again, even if it came back.
        haproxy_cmd "disable server db/primary" >>"$WORK/failover-steps.log"
        haproxy_cmd "shutdown sessions server db/primary" >>"$WORK/failover-steps.log"
        echo "fenced $(now_ms)"
        bash "$PG_THROWAWAY" promote "$STANDBY_DIR" 2>>"$WORK/failover-steps.log"
        echo "promoted $(now_ms)"
        echo "cluster: promoted the standby" >&2
    ) >"$WORK/failover.log" &
    FAILOVER_PID=$!
fi

status=0
started_ms=$(now_ms)
if ((LOAD)); then
    echo "cluster: load from $DEVICES devices through haproxy to $NODES nodes"
    "$BIN/bangfu-sim" load --url "https://127.0.0.1:$PORT" --ca "$CERTS/ca.pem" --admin-token "$TOKEN" \
        --devices "$DEVICES" --batch 50 --seconds "${SECONDS_:-15}" || status=$?
elif ((POKES)); then
    echo "cluster: write-to-poke latency through haproxy to $NODES nodes"
    "$BIN/bangfu-sim" pokes --url "https://127.0.0.1:$PORT" --ca "$CERTS/ca.pem" --admin-token "$TOKEN" \
        --listeners "${LISTENERS:-20}" --rounds "${ROUNDS:-200}" || status=$?
else
    echo "cluster: simulating $DEVICES devices over $DAYS days through haproxy (seed $SEED)"
    "$BIN/bangfu-sim" run --url "https://127.0.0.1:$PORT" --ca "$CERTS/ca.pem" --admin-token "$TOKEN" \
        --devices "$DEVICES" --days "$DAYS" --seed "$SEED" 2>&1 | tee "$WORK/sim.log" || status=$?
fi
ended_ms=$(now_ms)
echo "cluster: the simulator ran $(((ended_ms - started_ms) / 1000)) s and exited with $status"
if [[ -n "$KILLER_PID" ]]; then wait "$KILLER_PID" || true; KILLER_PID=""; fi
if [[ -n "$FAILOVER_PID" ]]; then
    if ! wait "$FAILOVER_PID"; then
        echo "cluster: the failover did not complete (steps: $WORK/failover-steps.log)" >&2
        status=1
    fi
    FAILOVER_PID=""
fi
# One log line per client connection, naming the node that served it (and "-" when none could).
for ((i = 1; i <= NODES; i++)); do
    echo "cluster: node $i served $(grep -c "nodes/node$i " "$WORK/haproxy.log" || true) connections"
done
# Requests the nodes answered 500 internal_error ("request failed" ends each such entry in a node log; an
# entry can span lines), and two causes seen in these runs.
failed=$(cat "$WORK"/node*.log | grep -c "request failed" || true)
lost=$(cat "$WORK"/node*.log | grep -cE " error bangfu-server: error=.*(serverClosedConnection|unavailable)" || true)
deadlocks=$(cat "$WORK"/node*.log | grep -cE " error bangfu-server: error=.*(sqlState: 40P01|SQLSTATE 40P01)" || true)
echo "cluster: the nodes answered $failed requests with 500 internal_error:" \
    "$lost lost their database connection, $deadlocks hit a deadlock (40P01)"
if ((deadlocks > 0)); then
    echo "cluster: a transaction lost to a deadlock five times running answered 500 (retries exhausted);" >&2
    echo "cluster: see the node logs and docs/operations.md, \"Known problems\"." >&2
fi
if ((KILL_NODE)); then
    # The kill proves something only if it came while the simulator was still running.
    killed=$(cat "$WORK/killed" 2>/dev/null || true)
    if [[ -z "$killed" ]] || ((killed > ended_ms)); then
        echo "cluster: node 2 was killed only after the run had ended; lower KILL_AFTER or raise DAYS/DEVICES" >&2
        status=1
    else
        echo "cluster: node 2 was killed $((killed - started_ms)) ms into a run of $((ended_ms - started_ms)) ms"
    fi
    alive=0
    for pid in "${NODE_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
    echo "cluster: $alive of $NODES nodes alive at the end"
fi
if ((FAILOVER)); then
    crash=$(awk '$1 == "crash" { print $2 }' "$WORK/failover.log")
    promoted=$(awk '$1 == "promoted" { print $2 }' "$WORK/failover.log")
    if [[ -z "$crash" || -z "$promoted" ]]; then
        echo "cluster: the failover did not happen (did the run end before FAIL_AFTER=$FAIL_AFTER s?)" >&2
        exit 1
    fi
    # Let both probes see the promoted standby (haproxy marks it UP within one check) before stopping them.
    deadline=$((SECONDS + 30))
    until awk -v p="$promoted" '$4 == "ok" && $2 > p { found = 1 } END { exit !found }' "$WORK/probe.log" \
        && awk -v p="$promoted" '$4 == "200" && $2 > p { found = 1 } END { exit !found }' "$WORK/http-probe.log"; do
        if ((SECONDS >= deadline)); then
            echo "cluster: the probes saw no success within 30 s of the promotion" >&2
            status=1
            break
        fi
        sleep 0.2
    done
    for pid in "$PROBE_PID" "$HTTP_PROBE_PID"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    PROBE_PID=""
    HTTP_PROBE_PID=""
    echo "cluster: failover: primary crashed $((crash - started_ms)) ms into the run; haproxy fenced it and the standby was promoted $((promoted - crash)) ms after the crash"
    # Stall: how long after the crash the first attempt *sent after it* succeeded, and the slowest attempt.
    stall() {
        awk -v crash="$crash" -v promoted="$promoted" -v good="$2" -v what="$3" '
            { dur = $3 - $2; if (dur > worst) { worst = dur } }
            $4 == good { ok++ }
            $4 == good && $2 > crash && (resumed == "" || $3 < resumed) { resumed = $3 }
            $4 != good && $3 > crash { failed[$4]++; nfailed++ }
            END {
                printf "cluster: %s: %d ok, %d failed after the crash", what, ok, nfailed
                for (k in failed) printf " (%s: %d)", k, failed[k]
                if (resumed == "") { print "; none sent after the crash succeeded"; exit }
                printf "; the first sent after the crash completed %d ms after it (%d ms after the promotion); slowest attempt %d ms\n",
                    resumed - crash, resumed - promoted, worst
            }' "$1"
    }
    stall "$WORK/probe.log" ok "database probe (INSERT through haproxy:$PG_PORT)"
    stall "$WORK/http-probe.log" 200 "node probe (GET /admin/v1/helpers through haproxy:$PORT)"
    acked=$(awk '$4 == "ok" { print $1 }' "$WORK/probe.log" | sort)
    present=$("$PG_BIN/psql" -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U bangfu -d bangfu_probe -c "SELECT n FROM beat" | sort) \
        || { echo "cluster: could not read the probe table on the promoted standby" >&2; status=1; }
    missing=$(comm -23 <(echo "$acked") <(echo "$present") | grep -c . || true)
    echo "cluster: database probe: $(echo "$acked" | grep -c . || true) commits acknowledged, $missing of them missing on the promoted standby"
    if ((missing > 0)); then status=1; fi
    echo "cluster: database sessions through haproxy: primary $(grep -c " db/primary " "$WORK/haproxy.log" || true), standby $(grep -c " db/standby " "$WORK/haproxy.log" || true)"
    if ((status != 0 && lost > 0)) && grep -q "HTTP 500" "$WORK/sim.log" 2>/dev/null; then
        echo "cluster: LIMIT: the simulator stopped on an HTTP 500: a request whose transaction was open when the primary" >&2
        echo "cluster:        died gets 500 internal_error from its node, and the client does not retry a 500 (only network" >&2
        echo "cluster:        errors, 502/504, 429/503). Needs the store to map a lost connection to 503 (docs/operations.md)." >&2
    fi
    # The same nodes, never restarted, on the promoted standby: a short second simulation must converge.
    echo "cluster: after the failover: $RECOVERY_DEVICES more devices over 1 day through the same nodes (seed $((SEED + 1)))"
    if "$BIN/bangfu-sim" run --url "https://127.0.0.1:$PORT" --ca "$CERTS/ca.pem" --admin-token "$TOKEN" \
        --devices "$RECOVERY_DEVICES" --days 1 --seed $((SEED + 1)) >"$WORK/sim-after-failover.log" 2>&1; then
        echo "cluster: after the failover: $(grep -E '^result' "$WORK/sim-after-failover.log")"
    else
        echo "cluster: after the failover: the second simulation FAILED:" >&2
        tail -n 15 "$WORK/sim-after-failover.log" >&2
        status=1
    fi
fi
exit "$status"
