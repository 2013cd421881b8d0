-- Closed loop over the hot route, cycling through the 5k profile's node names (node-00001 ... node-05000).
-- Requests carry "Accept-Encoding: gzip", as the Datadog node agent's Go HTTP client (and dca-node) send it.
local i = 0
local token = os.getenv("DCA_TOKEN")
request = function()
  i = i % 5000 + 1
  local path = string.format("/api/v1/tags/pod/node-%05d", i)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token, ["Accept-Encoding"] = "gzip" })
end
