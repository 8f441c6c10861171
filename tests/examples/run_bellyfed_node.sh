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
"$emu" run --no-color --system "$work/system.yaml" scenarios/import scenarios/gateway scenarios/outbox \
  --markdown "$work/report.md"
# The code's own SDK calls join their invocation's trace (X-Amzn-Trace-Id): the report draws
# the seed's flows with the JavaScript handlers' DynamoDB and EventBridge calls in them.
for arrow in "ImportScript->>SQS: SendMessage restaurant-import-dev" "SQS->>EventProcessor: 3 messages" \
  "EventProcessor->>EventBridge: RESTAURANT_IMPORT event" "DynamoDBImport->>DynamoDB: TransactWriteItems" \
  "APIGateway->>EventProcessor: proxy event" "QueryHandler->>DynamoDB: Query FoodEstablishment-dev" \
  "QueryHandler->>Frontend: HTTP 200" "OutboxProcessor->>EventBridge: RESTAURANT_CREATED event" \
  "EventBridge->>EventConsumer: rule outbox-events"; do
  grep -qF "$arrow" "$work/report.md" || { echo "report.md draws no \"$arrow\"" >&2; exit 1; }
done
