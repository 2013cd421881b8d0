-- Node agents polling: each request asks for the next node's pods (node-00001 ... NODES), then the
-- Requests carry "Accept-Encoding: gzip", as the Datadog node agent's Go HTTP client (and dca-node) send it.
-- connection waits DELAY_MS before its next one. Connections x 1000 / DELAY_MS ~ requests per second.
local token = os.getenv("DCA_TOKEN")
local nodes = tonumber(os.getenv("NODES") or "5000")
local pause = tonumber(os.getenv("DELAY_MS") or "5000")
local i = 0
request = function()
  i = i % nodes + 1
  return wrk.format("GET", string.format("/api/v1/tags/pod/node-%05d", i), { ["Authorization"] = "Bearer " .. token, ["Accept-Encoding"] = "gzip" })
end
delay = function() return pause end
