-- wrk script for the benchmark: POSTs the body in $BENCH_BODY with the headers in $BENCH_HEADERS ("name: value" lines).
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*all")
f:close()
wrk.method = "POST"
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local k, v = line:match("^([^:]+):%s*(.*)$")
  wrk.headers[k] = v
end
