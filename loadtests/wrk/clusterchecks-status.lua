-- Node agents' cluster-check heartbeats: each request is the next node's (node-00001 ... NODES)
-- Requests carry "Accept-Encoding: gzip", as the Datadog node agent's Go HTTP client (and dca-node) send it.
-- POST /api/v1/clusterchecks/status/{node}; each connection then waits DELAY_MS.
-- Connections x 1000 / DELAY_MS ~ heartbeats per second (a fleet of N nodes sends N / 10 per second).
local token = os.getenv("DCA_TOKEN")
local nodes = tonumber(os.getenv("NODES") or "5000")
local pause = tonumber(os.getenv("DELAY_MS") or "100")
local i = 0
request = function()
  i = i % nodes + 1
  return wrk.format("POST", string.format("/api/v1/clusterchecks/status/node-%05d", i),
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json", ["Accept-Encoding"] = "gzip" },
    '{"last_change":0,"node_type":2}')
end
delay = function() return pause end
