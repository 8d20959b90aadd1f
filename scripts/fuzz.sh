#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (go test -fuzz takes
# one target per run). Usage: scripts/fuzz.sh 5s
set -euo pipefail
fuzztime=${1:-60s}
status=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "== $pkg $target ($fuzztime)"
    if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" >/tmp/kseg-fuzz.log 2>&1; then
      cat /tmp/kseg-fuzz.log
      status=1
    else
      tail -1 /tmp/kseg-fuzz.log
    fi
  done
done
exit $status
