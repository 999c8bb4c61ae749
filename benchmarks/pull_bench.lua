-- wrk script for benchmarks/pull_bench.py: POST /consent/grants/{id}/pull, rotating
-- across several grants (a grant allows at most 1000 uses, so one run needs several).
--
--   wrk ... -s pull_bench.lua URL -- TOKEN PURPOSE GRANT_ID [GRANT_ID ...]
--
-- Each thread starts at a different grant and then takes them in turn, so the uses
-- spread evenly. done() prints one JSON line (prefixed "PULL_BENCH ") that the
-- harness parses: exact percentiles in microseconds, not wrk's rounded table.

local token, body, paths
local counter = 0
local threads = {}
thread_number = 0 -- a global: setup() sets it in each thread's own state

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

local function json_string(text)
  -- The purpose is plain text the harness chose; escape what JSON requires.
  return '"' .. text:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

function init(args)
  token = args[1]
  body = '{"purpose":' .. json_string(args[2]) .. '}'
  paths = {}
  for i = 3, #args do
    table.insert(paths, "/consent/grants/" .. args[i] .. "/pull")
  end
  counter = thread_number
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  return wrk.format("POST", path, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'PULL_BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,'
      .. '"max_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,'
      .. '"status_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
