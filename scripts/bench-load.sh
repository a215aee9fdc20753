#!/usr/bin/env bash
# Load benchmark: a release bangfu-server on SQLite with a seeded county, and bangfu-sim load pushing
# batches from many devices over TLS. Prints acknowledged (durably committed) mutations/s and push latency.
#
#   scripts/bench-load.sh                 # 100 devices × batches of 50 for 20 s against 20,000 households
#   DEVICES=200 BATCH=50 SECONDS_=30 HOUSEHOLDS=20000 scripts/bench-load.sh
#   STORE=postgres scripts/bench-load.sh  # the same on a throwaway PostgreSQL 15 (scripts/postgres-throwaway.sh)
#
# Works in a temporary directory (database, certificates) that it removes; stops only the server it started.
set -euo pipefail
cd "$(dirname "$0")/.."

DEVICES="${DEVICES:-100}"
BATCH="${BATCH:-50}"
DURATION="${SECONDS_:-20}"
HOUSEHOLDS="${HOUSEHOLDS:-20000}"
PORT="${PORT:-9443}"
STORE="${STORE:-sqlite}"

swift build -c release --product bangfu-server >/dev/null
swift build -c release --product bangfu-sim >/dev/null
swift build -c release --product bangfu-admin >/dev/null
BIN="$(swift build -c release --show-bin-path)"

WORK="$(mktemp -d)"
PG_DIR=""
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -n "$PG_DIR" ]]; then bash scripts/postgres-throwaway.sh stop "$PG_DIR" >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

scripts/make-dev-certs.sh "$WORK/certs" >/dev/null
case "$STORE" in
    sqlite) STORE_ARGS=(--db "$WORK/bangfu.sqlite") ;;
    postgres)
        PG_DIR="$(mktemp -d /tmp/bangfu-pg.XXXXXX)"
        STORE_ARGS=(--postgres "$(bash scripts/postgres-throwaway.sh start "$PG_DIR")")
        ;;
    *) echo "bench-load: STORE must be sqlite or postgres" >&2; exit 2 ;;
esac
# The data keys (docs/personal-data.md): required with PostgreSQL, created next to the SQLite file otherwise.
"$BIN/bangfu-admin" keys init "${STORE_ARGS[@]}" --keys-dir "$WORK/keys" >/dev/null
STORE_ARGS+=(--keys-dir "$WORK/keys")
"$BIN/bangfu-admin" seed "${STORE_ARGS[@]}" --households "$HOUSEHOLDS" --seed 42
# The audit key (protocol/audit.md §3): required with PostgreSQL, created next to the SQLite file otherwise.
head -c 32 /dev/urandom >"$WORK/audit.key"
chmod 600 "$WORK/audit.key"
STORE_ARGS+=(--audit-key-file "$WORK/audit.key")
TOKEN="$(openssl rand -hex 24)"
"$BIN/bangfu-server" "${STORE_ARGS[@]}" --port "$PORT" --tls-cert "$WORK/certs/server.pem" \
    --tls-key "$WORK/certs/server.key" --admin-token "$TOKEN" --log-level error &
SERVER_PID=$!
for _ in $(seq 1 120); do
    curl -fsS --max-time 2 --cacert "$WORK/certs/ca.pem" "https://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.5
done

echo "machine: $(nproc) cores, $(uname -m); server, load generator (and PostgreSQL) share it; store: $STORE"
"$BIN/bangfu-sim" load --url "https://127.0.0.1:$PORT" --ca "$WORK/certs/ca.pem" --admin-token "$TOKEN" \
    --devices "$DEVICES" --batch "$BATCH" --seconds "$DURATION"
