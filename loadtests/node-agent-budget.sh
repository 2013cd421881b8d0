#!/usr/bin/env bash
# The node agent's budget (issue 6): RSS and CPU of one native dca-node whose node runs 110 pods,
# collecting every 15 s, tagging through a native dca, and shipping to a local stand-in for Datadog's
# intake (a few lines of Python that answer 202). Loopback only; bounded by DURATION (default 180 s).
#
#   loadtests/node-agent-budget.sh              # as deployed: /metrics not scraped
#   SCRAPE=1 loadtests/node-agent-budget.sh     # also scrape /metrics every 15 s (Prometheus)
#
# dca-node maps its own copy of libssl/libcrypto (as in its own container); otherwise the pages it
# shares with dca-sim and dca on this host stay resident and are counted in its RSS.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-$ROOT/artifacts/native}
DURATION=${DURATION:-180}
PODS=${PODS:-110}
D=$(mktemp -d)
for bin in dca dca-node dca-sim; do [ -x "$N/$bin" ] || { echo "no $N/$bin: run ./dev publish first" >&2; exit 1; }; done
cat >"$D/intake.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        self.send_response(202); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'{}')
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
mkdir -p "$D/libs"
for lib in libssl.so.3 libcrypto.so.3; do cp "$(ldconfig -p | awk -v l=$lib '$1==l {print $NF; exit}')" "$D/libs/"; done
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
INTAKE=$(port); CMD=$(port); HEALTH=$(port); METRICS=$(port); NHEALTH=$(port); NMETRICS=$(port)
python3 "$D/intake.py" "$INTAKE" & IP=$!
"$N/dca-sim" --profile small --pods-per-node "$PODS" --kubeconfig-out "$D/kubeconfig" >"$D/sim.out" 2>&1 & SP=$!
trap 'kill $IP $SP ${DP:-} ${NP:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
for _ in $(seq 1 300); do grep -q '^dca-sim ready' "$D/sim.out" && break; sleep 0.1; done
KUBELET=$(grep -o '"kubeletPort":[0-9]*' "$D/sim.out" | cut -d: -f2)
sed -n 's/^ *certificate-authority-data: //p' "$D/kubeconfig" | base64 -d >"$D/ca.crt"
sed -n 's/^ *token: //p' "$D/kubeconfig" >"$D/token"
export DD_CLUSTER_AGENT_AUTH_TOKEN=budget-token-0123456789abcdef0123456789
DD_BIND_HOST=127.0.0.1 DD_CLUSTER_AGENT_CMD_PORT=$CMD DD_HEALTH_PORT=$HEALTH DD_METRICS_PORT=$METRICS \
  "$N/dca" --kubeconfig "$D/kubeconfig" >"$D/dca.out" 2>&1 & DP=$!
for _ in $(seq 1 300); do curl -sf "127.0.0.1:$HEALTH/ready" >/dev/null && break; sleep 0.1; done
env LD_LIBRARY_PATH="$D/libs" DD_BIND_HOST=127.0.0.1 DD_HEALTH_PORT=$NHEALTH DD_OPENMETRICS_PORT=$NMETRICS \
  DD_KUBERNETES_KUBELET_NODENAME=node-00001 DD_KUBERNETES_KUBELET_HOST=127.1.0.1 DD_KUBERNETES_HTTPS_KUBELET_PORT="$KUBELET" \
  DD_KUBELET_CLIENT_CA="$D/ca.crt" DD_KUBELET_AUTH_TOKEN_PATH="$D/token" DD_CLUSTER_AGENT_URL="https://127.0.0.1:$CMD" \
  DD_API_KEY=budget DD_DD_URL="http://127.0.0.1:$INTAKE/" "$N/dca-node" >"$D/node.out" 2>&1 & NP=$!
sleep 20
rss() { awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$NP/status"; }
ticks() { awk '{print $14+$15}' "/proc/$NP/stat"; }
echo "dca-node: $PODS pods on its node, 15 s collections; RSS 20 s after start: $(rss) MB"
t0=$(ticks); s0=$(date +%s.%N); samples=()
for i in $(seq 1 $((DURATION / 15))); do
  sleep 15
  [ "${SCRAPE:-0}" = 1 ] && curl -s "127.0.0.1:$NMETRICS/metrics" >/dev/null
  samples+=("$(rss)")
done
t1=$(ticks); s1=$(date +%s.%N)
m=$(curl -s "127.0.0.1:$NMETRICS/metrics")
echo "RSS every 15 s (MB): ${samples[*]}"
echo "pods $(awk '/^dca_node_pods /{print $2}' <<<"$m"), samples per collection $(awk '/^dca_node_collection_samples /{print $2}' <<<"$m"), sent $(awk '/^dca_node_series_sent_total /{print $2}' <<<"$m"), kubelet errors $(awk '/^dca_node_kubelet_errors_total/{s+=$2} END{print s+0}' <<<"$m")"
awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v s="$s1" -v s0="$s0" 'BEGIN{printf "CPU %.2f %% of one core over %.0f s\n", 100*t/hz/(s-s0), s-s0}'
