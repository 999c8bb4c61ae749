-- wrk script for the HTTP benchmarks (benchmarks/wrk.py): POST one body to several
-- (path, bearer token) targets in turn.
--
--   wrk ... -s wrk_requests.lua URL -- BODY PATH TOKEN [PATH TOKEN ...]
--
-- BODY is sent as application/json ("" sends none); TOKEN "-" sends no Authorization.
-- Each thread starts at a different target and then takes them in turn, so the uses
-- spread evenly (a grant allows at most 1000 uses). done() prints one JSON line
-- (prefixed "WRK_BENCH ") that the harness parses: exact percentiles in microseconds,
-- not wrk's rounded table.

local body, targets
local counter = 0
local threads = {}
thread_number = 0 -- a global: setup() sets it in each thread's own state

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  body = args[1]
  targets = {}
  for i = 2, #args - 1, 2 do
    local headers = {}
    if body ~= "" then
      headers["Content-Type"] = "application/json"
    end
    if args[i + 1] ~= "-" then
      headers["Authorization"] = "Bearer " .. args[i + 1]
    end
    table.insert(targets, wrk.format("POST", args[i], headers, body ~= "" and body or nil))
  end
  counter = thread_number
end

function request()
  counter = counter + 1
  return targets[(counter % #targets) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,'
      .. '"max_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,'
      .. '"status_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
