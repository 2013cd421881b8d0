#!/usr/bin/env bash
# The fault matrix (issue 11, docs/reliability.md): every dca-sim fault switch (5xx burst, 429 storm with
# Retry-After, dropped and stalled watches, latency, forced 410, API server restart losing watch state) against
# every component (informers and snapshot, leader election, event collection, cluster-check dispatch, node-agent
# tagging, external metrics), with the native binaries on loopback (loadtests/Dca.Chaos).
#   loadtests/chaos.sh [window-seconds] [recovery-seconds]       (defaults 10 and 180; about 8 minutes)
# FAULTS="5xx burst,latency" runs only those faults; DCA_SKIP_PUBLISH=1 reuses the native binaries in
# DCA_NATIVE_DIR (default artifacts/native); DCA_NO_APPEND=1 prints the report without appending it to
# docs/reliability.md; CHAOS_LOGS (artifacts/chaos) receives every process's log. Exit code 1 when a cell did not recover, lost or duplicated something, or a process was unhealthy.
set -euo pipefail
cd "$(dirname "$0")/.."
WINDOW=${1:-10} RECOVERY=${2:-180}
BIN=${DCA_NATIVE_DIR:-artifacts/native}
[ -n "${DCA_SKIP_PUBLISH:-}" ] || ./dev publish "$BIN"
dotnet build loadtests/Dca.Chaos -c Release -nologo -v:q >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Every process's log goes to artifacts/chaos/ for a post-mortem.
args=(--window "$WINDOW" --recovery "$RECOVERY" --out "$out" --logs "${CHAOS_LOGS:-artifacts/chaos}")
[ -z "${FAULTS:-}" ] || args+=(--faults "$FAULTS")
status=0
# The harness writes its table to $out (and progress to standard error); the report below is what is printed.
DCA_NATIVE_DIR=$(realpath "$BIN") dotnet loadtests/Dca.Chaos/bin/Release/net10.0/Dca.Chaos.dll "${args[@]}" >/dev/null || status=$?
[ -s "$out" ] || exit "$status"
report=$(
  echo "### \`loadtests/chaos.sh $WINDOW $RECOVERY\` — $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r); $(cat "$BIN/FRAMEWORK" 2>/dev/null || echo ?) native binaries: dca-sim (small profile), two dca replicas, a dca-node per node (3), a Datadog intake stand-in, all on loopback.${FAULTS:+ Faults: $FAULTS.}"
  echo
  cat "$out"
)
echo "$report"
if [ -z "${DCA_NO_APPEND:-}" ]; then
  printf '\n%s\n' "$report" >>docs/reliability.md
  echo "appended to docs/reliability.md" >&2
fi
exit "$status"
