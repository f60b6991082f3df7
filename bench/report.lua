-- wrk script: sets the session cookie and htmx headers, rotates through paths, counts any answer
-- other than 200, and prints one JSON line with the latency percentiles at the end.
--   BENCH_COOKIE     "assoc_session=..." (optional)
--   BENCH_HX_TARGET  sends HX-Request: true and HX-Target: <value> (optional; "-" = HX-Request only)
--   BENCH_PATHS      paths separated by "|"; requests rotate through them

local cookie = os.getenv("BENCH_COOKIE")
local hx_target = os.getenv("BENCH_HX_TARGET")
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^|]+") do
  table.insert(paths, p)
end

if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
if hx_target and hx_target ~= "" then
  wrk.headers["HX-Request"] = "true"
  if hx_target ~= "-" then
    wrk.headers["HX-Target"] = hx_target
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  index = math.random(#paths) - 1
  non200 = 0
  codes = ""
end

function request()
  index = index % #paths + 1
  return wrk.format(nil, paths[index])
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    if #codes < 40 then
      codes = codes .. status .. " "
    end
  end
end

function done(summary, latency, requests)
  local bad = 0
  local seen = ""
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non200") or 0)
    seen = seen .. (thread:get("codes") or "")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"non200":%d,"codes":"%s",' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes, bad, seen,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max))
end
