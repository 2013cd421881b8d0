#!/usr/bin/env bash
# Overload (issue 11, docs/reliability.md): dca at ten times the load test's peak, on loopback, bounded.
#   loadtests/overload.sh [seconds]                       (default 30 per scenario)
# Starts dca-sim --profile 5k and dca (native, DCA_NATIVE_DIR or artifacts/native) with its default limits,
# then runs with wrk (tags/pod over every node, HTTPS, bearer token):
#   1. closed loop on 640 keep-alive connections: ten times the peak scenario's 64 (loadtests/run.sh);
#   2. a flood of FLOOD (12,000) keep-alive connections against DCA_MAX_CONNECTIONS (10,000): 1.2 times the limit.
# For each it prints requests/s, latency, errors, the answers by status, connections refused, dca's peak RSS,
# and how often /live failed (probed every second on the health port); then dca's RSS once the load is gone.
# DCA_NO_APPEND=1 prints the report without appending it to docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${1:-30} FLOOD=${FLOOD:-12000}
BIN=${DCA_NATIVE_DIR:-artifacts/native}
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
WORK=$(mktemp -d)
TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
"$BIN/dca-sim" --profile 5k --kubeconfig-out "$WORK/kubeconfig" >"$WORK/sim.log" 2>&1 & pids+=($!)
until grep -q "dca-sim ready" "$WORK/sim.log"; do sleep 0.2; done
DD_CLUSTER_AGENT_AUTH_TOKEN=$TOKEN DD_BIND_HOST=127.0.0.1 DD_CLUSTER_AGENT_CMD_PORT=17005 DD_HEALTH_PORT=17556 DD_METRICS_PORT=17000 \
  "$BIN/dca" --kubeconfig "$WORK/kubeconfig" >"$WORK/dca.out" 2>"$WORK/dca.log" & dca=$!; pids+=($dca)
until curl -sf 127.0.0.1:17556/ready >/dev/null; do sleep 0.05; done
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$dca/status"; }
metric() { curl -s 127.0.0.1:17000/metrics | awk -v m="$1" '$1 == m {print $2}'; }
# 503s with Retry-After: requests in flight past the limit, and requests on connections past 90 % of it.
shed() { echo $(( $(metric 'dca_api_shed_requests_total{port="cmd",reason="inflight"}') + $(metric 'dca_api_shed_requests_total{port="cmd",reason="connections"}') )); }
echo "dca ready; RSS $(rss) MB" >&2

# scenario NAME CONNECTIONS: runs wrk, samples RSS and /live every second, prints one table row.
scenario() {
  local name=$1 conns=$2 peak=0 probes=0 failed=0 refused_before shed_before
  refused_before=$(metric 'dca_api_refused_connections_total{port="cmd"}'); shed_before=$(shed)
  DCA_TOKEN=$TOKEN wrk -t2 -c"$conns" -d"${RUN}s" --timeout 10s --latency -s loadtests/wrk/tags-pod.lua https://127.0.0.1:17005 >"$WORK/$name.wrk" 2>&1 &
  local wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null; do
    local now; now=$(rss); awk -v a="$now" -v b="$peak" 'BEGIN {exit !(a > b)}' && peak=$now
    probes=$((probes + 1))
    curl -sf -m 2 127.0.0.1:17556/live >/dev/null || failed=$((failed + 1))
    sleep 1
  done
  wait "$wrk_pid" || true
  local rps p50 p99 errors non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.wrk")
  p50=$(awk '$1 == "50%" {print $2; exit}' "$WORK/$name.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$WORK/$name.wrk")
  errors=$(awk '/Socket errors/ {gsub(",", ""); print "connect " $4 ", read " $6 ", write " $8 ", timeout " $10}' "$WORK/$name.wrk")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/$name.wrk")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s MB | %s of %s |\n' "$name" "$conns" "${rps:-0}" "${p50:-—}" "${p99:-—}" \
    "${errors:-none}" "${non2xx:-0}" "$(( $(metric 'dca_api_refused_connections_total{port="cmd"}') - refused_before ))" \
    "$(( $(shed) - shed_before ))" "$peak" "$failed" "$probes"
}

{
  echo "### \`loadtests/overload.sh $RUN\` — $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r); $(cat "$BIN/FRAMEWORK" 2>/dev/null || echo ?) native binaries; wrk 4.1 (2 threads, closed loop, keep-alive, tags/pod over 5,000 nodes); dca-sim 5k; dca with its default limits (DCA_MAX_CONNECTIONS 10000, DCA_MAX_INFLIGHT_REQUESTS 512); everything on loopback sharing the cores."
  echo
  echo "| scenario | connections | requests/s | p50 | p99 | socket errors | non-2xx | connections refused | 503 with Retry-After | dca RSS max | /live failed |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  scenario "10x peak" 640
  scenario "connection flood" "$FLOOD"
  echo
  echo "Right after the load: dca RSS $(rss) MB; 40 s later (the storm check runs every 30 s):"
  sleep 40
  echo "dca RSS $(rss) MB, open connections $(metric 'dca_api_open_connections{port="cmd"}'), /ready $(curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:17556/ready), process $(kill -0 "$dca" 2>/dev/null && echo running || echo GONE)."
} | tee "$WORK/report.md"
if [ -z "${DCA_NO_APPEND:-}" ]; then
  printf '\n' >>docs/reliability.md; cat "$WORK/report.md" >>docs/reliability.md
  echo "appended to docs/reliability.md" >&2
fi
