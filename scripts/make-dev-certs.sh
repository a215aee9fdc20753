#!/usr/bin/env bash
# Makes a development CA and a TLS server certificate signed by it, with the openssl CLI.
#
#   scripts/make-dev-certs.sh [--force] [OUT_DIR]      (OUT_DIR defaults to certs/out, which git ignores)
#
# Writes ca.pem, ca.key, server.pem, server.key: EC P-256 keys, SHA-256 signatures, 825 days, server SANs
# DNS:localhost, IP:127.0.0.1, IP:::1 and EKU serverAuth (recipe: certs/openssl.cnf). Idempotent: when all
# four files exist it does nothing unless --force is given. For development and tests only.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CONFIG="$ROOT/certs/openssl.cnf"
DAYS=825
FORCE=0
OUT_DIR=""

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }

for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "make-dev-certs: unknown option $arg" >&2; usage >&2; exit 2 ;;
        *)
            if [[ -n "$OUT_DIR" ]]; then
                echo "make-dev-certs: only one OUT_DIR may be given" >&2
                exit 2
            fi
            OUT_DIR="$arg"
            ;;
    esac
done
OUT_DIR="${OUT_DIR:-$ROOT/certs/out}"

command -v openssl >/dev/null || { echo "make-dev-certs: openssl not found (apt-get install openssl)" >&2; exit 1; }
[[ -f "$CONFIG" ]] || { echo "make-dev-certs: missing $CONFIG" >&2; exit 1; }

FILES=(ca.pem ca.key server.pem server.key)
all_present=1
for f in "${FILES[@]}"; do
    [[ -f "$OUT_DIR/$f" ]] || all_present=0
done
if [[ $all_present -eq 1 && $FORCE -eq 0 ]]; then
    echo "make-dev-certs: $OUT_DIR already has ${FILES[*]}; keeping them (use --force to remake)"
    exit 0
fi

mkdir -p "$OUT_DIR"
# A partial set is never mixed with new files: everything is made again, in a scratch directory first so
# that a failure leaves the previous files untouched.
WORK="$(mktemp -d "$OUT_DIR/.make-dev-certs.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
umask 077

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
serial() { echo "0x$(openssl rand -hex 16)"; }

new_key "$WORK/ca.key"
openssl req -new -x509 -config "$CONFIG" -extensions v3_ca -key "$WORK/ca.key" \
    -subj "/O=Bangfu Sync (development)/CN=Bangfu Sync Dev CA" \
    -days "$DAYS" -sha256 -set_serial "$(serial)" -out "$WORK/ca.pem"

new_key "$WORK/server.key"
openssl req -new -config "$CONFIG" -key "$WORK/server.key" \
    -subj "/O=Bangfu Sync (development)/CN=localhost" -out "$WORK/server.csr"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
    -extfile "$CONFIG" -extensions server_ext \
    -days "$DAYS" -sha256 -set_serial "$(serial)" -out "$WORK/server.pem" 2>/dev/null

openssl verify -CAfile "$WORK/ca.pem" "$WORK/server.pem" >/dev/null

chmod 600 "$WORK/ca.key" "$WORK/server.key"
chmod 644 "$WORK/ca.pem" "$WORK/server.pem"
for f in "${FILES[@]}"; do
    mv -f "$WORK/$f" "$OUT_DIR/$f"
done

echo "make-dev-certs: wrote to $OUT_DIR (development only, never commit the keys):"
echo "  ca.pem      dev CA certificate  ($(openssl x509 -in "$OUT_DIR/ca.pem" -noout -subject))"
echo "  ca.key      dev CA private key (EC P-256)"
echo "  server.pem  server certificate, $DAYS days, SAN DNS:localhost IP:127.0.0.1 IP:::1, EKU serverAuth"
echo "  server.key  server private key (EC P-256)"
echo "  $(openssl x509 -in "$OUT_DIR/server.pem" -noout -enddate)"
