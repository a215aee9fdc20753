#!/usr/bin/env bash
# Property-based checks of the running server against protocol/openapi.yaml with schemathesis: every
# operation is called with generated valid and invalid input and must never answer 5xx, and every answer
# must match the documented status codes and shapes.
#
#   scripts/schemathesis.sh [--max-examples N]        (default 25 per operation)
#
# Builds (debug) and starts bangfu-server on a seeded SQLite database in a temp directory with the dev
# certificates, runs schemathesis (installed with pip when missing) with the admin token and the protocol
# header on every request, and stops the server it started, by PID. BANGFU_BIN names a directory holding
# bangfu-server and bangfu-admin to skip the build. Exits non-zero on any failed check.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXAMPLES=25
while (($# > 0)); do
    case "$1" in
        --max-examples) MAX_EXAMPLES="$2"; shift ;;
        -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "schemathesis.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

if ! command -v schemathesis >/dev/null 2>&1; then
    echo "schemathesis.sh: installing schemathesis with pip"
    python3 -m pip install -q schemathesis
fi
if [[ -n "${BANGFU_BIN:-}" ]]; then
    BIN="$(cd "$BANGFU_BIN" && pwd)"
else
    swift build --product bangfu-server >/dev/null
    swift build --product bangfu-admin >/dev/null
    BIN="$(swift build --show-bin-path)"
fi
CERTS="certs/out"
scripts/make-dev-certs.sh "$CERTS" >/dev/null
WORK="$(mktemp -d /tmp/bangfu-schemathesis.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
PORT="${PORT:-9643}"
TOKEN="schemathesis-admin-token-0123456789"
"$BIN/bangfu-admin" seed --db "$WORK/bangfu.sqlite" --households 200 --seed 7 >/dev/null
"$BIN/bangfu-server" --db "$WORK/bangfu.sqlite" --port "$PORT" --tls-cert "$CERTS/server.pem" \
    --tls-key "$CERTS/server.key" --admin-token "$TOKEN" --log-level warning >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS --max-time 2 --cacert "$CERTS/ca.pem" "https://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.2
done
echo "schemathesis.sh: server on port $PORT (log $WORK/server.log), $MAX_EXAMPLES examples per operation"
status=0
schemathesis run protocol/openapi.yaml --url "https://127.0.0.1:$PORT" --tls-verify "$CERTS/ca.pem" \
    -H "Authorization: Bearer $TOKEN" -H "Bangfu-Protocol: 2" \
    --checks not_a_server_error --max-examples "$MAX_EXAMPLES" --seed 7 || status=$?
if grep -q "internal_error" "$WORK/server.log"; then
    echo "schemathesis.sh: the server logged internal errors:" >&2
    grep "internal_error" "$WORK/server.log" | head -5 >&2
    status=1
fi
exit "$status"
