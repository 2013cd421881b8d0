-- Node agents fetching their cluster checks: GET /api/v1/clusterchecks/configs/{node} for the next node
-- Requests carry "Accept-Encoding: gzip", as the Datadog node agent's Go HTTP client (and dca-node) send it.
-- (node-00001 ... NODES); each connection then waits DELAY_MS.
local token = os.getenv("DCA_TOKEN")
local nodes = tonumber(os.getenv("NODES") or "5000")
local pause = tonumber(os.getenv("DELAY_MS") or "100")
local i = 0
request = function()
  i = i % nodes + 1
  return wrk.format("GET", string.format("/api/v1/clusterchecks/configs/node-%05d", i), { ["Authorization"] = "Bearer " .. token, ["Accept-Encoding"] = "gzip" })
end
delay = function() return pause end
