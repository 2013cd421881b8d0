-- The request mix of loadtests/run.sh, for wrk (Debian's wrk 4.1, LuaJIT).
-- Requests carry "Accept-Encoding: gzip", as the Datadog node agent's Go HTTP client (and dca-node) send it.
--
-- Environment:
--   PATHS_FILE   one request path per line (run.sh writes the mix: per node tags/pod, tags/node,
--                a namespace, and /version for every 20th node)
--   DCA_TOKEN    the bearer token (sent to nginx too, which checks it like dca)
--   MODE         peak  (closed loop: each connection sends its next request as soon as it has an answer)
--                fleet (fixed rate: RATE requests/s in all, spread over the threads; a connection waits
--                       for its thread's next send slot, so a slow answer is caught up, not skipped)
--                storm (each thread sends exactly as many requests as it has connections, one path
--                       each, as the connections come up, then stays quiet; the report gives the time
--                       from the start until the last answer)
--   RATE         fleet only: requests per second in all
--   PER_THREAD   storm only: connections per thread (wrk's -c divided by -t)
--   WRK_THREADS  the -t given to wrk (each thread starts at its own offset in the paths)
--
-- done() prints one line "RESULT key=value ..." that run.sh parses.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } dca_timespec;
int clock_gettime(int clock, dca_timespec *tp);
]]
local ts = ffi.new("dca_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local mode = os.getenv("MODE") or "peak"
local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
local connections = tonumber(os.getenv("WRK_CONNECTIONS") or "1")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local requests = {}
local i = 0

function init(args)
  local headers = { ["Authorization"] = "Bearer " .. os.getenv("DCA_TOKEN"), ["Accept-Encoding"] = "gzip" }
  for path in io.lines(os.getenv("PATHS_FILE")) do
    requests[#requests + 1] = wrk.format("GET", path, headers)
  end
  -- Each thread starts at its own share of the paths: in a storm, every path is asked for once.
  i = math.floor((id - 1) * #requests / nthreads)
  start_ms = now_ms()
  last_ms = 0
  answered = 0
  if mode == "fleet" then
    interval_ms = 1000 * nthreads / tonumber(os.getenv("RATE"))
  end
end

function request()
  i = i % #requests + 1
  return requests[i]
end

if mode == "fleet" then
  function delay()
    -- The schedule starts with the first connection that is up (init runs before any TLS handshake,
    -- and slots missed while connecting would go out as a burst).
    if not next_ms then
      next_ms = now_ms() - interval_ms
    end
    -- The next send slot of this thread; a connection that answers late sends at once.
    next_ms = next_ms + interval_ms
    local wait = next_ms - now_ms()
    if wait < 0 then
      return 0
    end
    return math.floor(wait)
  end
elseif mode == "storm" then
  -- wrk asks delay() before every request, the first one of each connection included.
  local quota = tonumber(os.getenv("PER_THREAD") or "0")
  function delay()
    if quota > 0 then
      quota = quota - 1
      return 0
    end
    return 3600 * 1000
  end
  function response(status, headers, body)
    if status == 200 then
      answered = answered + 1
      last_ms = now_ms()
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local extra = ""
  if mode == "storm" then
    local first, last, ok = math.huge, 0, 0
    for _, t in ipairs(threads) do
      first = math.min(first, t:get("start_ms"))
      last = math.max(last, t:get("last_ms"))
      ok = ok + t:get("answered")
    end
    extra = string.format(" answered=%d all_answered_s=%.3f", ok, ok > 0 and (last - first) / 1000 or -1)
  end
  io.write(string.format(
    "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f errors=%d connect=%d read=%d write=%d status=%d timeout=%d correction_ms=%.1f%s\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.status + e.timeout, e.connect, e.read, e.write, e.status, e.timeout,
    -- wrk corrects for coordinated omission before done(): each answer slower than twice this interval
    -- (run time / requests per connection) adds synthetic samples at the interval's steps below it.
    summary.requests >= #threads and summary.duration / 1e3 / math.max(1, math.floor(summary.requests / connections)) or 0, extra))
end
