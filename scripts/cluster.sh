#!/usr/bin/env bash
# Several bangfu-server nodes over one PostgreSQL behind haproxy, on loopback, with simulated helpers
# driven through the load balancer; the run ends with the simulator's convergence check.
#
#   scripts/cluster.sh [--kill-node] [--nodes N] [--load]
#
#   --kill-node   kill -9 one node a few seconds into the run: devices carry on through the others and
#                 nothing acknowledged may be lost or duplicated (the simulator checks).
#   --nodes N     how many nodes (default 3).
#   --load        instead of simulated helpers, bangfu-sim load (DEVICES devices × batches of 50 for
#                 SECONDS_ seconds, default 15) through haproxy: acknowledged mutations/s and push latency.
#
# Environment: DEVICES (default 60), DAYS (5), HOUSEHOLDS (2000), SEED (42), PORT (haproxy, 9443),
# BUILD (release or debug; default release), KILL_AFTER (seconds, default 3).
# Starts a throwaway PostgreSQL 15 (scripts/postgres-throwaway.sh), the nodes and haproxy (installed with
# apt-get when missing), and stops exactly those processes, by PID, when it ends.
# Not yet: a streaming-replication standby and --failover (issue 8).
set -euo pipefail
cd "$(dirname "$0")/.."

KILL_NODE=0
LOAD=0
NODES=3
while (($# > 0)); do
    case "$1" in
        --kill-node) KILL_NODE=1 ;;
        --nodes) NODES="$2"; shift ;;
        --load) LOAD=1 ;;
        -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "cluster: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
DEVICES="${DEVICES:-60}"
DAYS="${DAYS:-5}"
HOUSEHOLDS="${HOUSEHOLDS:-2000}"
SEED="${SEED:-42}"
PORT="${PORT:-9443}"
BUILD="${BUILD:-release}"
KILL_AFTER="${KILL_AFTER:-3}"
CERTS="certs/out"

WORK="$(mktemp -d /tmp/bangfu-cluster.XXXXXX)"
PG_DIR="$(mktemp -d /tmp/bangfu-pg.XXXXXX)"
NODE_PIDS=()
HAPROXY_PID=""
cleanup() {
    local status=$?
    if [[ -n "$HAPROXY_PID" ]]; then kill "$HAPROXY_PID" 2>/dev/null || true; wait "$HAPROXY_PID" 2>/dev/null || true; fi
    for pid in "${NODE_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    done
    bash scripts/postgres-throwaway.sh stop "$PG_DIR" >/dev/null 2>&1 || echo "cluster: could not stop PostgreSQL in $PG_DIR" >&2
    echo "cluster: logs kept in $WORK" >&2
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! command -v haproxy >/dev/null; then
    echo "cluster: installing haproxy" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends haproxy >&2
fi

echo "cluster: building ($BUILD)"
for product in bangfu-server bangfu-sim bangfu-admin; do swift build -c "$BUILD" --product "$product"; done
BIN="$(swift build -c "$BUILD" --show-bin-path)"
if [[ ! -f "$CERTS/server.pem" || ! -f "$CERTS/server.key" || ! -f "$CERTS/ca.pem" ]]; then
    scripts/make-dev-certs.sh "$CERTS"
fi

DB_URL="$(bash scripts/postgres-throwaway.sh start "$PG_DIR")"
echo "cluster: PostgreSQL at $DB_URL"
"$BIN/bangfu-admin" seed --postgres "$DB_URL" --households "$HOUSEHOLDS" --seed "$SEED"
TOKEN="$(openssl rand -hex 24)"

# Nodes on PORT+1 … PORT+N, each with its own log; all share the database.
for ((i = 1; i <= NODES; i++)); do
    "$BIN/bangfu-server" --postgres "$DB_URL" --port $((PORT + i)) --tls-cert "$CERTS/server.pem" \
        --tls-key "$CERTS/server.key" --admin-token "$TOKEN" --log-level warning >"$WORK/node$i.log" 2>&1 &
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

# haproxy in TCP mode: TLS ends at the nodes; a node that stops answering is taken out within a second.
{
    echo "global"
    echo "    maxconn 4096"
    echo "    log stdout format raw local0"
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
} >"$WORK/haproxy.cfg"
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 &
HAPROXY_PID=$!
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

KILLER_PID=""
if ((KILL_NODE)); then
    victim="${NODE_PIDS[1]}"
    (sleep "$KILL_AFTER"; echo "cluster: kill -9 node 2 (PID $victim)"; kill -9 "$victim" 2>/dev/null || true) &
    KILLER_PID=$!
fi

status=0
if ((LOAD)); then
    echo "cluster: load from $DEVICES devices through haproxy to $NODES nodes"
    "$BIN/bangfu-sim" load --url "https://127.0.0.1:$PORT" --ca "$CERTS/ca.pem" --admin-token "$TOKEN" \
        --devices "$DEVICES" --batch 50 --seconds "${SECONDS_:-15}" || status=$?
else
    echo "cluster: simulating $DEVICES devices over $DAYS days through haproxy (seed $SEED)"
    "$BIN/bangfu-sim" run --url "https://127.0.0.1:$PORT" --ca "$CERTS/ca.pem" --admin-token "$TOKEN" \
        --devices "$DEVICES" --days "$DAYS" --seed "$SEED" || status=$?
fi
if [[ -n "$KILLER_PID" ]]; then wait "$KILLER_PID" || true; fi
# One log line per client connection, naming the node that served it (and "-" when none could).
for ((i = 1; i <= NODES; i++)); do
    echo "cluster: node $i served $(grep -c "nodes/node$i " "$WORK/haproxy.log" || true) connections"
done
if ((KILL_NODE)); then
    alive=0
    for pid in "${NODE_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
    echo "cluster: $alive of $NODES nodes alive at the end"
fi
exit "$status"
