-- wrk script: sets the session cookie and htmx headers, rotates through paths, counts any answer
-- other than 200 (or of another content type than expected), and prints one JSON line with the
-- latency percentiles at the end.
--   BENCH_COOKIE       "assoc_session=..." (optional)
--   BENCH_HX_TARGET    sends HX-Request: true and HX-Target: <value> (optional; "-" = HX-Request only)
--   BENCH_PATHS        paths separated by "|"; requests rotate through them
--   BENCH_METHOD       GET (default) or POST
--   BENCH_BODY         the urlencoded form sent with a POST (with its csrf_token field)
--   BENCH_CSRF         sent as X-CSRFToken with a POST (optional)
--   BENCH_EXPECT_TYPE  an answer whose Content-Type does not start with this counts as wrong
--                      (optional; e.g. a PDF must come as application/pdf, not as a page)

local cookie = os.getenv("BENCH_COOKIE")
local hx_target = os.getenv("BENCH_HX_TARGET")
local method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
local csrf = os.getenv("BENCH_CSRF")
local expect_type = os.getenv("BENCH_EXPECT_TYPE")
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^|]+") do
  table.insert(paths, p)
end

if method == nil or method == "" then
  method = "GET"
end
if body == "" then
  body = nil
end
if expect_type == "" then
  expect_type = nil
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
if method == "POST" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  if csrf and csrf ~= "" then
    wrk.headers["X-CSRFToken"] = csrf
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
  return wrk.format(method, paths[index], nil, body)
end

local function content_type(headers)
  for key, value in pairs(headers) do
    if string.lower(key) == "content-type" then
      return value
    end
  end
  return ""
end

function response(status, headers, body)
  local bad = status ~= 200
  local code = tostring(status)
  if not bad and expect_type and string.sub(content_type(headers), 1, #expect_type) ~= expect_type then
    bad = true
    code = "200-wrong-type"
  end
  if bad then
    non200 = non200 + 1
    if #codes < 40 then
      codes = codes .. code .. " "
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
