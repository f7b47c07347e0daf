-- wrk script: POST the JSON body in $BENCH_BODY_FILE, then print one machine-readable
-- line with the request count, latency percentiles (microseconds) and every error kind.
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

-- A body holding the marker #N# (gateway_bench.py --unique-prompts) gets a new text in
-- its place on every request: this run's start time and a counter, so no two requests,
-- in this run or an earlier one, send the same prompt (no cache can answer them).
local template = wrk.body
if template:find("#N#", 1, true) then
  local run = tostring(os.time())
  local n = 0
  function request()
    n = n + 1
    local body = template:gsub("#N#", run .. "-" .. tostring(n))
    return wrk.format(nil, nil, nil, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
