#!/usr/bin/env bash
# ci-repeat.sh N [REPO] — run CI (.ci/run) N times, each on a fresh clone of
# REPO (default: /work/main, or the repository this script sits in), and print
# pass/fail and the duration of each run, then a summary. Exits 0 only when
# every run passed. Each run's log stays in $CI_REPEAT_LOGS (default: a new
# temporary directory); the clones are removed.
#
#   scripts/ci-repeat.sh 6
#   scripts/ci-repeat.sh 2 /work/main   # e.g. under load: yes >/dev/null & yes >/dev/null &
set -uo pipefail
n=${1:?usage: scripts/ci-repeat.sh N [REPO]}
case $n in '' | *[!0-9]*) echo "ci-repeat: N must be a positive integer, got '$n'" >&2; exit 2 ;; esac
repo=${2:-$(cd "$(dirname "$0")/.." && git rev-parse --show-toplevel)}
logs=${CI_REPEAT_LOGS:-$(mktemp -d /tmp/ci-repeat-logs.XXXXXX)}
mkdir -p "$logs"
commit=$(git -C "$repo" rev-parse HEAD)
echo "ci-repeat: $n run(s) of .ci/run on fresh clones of $repo at ${commit:0:12}; logs in $logs"
passed=0
for i in $(seq 1 "$n"); do
	clone=$(mktemp -d /tmp/ci-repeat-clone.XXXXXX)
	log="$logs/run-$i.log"
	start=$(date +%s)
	if git clone -q "$repo" "$clone/nnfc" >"$log" 2>&1 && git -C "$clone/nnfc" checkout -q "$commit" >>"$log" 2>&1 &&
		(cd "$clone/nnfc" && bash .ci/run) >>"$log" 2>&1; then
		result=pass
		passed=$((passed + 1))
	else
		result=FAIL
	fi
	secs=$(($(date +%s) - start))
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	printf 'run %d/%d: %s in %dm%02ds (load average after: %s) %s\n' "$i" "$n" "$result" $((secs / 60)) $((secs % 60)) "$load" "$log"
	if [ "$result" = FAIL ]; then
		grep -E -- '^(--- FAIL|FAIL|panic:|make: \*\*\*)' "$log" | head -20 | sed 's/^/    /'
	fi
	rm -rf "$clone"
done
echo "ci-repeat: $passed/$n passed at ${commit:0:12}"
[ "$passed" -eq "$n" ]
