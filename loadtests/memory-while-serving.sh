#!/usr/bin/env bash
# Resident memory of dca while it serves node agents (docs/benchmarks.md, issue 4).
#   loadtests/memory-while-serving.sh [seconds] [connections] [delay-ms]
# Starts dca-sim --profile 5k --churn 5 and dca (native, from artifacts/native) on loopback, runs wrk
# with wrk/tags-pod-paced.lua, samples VmRSS every second, prints the peak and dca's /metrics memory
# figures, and stops what it started (TRACE=1 also prints VmRSS for each second). Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-60} CONNS=${2:-200} DELAY=${3:-240}
BIN=${DCA_NATIVE_DIR:-artifacts/native}
WORK=$(mktemp -d)
TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$BIN/dca-sim" --profile 5k --churn 5 --kubeconfig-out "$WORK/kubeconfig" >"$WORK/sim.log" 2>&1 & pids+=($!)
until grep -q "dca-sim ready" "$WORK/sim.log"; do sleep 0.5; done
DD_CLUSTER_AGENT_AUTH_TOKEN=$TOKEN DD_BIND_HOST=127.0.0.1 "$BIN/dca" --kubeconfig "$WORK/kubeconfig" >"$WORK/dca.log" 2>&1 & dca=$!; pids+=($dca)
until curl -sf localhost:5556/ready >/dev/null; do sleep 0.05; done
memory() { curl -s localhost:5000/metrics | awk '/^dca_(process_resident|gc_heap_size|gc_committed)_bytes/ {printf "%s=%.1fMB ", $1, $2/1048576}'; }
echo "after sync: $(memory)"
DCA_TOKEN=$TOKEN DELAY_MS=$DELAY wrk -t2 -c"$CONNS" -d"${SECONDS_RUN}s" -s loadtests/wrk/tags-pod-paced.lua https://127.0.0.1:5005 >"$WORK/wrk.out" 2>&1 &
wrk_pid=$!
peak=0 trace=""
while kill -0 "$wrk_pid" 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$dca/status"); [ "$rss" -gt "$peak" ] && peak=$rss
  trace+="$(awk -v kb="$rss" 'BEGIN {printf "%.1f", kb / 1024}') "
  sleep 1
done
grep -E "Requests/sec|Latency|Non-2xx|Socket errors" "$WORK/wrk.out" || true
[ -n "${TRACE:-}" ] && echo "VmRSS each second (MB): $trace"
echo "while serving: peak VmRSS $(awk -v kb="$peak" 'BEGIN {printf "%.1f", kb / 1024}') MB; at the end: $(memory)"
