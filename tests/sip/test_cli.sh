#!/bin/sh
# The command line: --version and --help answer and exit 0; a wrong command exits 2.
set -eu
bin="$CW_BINARY_DIR/callwarden"
"$bin" --version | grep -q '^callwarden [0-9]'
"$bin" --help | grep -q 'usage: callwarden'
if "$bin" frobnicate 2>/dev/null; then
    echo "an unknown command must fail"; exit 1
fi
echo "cli: ok"
