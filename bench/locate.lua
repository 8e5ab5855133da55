-- wrk script: GET /api/v1/locate at random points over central Qianjiang (all inside coverage).
-- Usage (after `zhili demo` is serving and you have a token):
--   TOKEN=... wrk -t1 -c32 -d20s -s bench/locate.lua http://127.0.0.1:8080
local token = os.getenv("TOKEN") or ""
math.randomseed(42)

request = function()
  local lon = 108.70 + math.random() * 0.16
  local lat = 29.42 + math.random() * 0.18
  local path = string.format("/api/v1/locate?lon=%.6f&lat=%.6f", lon, lat)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

local non_ok = 0
response = function(status, headers, body)
  if status ~= 200 then
    non_ok = non_ok + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms, non-2xx %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
