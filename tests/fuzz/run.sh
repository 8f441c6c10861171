#!/bin/sh
# Runs each fuzz target of BUILD_DIR for SECONDS, starting from its seeds (tests/fuzz/corpus/<t>)
# and what earlier runs found (BUILD_DIR/corpus/<t>), and reports executions and findings per
# target. A finding (crash, sanitizer report, leak, timeout, out of memory) is saved as
# BUILD_DIR/findings/<t>-* and makes the run fail.
#   usage: tests/fuzz/run.sh BUILD_DIR SECONDS TARGET...
set -u
build=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
status=0
mkdir -p "$build/findings"
for t in "$@"; do
  mkdir -p "$build/corpus/$t"
  log="$build/findings/$t.log"
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/findings/$t-" "$build/corpus/$t" "$here/corpus/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  found=$(ls "$build/findings" | grep -c "^$t-" || true)
  echo "$t: ${execs:-?} executions in ${seconds} s, $found findings, corpus $(ls "$build/corpus/$t" | wc -l) new inputs"
  if [ $rc -ne 0 ] || [ "$found" -ne 0 ]; then
    status=1
    echo "--- $t failed (exit $rc); the end of $log:"
    tail -40 "$log"
  fi
done
exit $status
