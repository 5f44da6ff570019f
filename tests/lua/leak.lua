-- A long run of evaluations keeps its memory: whatever one m:eval takes
-- it gives back (it once kept about 2 KB a call). test_lua.sh runs this
-- file with the sanitizers' quarantine off, so freed memory is reused.
local lathe = require "lathe"
local srcdir, work = arg[1], arg[2]
local tap = dofile(srcdir .. "/tests/lua/tap.lua")

local function rss_kb()
  local f = io.open("/proc/self/status")
  if not f then return nil end
  local kb
  for line in f:lines() do
    kb = kb or tonumber(line:match("^VmRSS:%s*(%d+)"))
  end
  f:close()
  return kb
end

tap.case("200 evaluations take no memory for good", function()
  local src = assert(io.open(srcdir .. "/datasets/ai4i2020.csv"))
  local out = assert(io.open(work .. "/leak.csv", "w"))
  for _ = 1, 21 do out:write(src:read("L")) end
  src:close()
  out:close()
  local m = lathe.load_model(srcdir .. "/models/ai4i-tiny.safetensors")
  local function evals(n)
    for _ = 1, n do assert(m:eval(work .. "/leak.csv").rows == 20) end
    collectgarbage()
    collectgarbage()
  end
  evals(30)
  local before = rss_kb()
  if not before then return end  -- no /proc: nothing to measure
  evals(200)
  local grown = rss_kb() - before
  assert(grown < 256, ("memory grew by %d KB over 200 evaluations"):format(grown))
end)

tap.done()
