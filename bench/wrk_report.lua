-- wrk script for bench/run.py: replays a list of requests and reports one JSON line.
--
--   wrk -t2 -c8 -d8s -s bench/wrk_report.lua http://127.0.0.1:PORT/ -- REQUESTS.tsv
--
-- REQUESTS.tsv has one request a line, tab-separated: method, path, cookie, CSRF token,
-- body (the last three may be empty). A CSRF token goes out as the X-CSRFToken header
-- (the cookie carries the same value) and makes the body a form post. Each wrk thread
-- starts at its own place in the list and cycles through it.

local requests = {}
local index = 0

local function split(line)
  local fields = {}
  local start = 1
  while true do
    local tab = string.find(line, "\t", start, true)
    if not tab then
      fields[#fields + 1] = string.sub(line, start)
      return fields
    end
    fields[#fields + 1] = string.sub(line, start, tab - 1)
    start = tab + 1
  end
end

local thread_number = 0
function setup(thread)
  thread_number = thread_number + 1
  thread:set("offset", thread_number * 7919)
end

function init(args)
  -- wrk.init has set the Host header from the URL already (and calls this function)
  for line in io.lines(args[1]) do
    if line ~= "" then
      local f = split(line)
      local method, path, cookie, csrf, body = f[1], f[2], f[3] or "", f[4] or "", f[5] or ""
      local headers = { ["User-Agent"] = "studygroup-bench/wrk" }
      if cookie ~= "" then headers["Cookie"] = cookie end
      if csrf ~= "" then
        headers["X-CSRFToken"] = csrf
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      if body == "" then body = nil end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
  if #requests == 0 then
    error("no requests in " .. tostring(args[1]))
  end
  index = (offset or 0) % #requests
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read,
    e.write, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max))
end
