#!/usr/bin/env bash
# Builds everything and runs the whole test suite: what CI runs (.ci/run) and what a developer runs.
#
#   scripts/test.sh [extra arguments for `swift test`]      e.g. scripts/test.sh --filter SyncCoreTests
#
# Installs the Debian packages the build and the tests need when they are missing (we run as root on the
# project's machines, so no sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

phase() {
    if [[ "${CI:-}" == "true" ]]; then
        echo "==> $*"
    fi
}

# Debian packages needed to build and test. Extend here when a target or a test needs more.
APT_PACKAGES=(
    libsqlite3-dev   # GRDB links the system SQLite
    libssl-dev
    openssl          # scripts/make-dev-certs.sh, TLS tests
    zlib1g-dev       # gzip responses
    curl
    ca-certificates
)
# >>> TO EXTEND: packages for targets that are not built yet. Move each one in when its target lands:
#     postgresql (SyncStorePostgres tests), haproxy (multi-node tests), zbar-tools (QR decoding in card
#     tests), libqrencode-dev (MingbaiCard).
EXTRA_APT_PACKAGES=(
)
APT_PACKAGES+=("${EXTRA_APT_PACKAGES[@]}")

phase "checking Debian packages: ${APT_PACKAGES[*]}"
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]} > 0)); then
    phase "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

phase "toolchain"
swift --version

phase "swift build --build-tests"
swift build --build-tests

phase "swift test $*"
swift test "$@"
