#!/bin/sh
# The seed's handlers in JavaScript (examples/bellyfed-node) against the shipped import, gateway
# and outbox scenarios: the example is copied into the build tree (never npm-installed in the
# source tree), its pinned npm packages installed there, and `run --system` plays the scenarios
# with the same expectations the built-in handlers meet.
# Usage: run_bellyfed_node.sh SRC_DIR WORK_DIR path/to/bellyfed-emu
set -eu
src=$1 work=$2 emu=$3
example=$src/examples/bellyfed-node
mkdir -p "$work"
cp "$example/package.json" "$example/package-lock.json" "$example/system.yaml" "$work/"
rm -rf "$work/src" && cp -r "$example/src" "$work/src"
if [ ! -d "$work/node_modules/@aws-sdk" ] || [ "$example/package-lock.json" -nt "$work/node_modules" ]; then
  # A registry request that stalls is given up after 30 s and tried again (npm's own default
  # waits 5 minutes, three times: a stalled fetch once used up the test's whole timeout).
  (cd "$work" && npm ci --no-audit --no-fund --silent --fetch-timeout=30000 --fetch-retries=5 \
    --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=20000)
fi
cd "$src"
exec "$emu" run --no-color --system "$work/system.yaml" scenarios/import scenarios/gateway scenarios/outbox
