#!/bin/sh
# Installs the Debian 12 packages callwarden needs, only those that are missing.
# Used by `make deps` (and therefore by `make run` and `make test`).
set -eu

PKGS="build-essential cmake pkg-config lua5.4 liblua5.4-dev libsofia-sip-ua-dev
libuv1-dev libsqlite3-dev libmbedtls-dev libcurl4-openssl-dev lua-busted
sip-tester espeak-ng sox openssl clang libclang-rt-14-dev procps iproute2 chromium
libjansson-dev python3 libmicrohttpd-dev curl python3-prometheus-client
chromium-driver python3-selenium libsrtp2-dev"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
