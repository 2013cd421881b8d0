#!/usr/bin/env bash
# External metrics at the HPA fleet's rate (issue 10's budgets, docs/benchmarks.md).
#   loadtests/external-metrics.sh [seconds] [hpas] [period]
# Starts dca-sim (small profile) and dca (native, from artifacts/native) on loopback with the external metrics
# provider on 8443 and its embedded backend. A front-proxy CA made with openssl is published in
# kube-system/extension-apiserver-authentication (with kubectl) before dca starts. HPAS (1,000) series of
# metric hpa.load (tag hpa:<i>) are pushed to POST /api/v2/series, and pushed again every 20 s. Then HPAS clients
# each GET their metric every PERIOD (15) seconds for SECONDS (60), over HTTP/2 with the front-proxy client
# certificate, paced, latency counted from each request's scheduled time (benchmarks/Dca.Benchmarks paced-https).
# A second run at ten times the rate follows (TENFOLD=0 skips it). Reports the latency distribution, the
# server-side histogram and dca's memory before the state, with it, and at the end. Bounded, loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-60} HPAS=${2:-1000} PERIOD=${3:-15}
BIN=${DCA_NATIVE_DIR:-artifacts/native}
WORK=$(mktemp -d)
TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

dotnet build benchmarks/Dca.Benchmarks -c Release -nologo -v:q >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=load-front-proxy-ca" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=front-proxy-client" \
  -keyout "$WORK/client.key" -out "$WORK/client.csr" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n' >"$WORK/ext"
openssl x509 -req -in "$WORK/client.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
  -extfile "$WORK/ext" -out "$WORK/client.pem" 2>/dev/null

"$BIN/dca-sim" --profile small --kubeconfig-out "$WORK/kubeconfig" >"$WORK/sim.log" 2>&1 & pids+=($!)
until grep -q "dca-sim ready" "$WORK/sim.log"; do sleep 0.2; done
kubectl --kubeconfig "$WORK/kubeconfig" -n kube-system create configmap extension-apiserver-authentication \
  --from-file=requestheader-client-ca-file="$WORK/ca.pem" --from-literal=requestheader-allowed-names='["front-proxy-client"]' \
  --dry-run=client -o yaml | kubectl --kubeconfig "$WORK/kubeconfig" apply -f - >/dev/null
DD_CLUSTER_AGENT_AUTH_TOKEN=$TOKEN DD_BIND_HOST=127.0.0.1 DD_EXTERNAL_METRICS_PROVIDER_ENABLED=true \
  "$BIN/dca" --kubeconfig "$WORK/kubeconfig" >"$WORK/dca.log" 2>&1 & dca=$!; pids+=($dca)
until curl -sf localhost:5556/ready >/dev/null; do sleep 0.05; done
memory() { curl -s localhost:5000/metrics | awk '/^dca_(process_resident|gc_heap_size)_bytes/ {printf "%s=%.1fMB ", $1, $2/1048576}'; }
echo "ready; before the external metrics state: $(memory)"

push() {
  local now; now=$(date +%s)
  awk -v n="$HPAS" -v t="$now" 'BEGIN { printf "{\"series\":["; for (i = 0; i < n; i++) printf "%s{\"metric\":\"hpa.load\",\"type\":3,\"points\":[{\"timestamp\":%d,\"value\":%d}],\"tags\":[\"hpa:%d\",\"kube_namespace:default\"],\"resources\":[{\"type\":\"host\",\"name\":\"node-%05d\"}]}", (i ? "," : ""), t, 100 + i, i, i % 5000; printf "]}" }' >"$WORK/series.json"
  curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$WORK/series.json" https://127.0.0.1:5005/api/v2/series
}
[ "$(push)" = 202 ] || { echo "the series push failed" >&2; tail -20 "$WORK/dca.log" >&2; exit 1; }
( while sleep 20; do push >/dev/null; done ) & pids+=($!)
echo "$(curl -s localhost:5000/metrics | awk '$1 == "dca_external_metrics_series" {print $2}') series held; $(memory)"

url='https://127.0.0.1:8443/apis/external.metrics.k8s.io/v1beta1/namespaces/default/hpa.load?labelSelector=hpa%3D{i}'
load() { dotnet benchmarks/Dca.Benchmarks/bin/Release/net10.0/Dca.Benchmarks.dll paced-https "$url" "$WORK/client.pem" "$WORK/client.key" "$@"; }
echo "--- $HPAS HPAs every $PERIOD s for $SECONDS_RUN s ---"
load "$HPAS" "$PERIOD" "$SECONDS_RUN"
echo "after: $(memory)"
if [ "${TENFOLD:-1}" = 1 ]; then
  echo "--- ten times the rate: $HPAS HPAs every $(awk -v p="$PERIOD" 'BEGIN {print p / 10}') s for $SECONDS_RUN s ---"
  load "$HPAS" "$(awk -v p="$PERIOD" 'BEGIN {print p / 10}')" "$SECONDS_RUN"
  echo "after: $(memory)"
fi
# Server-side time (dca's own histogram, from routing to the last byte written).
curl -s localhost:5000/metrics | awk '
  /^dca_api_request_duration_seconds_bucket\{route="em_value"/ { match($0, /le="[^"]+"/); b[substr($0, RSTART + 4, RLENGTH - 5)] = $2 }
  END { t = b["+Inf"]; if (t > 0) printf "server side em_value: %d requests, %.2f%% within 1 ms, %.2f%% within 2.5 ms, %.2f%% within 5 ms\n", t, 100 * b["0.001"] / t, 100 * b["0.0025"] / t, 100 * b["0.005"] / t }'
