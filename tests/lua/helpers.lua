-- The rule helpers in lua/lathe/.
local srcdir = arg[1]
local tap = dofile(srcdir .. "/tests/lua/tap.lua")
local clean = require "lathe.clean"
local text = require "lathe.text"

tap.case("clean helpers make cleaning steps", function()
  local r = clean.limits("Torque [Nm]", 0, 100, "drop")
  assert(r[1] == "limits" and r[2] == "Torque [Nm]=0:100:drop", r[2])
  assert(clean.limits("x", nil, 5)[2] == "x=:5")
  assert(clean.fill("x", "median")[2] == "x=median")
  assert(clean.outliers("x", "iqr", 3)[2] == "x=iqr:3")
  assert(clean.convert("x", "K", "C")[2] == "x=K:C")
  assert(clean.drop_missing()[2] == nil and clean.drop_missing("a", "b")[2] == "a,b")
  assert(clean.dedup()[1] == "dedup" and clean.sort_time()[1] == "sort-time")
end)

tap.case("clean helpers for rows", function()
  assert(clean.first({ b = 2 }, "a", "b") == 2)
  assert(clean.within(5, 1, 10) and not clean.within(nil, 1, 10))
  assert(not pcall(clean.limits, "x", "low", 5), "a bad bound is an error")
end)

tap.case("text helpers", function()
  assert(text.first_flag({ TWF = 0, HDF = 1 }, { "TWF", "HDF" }) == "HDF")
  assert(text.first_flag({ TWF = 0 }, { "TWF" }) == nil)
  assert(text.bin(15, { 10, 20 }, { "low", "mid", "high" }) == "mid")
  assert(text.join({ "a", "b" }, "zh") == "a；b")
end)

tap.done()
