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
  (cd "$work" && npm ci --no-audit --no-fund --silent)
fi
cd "$src"
exec "$emu" run --no-color --system "$work/system.yaml" scenarios/import scenarios/gateway scenarios/outbox
