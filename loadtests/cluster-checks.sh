#!/usr/bin/env bash
# Cluster-check dispatch at fleet scale (issue 9's budgets, docs/benchmarks.md).
#   loadtests/cluster-checks.sh [seconds] [checks] [nodes]
# Writes CHECKS (10,000) tcp_check files with cluster_check: true, starts dca-sim (small profile) and dca
# (native, from artifacts/native; DD_CLUSTER_CHECKS_ENABLED, default 30 s warm-up) on loopback, then for
# SECONDS (90) runs two paced wrk clients: heartbeats from NODES (5,000) node agents at the fleet's rate
# (NODES / 10 per second, HB_CONNS connections) and configuration fetches (CFG_RATE, 100/s). It reports
# when the dispatch settled after the warm-up (every check placed), both latency distributions, and dca's
# memory. Bounded, loopback only. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-90} CHECKS=${2:-10000} NODES=${3:-5000}
HB_CONNS=${HB_CONNS:-50} CFG_RATE=${CFG_RATE:-100} WARMUP=${WARMUP:-30}
BIN=${DCA_NATIVE_DIR:-artifacts/native}
WORK=$(mktemp -d)
TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/conf.d/tcp_check.d"
for ((i = 1; i <= CHECKS; i++)); do
  printf 'cluster_check: true\ninit_config:\ninstances:\n  - name: db-%05d\n    host: 10.%d.%d.%d\n    port: 5432\n' \
    "$i" $((i / 65536)) $((i / 256 % 256)) $((i % 256)) >"$WORK/conf.d/tcp_check.d/db-$i.yaml"
done

"$BIN/dca-sim" --profile small --kubeconfig-out "$WORK/kubeconfig" >"$WORK/sim.log" 2>&1 & pids+=($!)
until grep -q "dca-sim ready" "$WORK/sim.log"; do sleep 0.2; done
started=$(date +%s.%N)
DD_CLUSTER_AGENT_AUTH_TOKEN=$TOKEN DD_BIND_HOST=127.0.0.1 DD_CLUSTER_CHECKS_ENABLED=true DD_CONFD_PATH="$WORK/conf.d" \
  DD_CLUSTER_CHECKS_WARMUP_DURATION="${WARMUP}s" "$BIN/dca" --kubeconfig "$WORK/kubeconfig" >"$WORK/dca.log" 2>&1 & dca=$!; pids+=($dca)
until curl -sf localhost:5556/ready >/dev/null; do sleep 0.05; done
metric() { curl -s localhost:5000/metrics | awk -v m="$1" '$1 == m {print $2}'; }
memory() { curl -s localhost:5000/metrics | awk '/^dca_(process_resident|gc_heap_size)_bytes/ {printf "%s=%.1fMB ", $1, $2/1048576}'; }
echo "ready $(awk -v s="$started" -v n="$(date +%s.%N)" 'BEGIN {printf "%.2f", n - s}') s after start; $(metric dca_cluster_checks_configs) configurations; $(memory)"

hb_delay=$(( HB_CONNS * 10000 / NODES ))
DCA_TOKEN=$TOKEN NODES=$NODES DELAY_MS=$hb_delay wrk -t1 -c"$HB_CONNS" -d"${SECONDS_RUN}s" --latency -s loadtests/wrk/clusterchecks-status.lua \
  https://127.0.0.1:5005 >"$WORK/status.out" 2>&1 & hb=$!
since_start() { awk -v s="$started" -v n="$(date +%s.%N)" -v w="${1:-0}" 'BEGIN {printf "%.2f", n - s - w}'; }
settled=""
while kill -0 "$hb" 2>/dev/null && [ -z "$settled" ]; do
  if [ "$(metric dca_cluster_checks_dangling)" = "0" ] && [ "$(metric dca_cluster_checks_configs)" = "$CHECKS" ]; then
    settled=$(since_start "$WARMUP")
    echo "dispatch settled: all $CHECKS checks placed on $(metric dca_cluster_checks_nodes) nodes ${settled} s after the warm-up ended (an upper bound: counted from process start)"
  fi
  sleep 0.25
done
[ -n "$settled" ] || { echo "the dispatch never settled" >&2; tail -20 "$WORK/dca.log" >&2; exit 1; }
# Fetches once every node has its checks (each body then holds CHECKS / NODES configurations), for the rest of the run.
rest=$(awk -v s="$started" -v n="$(date +%s.%N)" -v d="$SECONDS_RUN" 'BEGIN {r = int(d - (n - s)) - 2; print (r < 5 ? 5 : r)}')
DCA_TOKEN=$TOKEN NODES=$NODES DELAY_MS=$(( 10 * 1000 / CFG_RATE )) wrk -t1 -c10 -d"${rest}s" --latency -s loadtests/wrk/clusterchecks-configs.lua \
  https://127.0.0.1:5005 >"$WORK/configs.out" 2>&1 || true
wait "$hb" || true
echo "--- heartbeats (POST /api/v1/clusterchecks/status/{node}) ---"
grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors" "$WORK/status.out" || cat "$WORK/status.out"
echo "--- configuration fetches (GET /api/v1/clusterchecks/configs/{node}) ---"
grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors" "$WORK/configs.out" || cat "$WORK/configs.out"
# Server-side time (dca's own histogram, from routing to the last byte written): share under 1 ms and 2.5 ms.
curl -s localhost:5000/metrics | awk '
  /^dca_api_request_duration_seconds_bucket\{route="clusterchecks_(status|configs)"/ {
    match($0, /route="[a-z_]+"/); r = substr($0, RSTART + 7, RLENGTH - 8); match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5)
    b[r, le] = $2 }
  END { for (r in seen) {} ; split("clusterchecks_status clusterchecks_configs", rs, " ")
    for (i = 1; i <= 2; i++) { r = rs[i]; t = b[r, "+Inf"]; if (t > 0) printf "server side %s: %d requests, %.2f%% within 1 ms, %.2f%% within 2.5 ms\n", r, t, 100 * b[r, "0.001"] / t, 100 * b[r, "0.0025"] / t } }'
echo "at the end: $(metric dca_cluster_checks_nodes) nodes, $(metric dca_cluster_checks_dangling) dangling; $(memory)"
if [ "${BASELINE:-1}" = 1 ]; then
  # The same rate on the metadata route (the load-test issue's hot path): this machine's floor for a paced client.
  DCA_TOKEN=$TOKEN NODES=$NODES DELAY_MS=$hb_delay wrk -t1 -c"$HB_CONNS" -d20s --latency -s loadtests/wrk/tags-pod-paced.lua https://127.0.0.1:5005 >"$WORK/baseline.out" 2>&1 || true
  echo "--- baseline: GET /api/v1/tags/pod/{node} at the heartbeats' rate, 20 s ---"
  grep -E "Requests/sec|50%|90%|99%" "$WORK/baseline.out" || true
fi
