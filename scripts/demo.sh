#!/usr/bin/env bash
# The first command to run: builds the server, seeds a synthetic county, starts the TLS server and drives
# simulated helper devices through it.
#
#   scripts/demo.sh [--once]
#
#   --once   stop the server after the simulation instead of keeping it running
#
# Environment: PORT (8443), HOUSEHOLDS (2000), SEED (42), DEVICES (20), DAYS (3),
#              SCENARIO (mixed, or contention: helpers sharing households edit the same fields offline,
#              then every conflict is resolved; its county is seeded with 3 co-helpers per household
#              into data/bangfu-contention.sqlite; or reassignment: between days an admin moves
#              households to other helpers while devices are offline, and each device must end with
#              exactly its helper's households),
#              BANGFU_ADMIN_TOKEN (a fresh random token when unset).
# Builds in release mode (the first build takes several minutes). Data: data/bangfu.sqlite (kept between
# runs; delete it to reseed). Certificates: certs/out/ (made once by scripts/make-dev-certs.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

ONCE=0
for arg in "$@"; do
    case "$arg" in
        --once) ONCE=1 ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

PORT="${PORT:-8443}"
HOUSEHOLDS="${HOUSEHOLDS:-2000}"
SEED="${SEED:-42}"
DEVICES="${DEVICES:-20}"
DAYS="${DAYS:-3}"
SCENARIO="${SCENARIO:-mixed}"
DB="data/bangfu.sqlite"
CO_HELPERS=0
if [[ "$SCENARIO" == contention ]]; then
    DB="data/bangfu-contention.sqlite"
    CO_HELPERS=3
fi
CERTS="certs/out"
LOG="data/bangfu-server.log"
URL="https://127.0.0.1:$PORT"

SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        local pid="$SERVER_PID"
        SERVER_PID=""
        if kill -0 "$pid" 2>/dev/null; then
            echo "demo: stopping bangfu-server (PID $pid)"
            kill "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    fi
}
trap 'stop_server' EXIT
trap 'stop_server; exit 130' INT
trap 'stop_server; exit 143' TERM

# bangfu-admin prints QR codes with libqrencode: install its headers on a fresh machine (we run as root).
if ! dpkg-query -W -f='${Status}' libqrencode-dev 2>/dev/null | grep -q "install ok installed"; then
    echo "demo: installing libqrencode-dev"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends libqrencode-dev
fi

echo "demo: building bangfu-server, bangfu-sim, bangfu-admin (release mode; the first build takes minutes)"
for product in bangfu-server bangfu-sim bangfu-admin; do
    swift build -c release --product "$product"
done
BIN="$(swift build -c release --show-bin-path)"

if [[ ! -f "$CERTS/server.pem" || ! -f "$CERTS/server.key" || ! -f "$CERTS/ca.pem" ]]; then
    scripts/make-dev-certs.sh "$CERTS"
fi

mkdir -p data
if [[ ! -f "$DB" ]]; then
    echo "demo: seeding $DB with $HOUSEHOLDS households (seed $SEED)"
    "$BIN/bangfu-admin" seed --db "$DB" --households "$HOUSEHOLDS" --seed "$SEED" --co-helpers "$CO_HELPERS"
else
    echo "demo: using existing $DB (delete it to reseed)"
fi

TOKEN="${BANGFU_ADMIN_TOKEN:-$(openssl rand -hex 24)}"

echo "demo: starting bangfu-server on port $PORT (log: $LOG)"
"$BIN/bangfu-server" --db "$DB" --port "$PORT" \
    --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
    --admin-token "$TOKEN" >"$LOG" 2>&1 &
SERVER_PID=$!

deadline=$((SECONDS + 60))
until curl -fsS --max-time 2 --cacert "$CERTS/ca.pem" "$URL/health" >/dev/null 2>&1; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "demo: bangfu-server exited during startup; last lines of $LOG:" >&2
        tail -n 20 "$LOG" >&2 || true
        SERVER_PID=""
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        echo "demo: bangfu-server did not answer $URL/health within 60 s; last lines of $LOG:" >&2
        tail -n 20 "$LOG" >&2 || true
        exit 1
    fi
    sleep 0.5
done
echo "listening on $URL"

echo "demo: simulating $DEVICES devices over $DAYS days (scenario $SCENARIO, seed $SEED)"
"$BIN/bangfu-sim" run --url "$URL" --ca "$CERTS/ca.pem" --admin-token "$TOKEN" \
    --scenario "$SCENARIO" --devices "$DEVICES" --days "$DAYS" --seed "$SEED"

if ((ONCE == 1)); then
    exit 0
fi

cat <<EOF

bangfu-server is still running at $URL (PID $SERVER_PID); press Ctrl-C to stop it.
  health:        curl --cacert $CERTS/ca.pem $URL/health
  devices (lag): curl --cacert $CERTS/ca.pem -H 'Authorization: Bearer $TOKEN' $URL/admin/v1/devices
  server log:    tail -f $LOG
EOF
wait "$SERVER_PID" || true
SERVER_PID=""
