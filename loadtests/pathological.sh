#!/usr/bin/env bash
# Pathological but legal clusters (issue 11): dca's memory and latency with a 250 KiB annotation (kube-apiserver refuses
# more than 256 KiB of annotations per object, and so does dca-sim), 10,000 labels,
# 5,000 pods on one node and 100,000 services, against the metadata budgets (issue 4) scaled linearly.
#   loadtests/pathological.sh            (DCA_NATIVE_DIR or artifacts/native; DCA_NO_APPEND=1 only prints)
# For each case it starts native dca-sim --profile small and dca (ports 19005/19556/19000), records dca's RSS
# and /metrics as the baseline (the median of FRESH_STARTS fresh starts, 3), creates the objects through the simulator's API (curl for single objects;
# `benchmarks/Dca.Benchmarks sim-objects` for bulk: POSTs over keep-alive connections, with the EndpointSlices
# the simulator does not generate), waits until dca's answers show them, then measures RSS and heap deltas,
# answer sizes and latency (wrk, keep-alive HTTPS, 4 connections, LAT_SECONDS each), the time until visible,
# and stops both. Knobs: ANNOTATION_KB (250), LABELS (10000), CROWD_SERVICES x CROWD_PER_SERVICE (50 x 100 pods
# on one node), SERVICES (100000) over SERVICE_NAMESPACES (100) and SERVICE_NODES (1000), LAT_SECONDS (5),
# FRESH_STARTS (3).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${DCA_NATIVE_DIR:-artifacts/native}
ANNOTATION_KB=${ANNOTATION_KB:-250} LABELS=${LABELS:-10000} LAT_SECONDS=${LAT_SECONDS:-5}
CROWD_SERVICES=${CROWD_SERVICES:-50} CROWD_PER_SERVICE=${CROWD_PER_SERVICE:-100}
FRESH_STARTS=${FRESH_STARTS:-3} SERVICES=${SERVICES:-100000} SERVICE_NAMESPACES=${SERVICE_NAMESPACES:-100} SERVICE_NODES=${SERVICE_NODES:-1000}
for tool in wrk curl kubectl python3; do command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }; done
WORK=$(mktemp -d)
TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
API=https://127.0.0.1:19005
pids=()
stop_all() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; pids=(); }
cleanup() { stop_all; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building the object generator (benchmarks/Dca.Benchmarks; DCA_SKIP_BUILD=1 reuses it)" >&2
[ -n "${DCA_SKIP_BUILD:-}" ] || dotnet build benchmarks/Dca.Benchmarks -c Release -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
GEN=$(ls benchmarks/Dca.Benchmarks/bin/Release/net*/Dca.Benchmarks.dll | head -1)

# start_pair [dca env...]: dca-sim --profile small and dca against it; waits for /ready, then 3 s for the start-up release.
start_pair() {
  "$BIN/dca-sim" --profile small --kubeconfig-out "$WORK/kubeconfig" >"$WORK/sim.log" 2>&1 & pids+=($!)
  until grep -q "dca-sim ready" "$WORK/sim.log"; do sleep 0.1; done
  dca_env=("$@")
  fresh_starts
  base_ready=$fresh_ready base_rss=$fresh_rss base_heap=$fresh_heap
  SIM_URL=$(kubectl --kubeconfig "$WORK/kubeconfig" config view --raw -o jsonpath='{.clusters[0].cluster.server}')
  SIM_TOKEN=$(kubectl --kubeconfig "$WORK/kubeconfig" config view --raw -o jsonpath='{.users[0].user.token}')
  NODE=$(kubectl --kubeconfig "$WORK/kubeconfig" get nodes -o jsonpath='{.items[0].metadata.name}')
  floor=$(latency "/api/v1/tags/node/$NODE")
}
# start_dca: dca with the case's environment; ready_ms is the time from its start to /ready; then 3 s for the
# start-up release (a compacting collection and a working-set trim after the first snapshot).
start_dca() {
  local t0; t0=$(now_ms)
  env "${dca_env[@]}" DD_CLUSTER_AGENT_AUTH_TOKEN="$TOKEN" DD_BIND_HOST=127.0.0.1 DD_CLUSTER_AGENT_CMD_PORT=19005 DD_HEALTH_PORT=19556 DD_METRICS_PORT=19000 \
    "$BIN/dca" --kubeconfig "$WORK/kubeconfig" >"$WORK/dca.out" 2>>"$WORK/dca.log" & dca=$!; pids+=($dca)
  until curl -sf 127.0.0.1:19556/ready >/dev/null; do sleep 0.01; done
  ready_ms=$(( $(now_ms) - t0 ))
  sleep 3
}
# fresh_starts: FRESH_STARTS (3) fresh dca starts in turn (the last keeps running); sets fresh_rss, fresh_heap and
# fresh_ready to their medians: one start's RSS varies by about a megabyte, the size of the smallest budgets.
fresh_starts() {
  local rs=() hs=() ts=() i
  for ((i = 0; i < FRESH_STARTS; i++)); do
    [ "$i" -gt 0 ] && { kill "$dca"; wait "$dca" 2>/dev/null || true; }
    start_dca
    rs+=("$(rss)") hs+=("$(metric dca_gc_heap_size_bytes)") ts+=("$ready_ms")
  done
  fresh_rss=$(median "${rs[@]}") fresh_heap=$(median "${hs[@]}") fresh_ready=$(median "${ts[@]}")
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# restart_dca: fresh dcas on the pathological cluster: prints "/ready N ms; after sync RSS a MB (+d), heap h MB (+d)"
# (medians of FRESH_STARTS) against those of the unchanged cluster (the baseline); sets restart_delta (RSS MB).
restart_dca() {
  kill "$dca"; wait "$dca" 2>/dev/null || true
  fresh_starts
  local r=$fresh_rss h=$fresh_heap
  ready_ms=$fresh_ready
  restart_delta=$(awk -v r0="$base_rss" -v r="$r" 'BEGIN {printf "%.1f", r - r0}')
  restart_text=$(awk -v t="$ready_ms" -v t0="$base_ready" -v r0="$base_rss" -v r="$r" -v h0="$base_heap" -v h="$h" \
    'BEGIN {printf "fresh dca: /ready %d ms (unchanged cluster %d ms), after sync RSS %.1f MB (%+.1f), heap %.1f MB (%+.1f)", t, t0, r, r - r0, h / 1048576, (h - h0) / 1048576}')
}
rss() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$dca/status"; }
metric() { curl -s 127.0.0.1:19000/metrics | awk -v m="$1" '$1 == m {print $2}'; }
# vis: dca's own change-to-publication delay (dca_snapshot_visibility_delay_seconds, every watch event since the
# start): "p99 ≤ LE s over N changes", LE the histogram bucket holding the 99th percentile.
vis() {
  curl -s 127.0.0.1:19000/metrics | awk '
    /^dca_snapshot_visibility_delay_seconds_bucket/ { match($0, /le="[^"]*"/); le[++n] = substr($0, RSTART + 4, RLENGTH - 5); c[n] = $NF }
    /^dca_snapshot_visibility_delay_seconds_count/ { total = $NF }
    END { for (i = 1; i <= n; i++) if (c[i] >= 0.99 * total) { printf "dca p99 ≤ %s s over %d changes", le[i], total; exit } }'
}
# vis_verdict "dca p99 ≤ LE s ...": met when LE <= 0.5 s (issue 4: visible <= 500 ms after the watch event, p99).
vis_verdict() { awk -v t="$1" 'BEGIN {split(t, a, " "); print (a[4] != "" && a[4] + 0 <= 0.5) ? "met" : "**missed**"}'; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
now_ms() { date +%s%3N; }
# sim METHOD PATH [file] [content-type]: one request to the simulator's API.
sim() { curl -sfk -o /dev/null -X "$1" -H "Authorization: Bearer $SIM_TOKEN" -H "Content-Type: ${4:-application/merge-patch+json}" ${3:+--data-binary "@$3"} "$SIM_URL$2"; }
dca_get() { curl -sk -H "Authorization: Bearer $TOKEN" "$API$1"; }
size() { curl -sk -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $TOKEN" "$API$1"; }
# wait_for PATH TEXT: polls dca every 20 ms until the answer contains TEXT (at most 120 s); prints the ms waited.
wait_for() {
  local start; start=$(now_ms)
  until dca_get "$1" | grep -qF -- "$2"; do
    [ $(( $(now_ms) - start )) -gt 120000 ] && { echo "timeout"; return; }
    sleep 0.02
  done
  echo $(( $(now_ms) - start ))
}
# latency PATH: wrk over 4 keep-alive HTTPS connections for LAT_SECONDS; prints "p50 / p99 (requests)".
latency() {
  wrk -t1 -c4 -d"${LAT_SECONDS}s" --latency -H "Authorization: Bearer $TOKEN" "$API$1" >"$WORK/wrk.out" 2>&1 || true
  awk '$1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2} /requests in/ {n = $1} /Non-2xx/ {bad = $NF}
       END {printf "%s / %s (%s req%s)", p50, p99, n, bad ? ", " bad " non-2xx" : ""}' "$WORK/wrk.out"
}
# deltas: "RSS a -> b MB (+d), heap a -> b MB (+d)" against the case's baseline.
deltas() {
  local r h; r=$(rss); h=$(metric dca_gc_heap_size_bytes)
  awk -v r0="$base_rss" -v r="$r" -v h0="$base_heap" -v h="$h" \
    'BEGIN {printf "RSS %.1f -> %.1f MB (%+.1f); heap %.1f -> %.1f MB (%+.1f)", r0, r, r - r0, h0 / 1048576, h / 1048576, (h - h0) / 1048576}'
}
rss_delta_mb() { awk -v r0="$base_rss" -v r="$(rss)" 'BEGIN {printf "%.1f", r - r0}'; }
# verdict FIGURE BUDGET: met when FIGURE <= BUDGET.
verdict() { awk -v f="$1" -v b="$2" 'BEGIN {print (f <= b) ? "**met**" : "**missed**"}'; }
rows=()
row() { rows+=("| $1 | $2; machine floor (\`tags/node/{node}\` on the unchanged cluster) p50/p99 $floor | $3 | $4 |"); }

# Memory is judged as issue 4 judges it, on a fresh dca after sync (the start-up release compacts the heap and
# trims the working set), against a fresh dca on the unchanged cluster; the live figures (the running dca right
# after the watch events, before any full collection) are reported beside it. Latency is judged against issue 7's
# fleet p99 (5 ms for a ~2 KiB tags/pod body) scaled by the body size: p99 <= 5 ms x max(1, bytes / 2 KiB).
lat_budget() { awk -v b="$1" 'BEGIN {x = 5 * b / 2048; printf "%.0f", x < 5 ? 5 : x}'; }
# lat_verdict P99 BUDGET_MS: wrk prints p99 as 812.00us, 4.21ms or 1.02s.
lat_verdict() { awk -v p="$1" -v b="$2" 'BEGIN {v = p + 0; if (p ~ /us$/) v /= 1000; else if (p ~ /ms$/) v += 0; else if (p ~ /s$/) v *= 1000; print (v <= b) ? "met" : "**missed**"}'; }
# route PATH: "`PATH` N B, p50/p99 X / Y (n req), budget p99 <= Z ms: met"
route() {
  local bytes out p99 b; bytes=$(size "$1"); out=$(latency "$1"); p99=$(awk '{print $3}' <<<"$out"); b=$(lat_budget "$bytes")
  echo "\`${2:-$1}\` $bytes B, p50/p99 $out, p99 ≤ $b ms: $(lat_verdict "$p99" "$b")"
}

# Case 1: a large annotation on a node, a Service and an EndpointSlice (a real API server refuses annotations
# over 256 KiB in total per object, and so does the simulator: 250 KiB is the largest that fits beside the others).
blob_patch() { python3 -c "import json,sys; print(json.dumps({'metadata': {'labels': {'patho': sys.argv[2]}, 'annotations': {sys.argv[3]: 'x' * (int(sys.argv[1]) * 1024)}}}))" "$ANNOTATION_KB" "$1" "$2"; }
annotation_case() {
  local label=$1 served=$2; shift 2
  start_pair "$@"
  blob_patch annotated patho.example.com/blob >"$WORK/blob.json"
  local svc slice
  svc=$(kubectl --kubeconfig "$WORK/kubeconfig" get svc -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}' | grep -v '^default/kubernetes$' | head -1)
  slice=$(kubectl --kubeconfig "$WORK/kubeconfig" get endpointslices -n "${svc%/*}" -l "kubernetes.io/service-name=${svc#*/}" -o jsonpath='{.items[0].metadata.name}')
  sim PATCH "/apis/discovery.k8s.io/v1/namespaces/${svc%/*}/endpointslices/$slice" "$WORK/blob.json"
  sim PATCH "/api/v1/namespaces/${svc%/*}/services/${svc#*/}" "$WORK/blob.json"
  local t0; t0=$(now_ms)
  sim PATCH "/api/v1/nodes/$NODE" "$WORK/blob.json"
  local waited; waited=$(wait_for "/api/v1/tags/node/$NODE" '"patho":"annotated"')
  waited=$(( $(now_ms) - t0 > waited ? $(now_ms) - t0 : waited ))
  sleep 2
  local live; live=$(deltas)
  local r1 r2; r1=$(route "/api/v1/tags/node/$NODE" "tags/node/{node}"); r2=$(route "/api/v1/annotations/node/$NODE" "annotations/node/{node}")
  local served_live; served_live=$(deltas)
  restart_dca
  local budget=1.0 why="not served: nothing kept, 1 MB of slack"
  [ "$served" = yes ] && budget=$(awk -v k="$ANNOTATION_KB" 'BEGIN {printf "%.1f", 3 * k / 1024}') why="served: the value once in the node store (UTF-16: 2 bytes a character) and once as the UTF-8 body"
  row "$ANNOTATION_KB KiB annotation on a node, a Service and an EndpointSlice; $label" \
    "node PATCH visible after $waited ms (a label in the same patch); live: $live, after serving $served_live; $r1; $r2; $restart_text" \
    "after sync RSS +≤ $budget MB ($why); /ready ≤ 2 s; p99 as stated" \
    "memory $(verdict "$restart_delta" "$budget") (RSS $(printf '%+.1f' "$restart_delta") MB); /ready $( [ "$ready_ms" -le 2000 ] && echo met || echo '**missed**')"
  stop_all
}

# Case 2: 10,000 labels on a node and on a namespace.
labels_case() {
  start_pair
  python3 -c "import json,sys; n=int(sys.argv[1]); print(json.dumps({'metadata': {'labels': {'patho.example.com/label-%05d' % i: 'value-%05d' % i for i in range(n)}}}))" "$LABELS" >"$WORK/labels.json"
  local last; last=$(printf 'label-%05d' $((LABELS - 1)))
  local t0; t0=$(now_ms)
  sim PATCH "/api/v1/nodes/$NODE" "$WORK/labels.json"
  local wn; wn=$(wait_for "/api/v1/tags/node/$NODE" "$last"); wn=$(( $(now_ms) - t0 > wn ? $(now_ms) - t0 : wn ))
  t0=$(now_ms)
  sim PATCH "/api/v1/namespaces/default" "$WORK/labels.json"
  local wns; wns=$(wait_for "/api/v1/tags/namespace/default" "$last"); wns=$(( $(now_ms) - t0 > wns ? $(now_ms) - t0 : wns ))
  sleep 2
  local live visibility; live=$(deltas) visibility=$(vis)
  local r1 r2; r1=$(route "/api/v1/tags/node/$NODE" "tags/node/{node}"); r2=$(route /api/v1/tags/namespace/default "tags/namespace/{ns}")
  restart_dca
  # The 5k profile's nodes carry ~13 labels each (~65,000 labels): 64 MB over them is ~1 KB a label. The stricter
  # reading (a label costs what it adds to the bodies served) is the 3 bodies' bytes, reported beside it.
  local budget served_mb; budget=$(awk -v l="$LABELS" 'BEGIN {printf "%.1f", 64 * 2 * l / 65000}')
  served_mb=$(awk -v a="$(size "/api/v1/tags/node/$NODE")" -v b="$(size /api/v1/tags/namespace/default)" -v c="$(size /api/v1/metadata/namespace/default)" 'BEGIN {printf "%.1f", (a + b + c) / 1048576}')
  row "$LABELS labels on a node and on a namespace" \
    "node PATCH visible after ${wn} ms, namespace PATCH after ${wns} ms (20 ms polling), $visibility; live: $live; $r1; $r2; $restart_text" \
    "after sync RSS +≤ $budget MB (64 MB × $((2 * LABELS)) / ~65,000 node labels of the 5k profile); stricter: ≤ the $served_mb MB of bodies served (tags/node, tags/namespace, metadata/namespace); /ready ≤ 2 s; visible ≤ 500 ms after the watch event (p99)" \
    "memory $(verdict "$restart_delta" "$budget") (RSS $(printf '%+.1f' "$restart_delta") MB; stricter reading $(verdict "$restart_delta" "$served_mb")); visibility $(vis_verdict "$visibility") (from the PATCH: $wn / $wns ms); /ready $( [ "$ready_ms" -le 2000 ] && echo met || echo '**missed**')"
  stop_all
}

# one_more NS SERVICE NODE POD: a new Service and its one-endpoint slice at steady state; prints the ms from the
# slice's POST until dca's tags/pod/NODE shows the service (20 ms polling included).
one_more() {
  python3 -c "import json,sys; print(json.dumps({'apiVersion':'v1','kind':'Service','metadata':{'name':sys.argv[2],'namespace':sys.argv[1]},'spec':{'selector':{'app':sys.argv[2]},'ports':[{'port':80}]}}))" "$@" >"$WORK/svc.json"
  python3 -c "import json,sys; print(json.dumps({'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice','addressType':'IPv4','metadata':{'name':sys.argv[2]+'-x','namespace':sys.argv[1],'labels':{'kubernetes.io/service-name':sys.argv[2]}},'endpoints':[{'addresses':['10.9.9.9'],'conditions':{'ready':True},'nodeName':sys.argv[3],'targetRef':{'kind':'Pod','namespace':sys.argv[1],'name':sys.argv[4]}}]}))" "$@" >"$WORK/slice.json"
  sim POST "/api/v1/namespaces/$1/services" "$WORK/svc.json" application/json
  local t0 waited; t0=$(now_ms)
  sim POST "/apis/discovery.k8s.io/v1/namespaces/$1/endpointslices" "$WORK/slice.json" application/json
  waited=$(wait_for "/api/v1/tags/pod/$3" "\"$2\"")
  echo $(( $(now_ms) - t0 > waited ? $(now_ms) - t0 : waited ))
}

# Case 3: CROWD_SERVICES x CROWD_PER_SERVICE pods on one node, each service's EndpointSlice targeting them.
crowd_case() {
  start_pair
  local pods=$((CROWD_SERVICES * CROWD_PER_SERVICE)) out waited
  out=$(SIM_URL=$SIM_URL SIM_TOKEN=$SIM_TOKEN dotnet "$GEN" sim-objects pods-on-node "$NODE" crowd "$CROWD_SERVICES" "$CROWD_PER_SERVICE")
  local start; start=$(now_ms)
  until [ "$(dca_get "/api/v1/tags/pod/$NODE" | grep -o '"crowd-[0-9]*-[0-9]*":' | wc -l)" -ge "$pods" ]; do
    [ $(( $(now_ms) - start )) -gt 120000 ] && break
    sleep 0.02
  done
  waited=$(( $(now_ms) - start ))
  local one1 one2 one3; one1=$(one_more crowd crowd-extra-1 "$NODE" crowd-0-0); one2=$(one_more crowd crowd-extra-2 "$NODE" crowd-1-0); one3=$(one_more crowd crowd-extra-3 "$NODE" crowd-2-0)
  local one; one=$(printf '%s\n' "$one1" "$one2" "$one3" | sort -n | tail -1)
  local build visibility; build=$(metric dca_snapshot_build_seconds) visibility=$(vis)
  sleep 2
  local live; live=$(deltas)
  local r1; r1=$(route "/api/v1/tags/pod/$NODE" "tags/pod/{node}")
  restart_dca
  local budget; budget=$(awk -v p="$pods" 'BEGIN {printf "%.1f", 64 * p / 150000}')
  row "$pods pods on one node ($CROWD_SERVICES Services × $CROWD_PER_SERVICE pods, one EndpointSlice each)" \
    "$out; all $pods visible ${waited} ms after the generator ended; one more Service + slice visible after $one1 / $one2 / $one3 ms (from its POST, 20 ms polling), $visibility; last snapshot build ${build} s; live: $live; $r1; $restart_text" \
    "after sync RSS +≤ $budget MB (64 MB × $pods / 150,000 pods); visible ≤ 500 ms after the watch event (p99); /ready ≤ 2 s" \
    "memory $(verdict "$restart_delta" "$budget") (RSS $(printf '%+.1f' "$restart_delta") MB); visibility $(vis_verdict "$visibility") (from the POST: $one ms); /ready $( [ "$ready_ms" -le 2000 ] && echo met || echo '**missed**')"
  stop_all
}

# Case 4: SERVICES Services with one-endpoint EndpointSlices over SERVICE_NAMESPACES namespaces and SERVICE_NODES new nodes.
services_case() {
  start_pair
  local slices0 out; slices0=$(metric 'dca_informer_objects{resource="endpointslices"}')
  out=$(SIM_URL=$SIM_URL SIM_TOKEN=$SIM_TOKEN dotnet "$GEN" sim-objects services "$SERVICES" "$SERVICE_NAMESPACES" "$SERVICE_NODES")
  local start; start=$(now_ms)
  until [ "$(metric 'dca_informer_objects{resource="endpointslices"}')" -ge $((slices0 + SERVICES)) ]; do
    [ $(( $(now_ms) - start )) -gt 300000 ] && break
    sleep 0.05
  done
  local last=$((SERVICES - 1)); local waited; waited=$(( $(now_ms) - start + $(wait_for "/api/v1/tags/pod/patho-node-$((last % SERVICE_NODES))" "\"svc-$last\"") ))
  local one1 one2 one3; one1=$(one_more patho-0 svc-extra-1 patho-node-0 svc-0-0); one2=$(one_more patho-1 svc-extra-2 patho-node-1 svc-1-0); one3=$(one_more patho-2 svc-extra-3 patho-node-2 svc-2-0)
  local one; one=$(printf '%s\n' "$one1" "$one2" "$one3" | sort -n | tail -1)
  local build visibility; build=$(metric dca_snapshot_build_seconds) visibility=$(vis)
  local informers; informers="informers: services $(metric 'dca_informer_objects{resource="services"}'), slices $(metric 'dca_informer_objects{resource="endpointslices"}'), snapshot nodes $(metric dca_snapshot_nodes)"
  sleep 3
  local live; live=$(deltas)
  local r1 r2; r1=$(route /api/v1/tags/pod/patho-node-0 "tags/pod/{node}"); r2=$(route /api/v1/tags/node/patho-node-0 "tags/node/{node}")
  restart_dca
  local budget; budget=$(awk -v s="$SERVICES" 'BEGIN {printf "%.1f", 64 * s / 150000}')
  local ready_budget; ready_budget=$(awk -v s="$SERVICES" 'BEGIN {printf "%.0f", 2000 * (1 + 2 * s / 7900)}')
  row "$SERVICES Services + $SERVICES EndpointSlices (1 endpoint each) over $SERVICE_NAMESPACES namespaces and $SERVICE_NODES new nodes" \
    "$out; all in dca's informers and served ${waited} ms after the generator ended; one more Service + slice visible after $one1 / $one2 / $one3 ms (from its POST, 20 ms polling), $visibility; last snapshot build ${build} s; $informers; live: $live; $r1; $r2; $restart_text" \
    "after sync RSS +≤ $budget MB (64 MB × $SERVICES / 150,000: a service with its slice and endpoint counted as one pod of the 5k profile, the strictest linear reading); visible ≤ 500 ms after the watch event (p99); /ready ≤ $((ready_budget / 1000)) s (2 s for the 5k profile's ~7,900 objects, scaled by objects)" \
    "memory $(verdict "$restart_delta" "$budget") (RSS $(printf '%+.1f' "$restart_delta") MB); visibility $(vis_verdict "$visibility") (from the POST: $one ms); /ready $( [ "$ready_ms" -le "$ready_budget" ] && echo met || echo '**missed**')"
  stop_all
}

cases=${CASES:-annotation annotation-served labels crowd services}
for c in $cases; do
  echo "case $c" >&2
  case $c in
    annotation) annotation_case "not served (default host aliases)" no ;;
    annotation-served) annotation_case "served (\`DD_KUBERNETES_NODE_ANNOTATIONS_AS_HOST_ALIASES=patho.example.com/blob\`)" yes DD_KUBERNETES_NODE_ANNOTATIONS_AS_HOST_ALIASES=patho.example.com/blob ;;
    labels) labels_case ;;
    crowd) crowd_case ;;
    services) services_case ;;
  esac
done

{
  echo "### \`loadtests/pathological.sh\` — $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r); $(cat "$BIN/FRAMEWORK" 2>/dev/null || echo ?) native binaries; a fresh dca-sim --profile small (5 nodes, 100 pods, 10 services) and dca per case, generator and latency client (wrk, 4 keep-alive HTTPS connections, ${LAT_SECONDS} s per route) on the same cores. Baselines are dca's RSS (VmRSS) and managed heap (\`dca_gc_heap_size_bytes\`, as of the last collection) 3 s after /ready, the median of ${FRESH_STARTS} fresh starts; \"fresh dca\" figures are likewise medians of ${FRESH_STARTS} fresh starts on the pathological cluster; live deltas 2–3 s after the objects are visible, and again after the latency runs. Latency is wrk's p50 / p99."
  echo
  echo "| case | figures | budget (5k metadata budgets scaled linearly) | met? |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$WORK/report.md"
if [ -z "${DCA_NO_APPEND:-}" ]; then
  grep -q '^## Pathological clusters (issue 11)' docs/benchmarks.md || printf '\n## Pathological clusters (issue 11)\n' >>docs/benchmarks.md
  printf '\n' >>docs/benchmarks.md; cat "$WORK/report.md" >>docs/benchmarks.md
  echo "appended to docs/benchmarks.md" >&2
fi
