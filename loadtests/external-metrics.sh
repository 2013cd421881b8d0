#!/usr/bin/env bash
# External metrics at the HPA fleet's rate (issue 10's budgets, docs/benchmarks.md).
#   loadtests/external-metrics.sh [seconds] [hpas] [period] [pods]
# Starts dca-sim (small profile) and dca (native, from artifacts/native) on loopback with the external metrics
# provider on 8443 and its embedded backend. A front-proxy CA made with openssl is published in
# kube-system/extension-apiserver-authentication (with kubectl) before dca starts. Each of HPAS (1,000) HPAs scales
# a deployment of PODS (10) pods: HPAS x PODS series of metric hpa.load with 10 tags each (kube_deployment:web-<i>,
# pod_name, namespace, image...) are pushed to POST /api/v2/series, and again every 20 s. Then HPAS clients
# each GET their metric every PERIOD (15) seconds for SECONDS (60), over HTTP/2 with the front-proxy client
# certificate, paced, latency counted from each request's scheduled time (benchmarks/Dca.Benchmarks paced-https).
# A second run at ten times the rate follows (TENFOLD=0 skips it). Reports the latency distribution, the
# server-side histogram and dca's memory before the state, with it, and at the end. Bounded, loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-60} HPAS=${2:-1000} PERIOD=${3:-15} PODS=${4:-10}
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

# As node agents push: one request per node's series (NODE_SERIES, 100, about what a node of 50 pods reports),
# all in one curl run over one connection.
NODE_SERIES=${NODE_SERIES:-100}
push() {
  local now; now=$(date +%s)
  awk -v n="$HPAS" -v pods="$PODS" -v t="$now" -v per="$NODE_SERIES" -v dir="$WORK" -v token="$TOKEN" 'BEGIN { k = 0; f = 0
    for (i = 0; i < n; i++) for (p = 0; p < pods; p++) {
      if (k % per == 0) { if (k) printf "]}" > file; close(file); file = sprintf("%s/series-%05d.json", dir, f++); printf "{\"series\":[" > file }
      printf "%s{\"metric\":\"hpa.load\",\"type\":3,\"points\":[{\"timestamp\":%d,\"value\":%d}],\"tags\":[\"kube_deployment:web-%d\",\"kube_namespace:ns-%02d\",\"pod_name:web-%d-%02d-7f9c\",\"kube_container_name:app\",\"container_name:app\",\"kube_replica_set:web-%d-7f9c\",\"kube_service:web\",\"image_tag:1.%d\",\"short_image:app\",\"kube_ownerref_name:web-%d-7f9c\"],\"resources\":[{\"type\":\"host\",\"name\":\"node-%05d\"}]}", (k % per ? "," : ""), t, 100 + p, i, i % 50, i, p, i, i % 7, i, int(k / per) > file
      k++ }
    printf "]}" > file; close(file)
    printf "" > (dir "/curl.cfg")
    for (j = 0; j < f; j++) { if (j) print "next" > (dir "/curl.cfg"); printf "url = \"https://127.0.0.1:5005/api/v2/series\"\ninsecure\nsilent\noutput = \"/dev/null\"\nwrite-out = \"%%{http_code}\\n\"\nheader = \"Authorization: Bearer %s\"\nheader = \"Content-Type: application/json\"\ndata-binary = \"@%s/series-%05d.json\"\n", token, dir, j > (dir "/curl.cfg") }
    close(dir "/curl.cfg") }'
  curl -K "$WORK/curl.cfg" | sort | uniq -c | awk '{printf "%s x%s ", $2, $1}'
}
pushed=$(push); echo "push answers: $pushed"
[[ "$pushed" =~ ^202\ x[0-9]+\ $ ]] || { echo "the series push failed" >&2; tail -20 "$WORK/dca.log" >&2; exit 1; }
( while sleep 20; do push >/dev/null; done ) & pids+=($!)
echo "$(curl -s localhost:5000/metrics | awk '$1 == "dca_external_metrics_series" {print $2}') series held; $(memory)"

url='https://127.0.0.1:8443/apis/external.metrics.k8s.io/v1beta1/namespaces/default/hpa.load?labelSelector=kube_deployment%3Dweb-{i}'
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
