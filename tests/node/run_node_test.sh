#!/bin/sh
# Installs the pinned npm clients into the build tree (never the source tree), then runs one
# JavaScript wire test. Usage: run_node_test.sh SRC_DIR WORK_DIR TEST.mjs path/to/bellyfed-emu
set -eu
src=$1 work=$2 test=$3 emu=$4
mkdir -p "$work"
cp "$src/package.json" "$src/package-lock.json" "$work/"
if [ ! -d "$work/node_modules/@aws-sdk" ] || [ "$src/package-lock.json" -nt "$work/node_modules" ]; then
  # A registry request that stalls is given up after 30 s and tried again (npm's own default
  # waits 5 minutes, three times: a stalled fetch once used up the test's whole timeout).
  (cd "$work" && npm ci --no-audit --no-fund --silent --fetch-timeout=30000 --fetch-retries=5 \
    --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=20000)
fi
cp "$src/$test" "$src/harness.mjs" "$work/"
cd "$work" && exec node "$test" "$emu"
