#!/usr/bin/env bash
# Fuzz each target given as package:Name for FUZZTIME (a duration such as
# 2m, or a count such as 3000x). go test -fuzz takes one target per package
# per run, hence the loop.
#
# Go 1.26's fuzz coordinator can end a duration run with a bare "context
# deadline exceeded" failure and no failing input (go.dev/issue/75804,
# fixed in Go 1.27): its deadline races the workers' shutdown. Such a run
# is reported and not counted as a failure; any run that writes a failing
# input, or fails otherwise, stops the loop. A count (Nx) has no deadline,
# which is why make test uses one.
set -uo pipefail
: "${GO:=go}"
: "${FUZZTIME:=2m}"
for t in "$@"; do
  pkg=${t%%:*} name=${t##*:}
  echo "fuzz $pkg $name for $FUZZTIME"
  out=$(mktemp)
  "$GO" test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 10x "$pkg" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    if grep -q '^    context deadline exceeded$' "$out" && ! grep -q 'Failing input written' "$out" \
       && [ "$(grep -c -- '--- FAIL' "$out")" -eq 1 ]; then
      echo "fuzz $pkg $name: Go's fuzz coordinator stopped with 'context deadline exceeded' and no failing input (go.dev/issue/75804): not a finding"
    else
      rm -f "$out"
      echo "fuzz $pkg $name: FAILED (exit $rc)" >&2
      exit 1
    fi
  fi
  rm -f "$out"
done
