#!/usr/bin/env bash
# Soak (issue 11, docs/reliability.md): the load test's fleet scenario with churn for a long time, to show that
# dca's resident memory, open handles and threads are flat once warmed up. Loopback only; not run in CI.
#   loadtests/soak.sh [minutes] [profile]          (defaults 30 and 5k)
# Starts dca-sim (<profile>, churning CHURN=100 pod replacements/s) and dca (native, DCA_NATIVE_DIR or
# artifacts/native), then paces wrk at the fleet's rate (nodes x 3.05 requests/min x 10, over 256 connections;
# loadtests/wrk/mix.lua MODE=fleet) for the whole run, sampling dca every SAMPLE (10) seconds: RSS, open file
# descriptors, threads, GC heap and the live data after the last full collection. After the first WARMUP (20) percent it fits a least-squares line to each and
# reports the slope per hour against the mean. DCA_NO_APPEND=1 prints without appending to docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-30} PROFILE=${2:-5k} CHURN=${CHURN:-100} SAMPLE=${SAMPLE:-10} WARMUP=${WARMUP:-20}
BIN=${DCA_NATIVE_DIR:-artifacts/native}
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
WORK=$(mktemp -d)
TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
nice -n 10 "$BIN/dca-sim" --profile "$PROFILE" --churn "$CHURN" --kubeconfig-out "$WORK/kubeconfig" >"$WORK/sim.out" 2>"$WORK/sim.log" & pids+=($!)
until grep -q "dca-sim ready" "$WORK/sim.out"; do sleep 0.2; done
NODES=$(grep -o '"nodes":[0-9]*' "$WORK/sim.out" | cut -d: -f2)
DD_CLUSTER_AGENT_AUTH_TOKEN=$TOKEN DD_BIND_HOST=127.0.0.1 DD_CLUSTER_AGENT_CMD_PORT=18005 DD_HEALTH_PORT=18556 DD_METRICS_PORT=18000 \
  "$BIN/dca" --kubeconfig "$WORK/kubeconfig" >"$WORK/dca.out" 2>"$WORK/dca.log" & dca=$!; pids+=($dca)
until curl -sf 127.0.0.1:18556/ready >/dev/null; do sleep 0.05; done
awk -v n="$NODES" 'BEGIN { for (i = 1; i <= n; i++) { printf "/api/v1/tags/pod/node-%05d\n/api/v1/tags/node/node-%05d\n", i, i } }' >"$WORK/paths"
RATE=$(awk -v n="$NODES" 'BEGIN {printf "%d", n * 3.05 / 60 * 10 + 0.5}')
echo "soak: $MINUTES min, $PROFILE ($NODES nodes), $RATE requests/s over 256 connections, churn $CHURN/s, a sample every $SAMPLE s" >&2
MODE=fleet WRK_THREADS=2 WRK_CONNECTIONS=256 DCA_TOKEN=$TOKEN PATHS_FILE=$WORK/paths RATE=$RATE \
  wrk -t2 -c256 -d"$((MINUTES * 60))s" -s loadtests/wrk/mix.lua https://127.0.0.1:18005 >"$WORK/wrk.out" 2>&1 & wrk_pid=$!; pids+=($wrk_pid)
# gc: the heap after the last collection (MB), the live data after the last full collection (MB), full collections so far.
gc() { curl -s 127.0.0.1:18000/metrics | awk '$1 == "dca_gc_heap_size_bytes" {h = $2} $1 == "dca_gc_live_bytes_after_full_collection" {l = $2}
  $1 == "dca_gc_collections_total{generation=\"gen2\"}" {g = $2} END {printf "%.1f %.1f %d", h / 1048576, l / 1048576, g}'; }
start=$(date +%s)
: >"$WORK/samples"
while kill -0 "$wrk_pid" 2>/dev/null; do
  kill -0 "$dca" 2>/dev/null || { echo "dca exited during the soak" >&2; cat "$WORK/dca.log" >&2; exit 1; }
  printf '%s %s %s %s %s\n' "$(( $(date +%s) - start ))" "$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$dca/status")" \
    "$(find "/proc/$dca/fd" -mindepth 1 -maxdepth 1 | wc -l)" "$(awk '/Threads/ {print $2}' "/proc/$dca/status")" "$(gc)" >>"$WORK/samples"
  sleep "$SAMPLE"
done
result=$(grep '^RESULT' "$WORK/wrk.out" || true)
{
  echo "### \`loadtests/soak.sh $MINUTES $PROFILE\` — $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r); $(cat "$BIN/FRAMEWORK" 2>/dev/null || echo ?) native binaries; dca-sim $PROFILE churning $CHURN pod replacements/s; wrk fleet mode $RATE requests/s over 256 connections; everything on loopback. Load: ${result:-no RESULT line from wrk}."
  echo
  echo "| measure | first sample | after warm-up: mean | min | max | slope per hour | slope / mean |"
  echo "|---|---|---|---|---|---|---|"
  awk -v warm="$WARMUP" '
    { t[NR] = $1; for (k = 2; k <= 7; k++) v[k, NR] = $k; n = NR }
    END {
      name[2] = "RSS (MB)"; name[3] = "open file descriptors"; name[4] = "threads"; name[5] = "GC heap after the last collection (MB)"
      name[6] = "live managed data after the last full collection (MB)"
      from = int(n * warm / 100) + 1
      for (k = 2; k <= 6; k++) {
        m = 0; st = 0; sv = 0; stt = 0; stv = 0; lo = 1e18; hi = -1e18
        for (i = from; i <= n; i++) { x = t[i] / 3600; y = v[k, i]; m++; st += x; sv += y; stt += x * x; stv += x * y; if (y < lo) lo = y; if (y > hi) hi = y }
        slope = (m > 1 && m * stt - st * st != 0) ? (m * stv - st * sv) / (m * stt - st * st) : 0
        mean = m ? sv / m : 0
        printf "| %s | %s | %.1f | %s | %s | %+.2f | %+.1f %% |\n", name[k], v[k, 1], mean, lo, hi, slope, mean ? 100 * slope / mean : 0
      }
      printf "\n%d samples over %d s; the fit uses the %d after the first %d %%; %d full (gen2) collections during the fit, %d since start.\n", n, t[n], n - from + 1, warm, v[7, n] - v[7, from], v[7, n]
    }' "$WORK/samples"
} | tee "$WORK/report.md"
mkdir -p artifacts/soak && cp "$WORK/samples" artifacts/soak/samples.txt
echo "samples (seconds, RSS MB, descriptors, threads, heap MB, live MB, gen2 collections): artifacts/soak/samples.txt" >&2
if [ -z "${DCA_NO_APPEND:-}" ]; then
  printf '\n' >>docs/reliability.md; cat "$WORK/report.md" >>docs/reliability.md
  echo "appended to docs/reliability.md" >&2
fi
