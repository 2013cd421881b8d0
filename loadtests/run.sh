#!/usr/bin/env bash
# The load test of issue 7: one dca replica against dca-sim, side by side with nginx.
#   loadtests/run.sh [small|5k|50k]
# Installs wrk and nginx (Debian) when missing, publishes the native binaries (./dev publish; set
# DCA_SKIP_PUBLISH=1 to reuse artifacts/native), starts dca-sim with the profile and dca against it on
# loopback, runs the scenarios (peak, baseline, fleet, reconnect storm), stops everything it started,
# prints one report table and appends it, with the machine's description, to docs/benchmarks.md
# (DCA_NO_APPEND=1 to skip; DCA_KEEP_WORK=1 keeps the logs and wrk outputs). Every scenario has a bounded duration; nothing leaves 127.0.0.0/8.
#
# Knobs (environment): PEAK_SECONDS (30), FLEET_SECONDS (60), CONNS (64: peak and baseline),
# FLEET_CONNS (256, or one per node when fewer), THREADS (2: wrk threads), CHURN (100: pod replacements/s during fleet),
# STORM_CONNS (the profile's node count, capped by the open-file limit).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROFILE=${1:-small}
case "$PROFILE" in
  small) NODES=5 ;;
  5k) NODES=5000 ;;
  50k) NODES=50000 ;;
  *) echo "usage: loadtests/run.sh [small|5k|50k]" >&2; exit 2 ;;
esac
PEAK_SECONDS=${PEAK_SECONDS:-30} FLEET_SECONDS=${FLEET_SECONDS:-60}
CONNS=${CONNS:-64} THREADS=${THREADS:-2} CHURN=${CHURN:-100}
FLEET_CONNS=${FLEET_CONNS:-$(( NODES < 256 ? (NODES < THREADS ? THREADS : NODES) : 256 ))}
FLEET_CONNS=$(( FLEET_CONNS / THREADS * THREADS )) # wrk gives each thread -c/-t connections
BIN=${DCA_NATIVE_DIR:-$ROOT/artifacts/native}
CMD_PORT=15005 HEALTH_PORT=15556 METRICS_PORT=15000 NGINX_PORT=15443
log() { printf '==> %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (Debian)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ "${DCA_SKIP_PUBLISH:-0}" != 1 ]; then
  log "publishing the native binaries (./dev publish)"
  ./dev publish "$BIN" >/dev/null
fi
for exe in dca dca-sim; do [ -x "$BIN/$exe" ] || { log "$BIN/$exe is missing (run ./dev publish)"; exit 1; }; done

# Each TLS connection is a file descriptor in wrk and in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT=$(ulimit -n)
STORM_CONNS=${STORM_CONNS:-$NODES}
if [ "$STORM_CONNS" -gt $((FD_LIMIT - 500)) ]; then
  STORM_CONNS=$((FD_LIMIT - 500))
  log "reconnect storm capped at $STORM_CONNS connections by the open-file limit ($FD_LIMIT)"
fi
STORM_CONNS=$(( STORM_CONNS / THREADS * THREADS )) # wrk gives each thread -c/-t connections
[ "$STORM_CONNS" -ge "$THREADS" ] || STORM_CONNS=$THREADS

# --- processes ---------------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/dca-loadtest.XXXXXX)
chmod 755 "$WORK"
pids=()
WRK_JOB=""
cleanup() {
  [ -n "$WRK_JOB" ] && kill "$WRK_JOB" 2>/dev/null || true
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${DCA_KEEP_WORK:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

log "starting dca-sim --profile $PROFILE"
# The simulator stands in for an API server that in a cluster runs on other machines: it runs at a
# lower priority so that its churn work (and its GC of a 1 GB heap) does not take dca's cores. The
# churn it achieved is measured and shown in the report.
nice -n 10 "$BIN/dca-sim" --profile "$PROFILE" --kubeconfig-out "$WORK/kubeconfig" >"$WORK/sim.out" 2>"$WORK/sim.log" & pids+=($!)
for _ in $(seq 1 1200); do grep -q '^dca-sim ready' "$WORK/sim.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^dca-sim ready' "$WORK/sim.out" || { cat "$WORK/sim.log" >&2; log "dca-sim did not start"; exit 1; }
API=$(sed -n 's/^ *server: //p' "$WORK/kubeconfig" | head -1)
SIM_TOKEN=$(sed -n 's/^ *token: //p' "$WORK/kubeconfig" | head -1)
sim() { curl -sfk -H "Authorization: Bearer $SIM_TOKEN" "$@"; }

# One certificate for dca and nginx: the same TLS settings on both sides (ECDSA P-256, TLS 1.3).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
chmod 644 "$WORK/tls.key"

# dca maps its own copy of libssl/libcrypto, as in its own container (docs/benchmarks.md, issue 2):
# shared with the simulator, wrk and nginx, those pages would be counted in every process.
mkdir -p "$WORK/lib"
for lib in libssl.so.3 libcrypto.so.3; do
  src=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
  [ -n "$src" ] && cp "$src" "$WORK/lib/"
done
log "starting dca"
start_ns=$(date +%s%N)
LD_LIBRARY_PATH=$WORK/lib DD_CLUSTER_AGENT_AUTH_TOKEN=$TOKEN DD_BIND_HOST=127.0.0.1 \
  DD_CLUSTER_AGENT_CMD_PORT=$CMD_PORT DD_HEALTH_PORT=$HEALTH_PORT DD_METRICS_PORT=$METRICS_PORT \
  DD_CLUSTER_AGENT_TLS_CERT_FILE=$WORK/tls.crt DD_CLUSTER_AGENT_TLS_KEY_FILE=$WORK/tls.key \
  "$BIN/dca" --kubeconfig "$WORK/kubeconfig" >"$WORK/dca.out" 2>"$WORK/dca.log" & DCA=$!; pids+=($DCA)
for _ in $(seq 1 1200); do curl -sf "localhost:$HEALTH_PORT/ready" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf "localhost:$HEALTH_PORT/ready" >/dev/null || { cat "$WORK/dca.log" >&2; log "dca did not become ready"; exit 1; }
READY_S=$(awk -v a="$start_ns" -v b="$(date +%s%N)" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
log "dca ready in ${READY_S} s"

# --- the request mix ---------------------------------------------------------------------------
# Per node and minute a node agent asks for its pods' services and its node's labels (60 s,
# kubernetes_metadata_tag_update_freq), a namespace's labels when namespace labels are mapped, and
# /version once per 1200 s reconnect (PROTOCOL.md §2-3, docs/protocol-compat.md "Cluster agent calls").
PER_NODE_PER_MINUTE=3.05
CHURN_WHAT="pod replacements"; [ "$PROFILE" = 50k ] && CHURN_WHAT="readiness flips (lazy pods)"
mapfile -t NAMESPACES < <(sim "$API/api/v1/namespaces" | grep -o '"name":"[^"]*"' | cut -d'"' -f4 | awk '!seen[$0]++')
[ ${#NAMESPACES[@]} -gt 0 ] || { log "could not list the simulator's namespaces"; exit 1; }
sim -o /dev/null "$API/api/v1/nodes/$(printf 'node-%05d' "$NODES")" || { log "node-$(printf '%05d' "$NODES") is not in the simulator"; exit 1; }
awk -v n="$NODES" -v ns="${NAMESPACES[*]}" 'BEGIN {
  k = split(ns, names, " ")
  for (i = 1; i <= n; i++) {
    node = sprintf("node-%05d", i)
    print "/api/v1/tags/pod/" node
    print "/api/v1/tags/node/" node
    print "/api/v1/tags/namespace/" names[(i - 1) % k + 1]
    if (i % 20 == 0 || n < 20 && i == 1) print "/version"
  }
}' >"$WORK/paths"
awk -v n="$NODES" 'BEGIN { for (i = 1; i <= n; i++) printf "/api/v1/tags/pod/node-%05d\n", i }' >"$WORK/storm-paths"
FLEET_RATE=$(awk -v n="$NODES" -v p="$PER_NODE_PER_MINUTE" 'BEGIN {printf "%d", n * p / 60 * 10 + 0.5}')
[ "$FLEET_RATE" -ge 1 ] || FLEET_RATE=1

# nginx serves the very bytes dca answers, from files, checking the same bearer token.
log "fetching $(sort -u "$WORK/paths" | wc -l) responses from dca for nginx"
mkdir -p "$WORK/www"
sort -u "$WORK/paths" | awk -v base="https://127.0.0.1:$CMD_PORT" -v www="$WORK/www" \
  '{ printf "url = \"%s%s\"\noutput = \"%s%s\"\n", base, $0, www, $0 }' >"$WORK/curl.cfg"
curl -sk --no-progress-meter --fail --create-dirs --parallel --parallel-max 8 -H "Authorization: Bearer $TOKEN" -K "$WORK/curl.cfg"
chmod -R a+rX "$WORK/www"
user_line=""; [ "$(id -u)" = 0 ] && user_line="user root;"
cat >"$WORK/nginx.conf" <<EOF
$user_line
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections $(( STORM_CONNS + 1024 )); }
worker_rlimit_nofile $FD_LIMIT;
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $WORK/nginx-tmp;
  proxy_temp_path $WORK/nginx-tmp;
  fastcgi_temp_path $WORK/nginx-tmp;
  uwsgi_temp_path $WORK/nginx-tmp;
  scgi_temp_path $WORK/nginx-tmp;
  # Every response file stays open when they fit in a quarter of the descriptors; past that (50k:
  # 100,000 files) nginx would fail with "Too many open files", so it opens each file per request.
  $( [ "$(sort -u "$WORK/paths" | wc -l)" -le $((FD_LIMIT / 4)) ] && echo "open_file_cache max=$((FD_LIMIT / 4)) inactive=300s;" || echo "open_file_cache off;" )
  # Like Kestrel: no cap on requests per connection, keep-alive well beyond the run.
  keepalive_requests 100000000;
  keepalive_timeout 130s;
  server {
    # The accept queue as deep as dca's (the kernel caps both at net.core.somaxconn).
    listen 127.0.0.1:$NGINX_PORT ssl backlog=65535;
    ssl_certificate $WORK/tls.crt;
    ssl_certificate_key $WORK/tls.key;
    ssl_protocols TLSv1.3;
    root $WORK/www;
    location / {
      if (\$http_authorization != "Bearer $TOKEN") { return 403; }
      try_files \$uri =404;
    }
  }
}
EOF
mkdir -p "$WORK/nginx-tmp"

# --- measurement -------------------------------------------------------------------------------
# Samples a process group's RSS (kB, sum) every second while a command runs; prints
# "max_rss_mb cpu_pct" (CPU: utime+stime over the run, percent of one core).
ticks=$(getconf CLK_TCK)
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
rss_kb() { local t=0 p; for p in "$@"; do t=$((t + $(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo $t; }
measure() { # measure <pids> -- <command...>: runs the command, writes $WORK/measure
  local watched=() ; while [ "$1" != -- ]; do watched+=("$1"); shift; done; shift
  local c0 t0 peak=0 r
  c0=$(cpu_ticks "${watched[@]}"); t0=$(date +%s%N)
  "$@" & local job=$!
  WRK_JOB=$job
  while kill -0 "$job" 2>/dev/null; do
    r=$(rss_kb "${watched[@]}"); [ "$r" -gt "$peak" ] && peak=$r
    sleep 1
  done
  wait "$job"
  WRK_JOB=""
  r=$(rss_kb "${watched[@]}"); [ "$r" -gt "$peak" ] && peak=$r
  awk -v c="$(( $(cpu_ticks "${watched[@]}") - c0 ))" -v hz="$ticks" -v ns="$(( $(date +%s%N) - t0 ))" -v kb="$peak" \
    'BEGIN {printf "%.1f %.0f\n", kb / 1024, 100 * c / hz / (ns / 1e9)}' >"$WORK/measure"
}
run_wrk() { # run_wrk <name> <url> <mode> <conns> <seconds> [extra wrk args]
  local name=$1 url=$2 mode=$3 conns=$4 seconds=$5; shift 5
  MODE=$mode WRK_THREADS=$THREADS WRK_CONNECTIONS=$conns DCA_TOKEN=$TOKEN PATHS_FILE=${PATHS_FILE:-$WORK/paths} RATE=${RATE:-0} PER_THREAD=$((conns / THREADS)) \
    wrk -t"$THREADS" -c"$conns" -d"${seconds}s" "$@" -s "$ROOT/loadtests/wrk/mix.lua" "$url" >"$WORK/$name.wrk" 2>&1
}
declare -A R
record() { # record <name> <target>: parses the wrk RESULT line and the measurement
  local line; line=$(grep '^RESULT' "$WORK/$1.wrk") || { cat "$WORK/$1.wrk" >&2; log "$1: wrk printed no result"; exit 1; }
  local kv; for kv in ${line#RESULT }; do R[$1.${kv%%=*}]=${kv#*=}; done
  read -r R[$1.rss] R[$1.cpu] <"$WORK/measure"
  R[$1.target]=$2
}
nginx_pids() { pgrep -P "$(cat "$WORK/nginx.pid")" | tr '\n' ' '; cat "$WORK/nginx.pid"; }
set_churn() { sim -o /dev/null -X POST -H 'Content-Type: application/json' -d "{\"churnPerSecond\":$1}" "$API/sim/activity"; }

DCA_URL=https://127.0.0.1:$CMD_PORT
log "peak: closed loop, $CONNS connections, ${PEAK_SECONDS} s"
measure "$DCA" -- run_wrk peak "$DCA_URL" peak "$CONNS" "$PEAK_SECONDS"; record peak dca

log "baseline: nginx, same bytes, same TLS, $CONNS connections, ${PEAK_SECONDS} s"
"$NGINX" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" 2>/dev/null || "$NGINX" -c "$WORK/nginx.conf"
for _ in $(seq 1 100); do [ -s "$WORK/nginx.pid" ] && break; sleep 0.05; done
cmp -s <(curl -sk -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$NGINX_PORT/api/v1/tags/pod/node-00001") \
  <(curl -sk -H "Authorization: Bearer $TOKEN" "$DCA_URL/api/v1/tags/pod/node-00001") || { log "nginx and dca answer different bytes"; exit 1; }
# shellcheck disable=SC2046
measure $(nginx_pids) -- run_wrk baseline "https://127.0.0.1:$NGINX_PORT" peak "$CONNS" "$PEAK_SECONDS"; record baseline nginx
# The same reconnect storm against nginx: what TLS handshakes alone cost on this machine.
STORM_SECONDS=$(( STORM_CONNS / 1000 + 10 ))
# shellcheck disable=SC2046
PATHS_FILE=$WORK/storm-paths measure $(nginx_pids) -- run_wrk storm-nginx "https://127.0.0.1:$NGINX_PORT" storm "$STORM_CONNS" "$STORM_SECONDS" --timeout 60s; record storm-nginx nginx
# Errors: requests never answered, plus wrk's own (a connection dropped mid-handshake and retried counts too).
R[storm-nginx.errors]=$(( STORM_CONNS - ${R[storm-nginx.answered]} + ${R[storm-nginx.errors]} ))
kill "$(cat "$WORK/nginx.pid")"
for _ in $(seq 1 100); do [ -f "$WORK/nginx.pid" ] || break; sleep 0.05; done # nginx removes it as it exits

log "fleet: $FLEET_RATE requests/s (${NODES} nodes x $PER_NODE_PER_MINUTE per minute x 10), $FLEET_CONNS connections, ${FLEET_SECONDS} s, churn $CHURN/s"
set_churn "$CHURN"
steps0=$(sim "$API/sim/activity" | grep -o '"churnSteps":[0-9]*' | cut -d: -f2); churn_t0=$(date +%s%N)
RATE=$FLEET_RATE measure "$DCA" -- run_wrk fleet "$DCA_URL" fleet "$FLEET_CONNS" "$FLEET_SECONDS"; record fleet dca
steps1=$(sim "$API/sim/activity" | grep -o '"churnSteps":[0-9]*' | cut -d: -f2); churn_t1=$(date +%s%N)
set_churn 0
R[fleet.churn]=$(awk -v a="$steps0" -v b="$steps1" -v t0="$churn_t0" -v t1="$churn_t1" 'BEGIN {printf "%.0f", (b - a) / ((t1 - t0) / 1e9)}')

log "reconnect storm: $STORM_CONNS new TLS connections, one request each"
PATHS_FILE=$WORK/storm-paths measure "$DCA" -- run_wrk storm "$DCA_URL" storm "$STORM_CONNS" "$STORM_SECONDS" --timeout 60s; record storm dca
R[storm.errors]=$(( STORM_CONNS - ${R[storm.answered]} + ${R[storm.errors]} ))
RSS_AFTER=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$DCA/status")

# --- report ------------------------------------------------------------------------------------
verdict() { awk -v v="$1" -v op="$2" -v lim="$3" 'BEGIN { ok = (op == "<=") ? (v <= lim) : (v >= lim); print ok ? "met" : "**missed**" }'; }
ratio=$(awk -v a="${R[peak.rps]}" -v b="${R[baseline.rps]}" 'BEGIN {printf "%.2f", a / b}')
budgets=()
budgets+=("peak ≥ 0.8 × nginx requests/s: ${ratio} × — $(verdict "$ratio" '>=' 0.8)")
fleet_ok() { # fleet budgets per profile
  local p99=${R[fleet.p99_ms]} p999=${R[fleet.p999_ms]} err=${R[fleet.errors]} rss=${R[fleet.rss]}
  case "$PROFILE" in
    5k) budgets+=("fleet p99 ≤ 5 ms: ${p99} ms — $(verdict "$p99" '<=' 5)" "fleet p99.9 ≤ 20 ms: ${p999} ms — $(verdict "$p999" '<=' 20)"
          "fleet errors = 0: ${err} — $(verdict "$err" '<=' 0)" "fleet dca RSS ≤ 80 MB: ${rss} MB — $(verdict "$rss" '<=' 80)") ;;
    50k) budgets+=("fleet p99 ≤ 10 ms: ${p99} ms — $(verdict "$p99" '<=' 10)" "fleet errors = 0: ${err} — $(verdict "$err" '<=' 0)"
          "fleet dca RSS ≤ 256 MB: ${rss} MB — $(verdict "$rss" '<=' 256)") ;;
  esac
}
fleet_ok
if [ "$PROFILE" = 5k ]; then
  storm_time=${R[storm.all_answered_s]}; [ "${R[storm.answered]}" -eq "$STORM_CONNS" ] || storm_time=999
  budgets+=("storm: all ${STORM_CONNS} first requests answered ≤ 3 s: ${R[storm.answered]} answered, the last after ${R[storm.all_answered_s]} s — $(verdict "$storm_time" '<=' 3)"
    "storm errors = 0: ${R[storm.errors]} — $(verdict "${R[storm.errors]}" '<=' 0)")
fi
row() { # row <scenario> <name> <description>
  local n=$2 vs="—"
  [ "$n" = peak ] && vs=$(awk -v a="${R[$n.rps]}" -v b="${R[baseline.rps]}" -v p="${R[$n.p99_ms]}" -v q="${R[baseline.p99_ms]}" \
    'BEGIN {printf "%.2f × rps, %.2f × p99", a / b, p / q}')
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s MB | %s %% | %s |\n' "$1" "${R[$n.target]}" "$3" "${R[$n.rps]}" \
    "${R[$n.p50_ms]}" "${R[$n.p99_ms]}" "${R[$n.p999_ms]}" "${R[$n.errors]}" "${R[$n.rss]}" "${R[$n.cpu]}" "$vs"
}
cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
report=$(
  echo "### \`loadtests/run.sh $PROFILE\` — $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "Machine: $(nproc) cores ($cpu_model), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r); $(cat "$BIN/FRAMEWORK" 2>/dev/null || echo ?) native binaries; wrk 4.1 (Debian, ${THREADS} threads), nginx $("$NGINX" -v 2>&1 | sed 's|.*/||'); everything on loopback, generator and servers sharing the cores."
  echo "Cluster: dca-sim \`$PROFILE\` ($NODES nodes, ${#NAMESPACES[@]} namespaces); dca ready ${READY_S} s after start; request mix per node: tags/pod, tags/node, tags/namespace, and /version for every 20th node (HTTPS, TLS 1.3, ECDSA P-256, bearer token)."
  echo
  echo "| scenario | server | load | requests/s | p50 ms | p99 ms | p99.9 ms | errors | RSS max | CPU | vs nginx |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  row peak peak "closed loop, $CONNS conns, ${PEAK_SECONDS} s"
  row baseline baseline "closed loop, $CONNS conns, ${PEAK_SECONDS} s (same bytes from files)"
  row fleet fleet "fixed $FLEET_RATE req/s, $FLEET_CONNS conns, ${FLEET_SECONDS} s, churn ${R[fleet.churn]} $CHURN_WHAT/s"
  row "reconnect storm" storm "$STORM_CONNS new TLS connections, one request each"
  row "reconnect storm" storm-nginx "the same against nginx"
  echo
  echo "Latency is wrk's, corrected by wrk for coordinated omission: an answer slower than twice the run's interval per connection adds synthetic samples (interval: peak ${R[peak.correction_ms]} ms, nginx ${R[baseline.correction_ms]} ms, fleet ${R[fleet.correction_ms]} ms). Storm errors are requests never answered plus wrk's socket errors (a handshake dropped and retried counts)."
  echo
  echo "Reconnect storm: dca answered ${R[storm.answered]} of $STORM_CONNS, the last ${R[storm.all_answered_s]} s after the start; nginx ${R[storm-nginx.answered]}, the last ${R[storm-nginx.all_answered_s]} s after the start (latency columns: from each request's write, TLS handshake before it). dca RSS after the storm: ${RSS_AFTER} MB."
  echo
  echo "Budgets:"
  for b in "${budgets[@]}"; do echo "- $b"; done
)
echo
echo "$report"
if [ "${DCA_NO_APPEND:-0}" != 1 ]; then
  printf '\n%s\n' "$report" >>"$ROOT/docs/benchmarks.md"
  log "appended to docs/benchmarks.md"
fi
