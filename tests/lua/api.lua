-- The lathe Lua module on the shipped AI4I data.
local lathe = require "lathe"
local srcdir, work = arg[1], arg[2]
local tap = dofile(srcdir .. "/tests/lua/tap.lua")
local ai4i = srcdir .. "/datasets/ai4i2020.csv"
local rules = srcdir .. "/lua/ai4i.lua"
local raw, log, parts, samples

tap.case("load_csv: rows, columns, types, cells", function()
  assert(type(lathe.version) == "string")
  raw = lathe.load_csv(ai4i, { rules = rules })
  assert(raw:nrows() == 10000 and #raw == 10000, "rows")
  assert(raw:ncols() == 14)
  assert(raw:columns()[3] == "Type")
  assert(raw:types()["Product ID"] == "string", "types from the rules script")
  local torque = raw:column("Torque [Nm]")
  assert(torque.n == 10000 and torque[1] == 42.8)
  local r1 = raw:row(1)
  assert(r1.Type == "M" and r1["Tool wear [min]"] == 0)
  assert(raw:source_row(10000) == 10000)
end)

tap.case("clean: a new frame and the report", function()
  local report
  log, report = raw:clean({ rules = rules })
  assert(report.rows_in == 10000 and report.rows_out == 10000)
  assert(report.rules[#report.rules].rule == "label() in ai4i.lua")
  assert(log:column("failure")[1] == "no failure")
  assert(raw:ncols() == 14, "clean returns a new frame")
  local stepped = raw:clean({ steps = { { "limits", "Torque [Nm]=10:60:drop" } } })
  assert(stepped:nrows() < 10000)
end)

tap.case("split: deterministic per seed", function()
  parts = log:split({ method = "stratified", label = "failure", seed = 1 })
  assert(#parts == 10000)
  local again = log:split({ method = "stratified", label = "failure", seed = 1 })
  for i = 1, #parts do assert(parts[i] == again[i], "split deterministic") end
end)

tap.case("split: the one policy of every front end", function()
  local syn = lathe.load_csv(srcdir .. "/datasets/synthetic.csv", { rules = srcdir .. "/lua/synthetic.lua" })
  local by_machine = syn:split({ rules = srcdir .. "/lua/synthetic.lua" })
  local ok, err = pcall(syn.split, syn, { rules = srcdir .. "/lua/synthetic.lua", method = "random" })
  assert(not ok and err:find("refusing a random row split of a time%-ordered log"), err)
  assert(#by_machine == syn:nrows())
end)

tap.case("textualize: texts, labels, rows and splits", function()
  samples = log:textualize({ rules = rules, split = parts })
  assert(#samples == 10000)
  assert(samples[1].text:find("^type M; air temperature"))
  assert(samples[1].label == "no failure" and samples[1].row == 1 and samples[1].split == parts[1])
  local zh = log:textualize({ rules = rules, lang = "zh", levels = { ["Torque [Nm]"] = { 10, 20, 50, 60 } } })
  assert(zh[1].text:find("；"), zh[1].text)
end)

tap.case("write: samples and frames", function()
  lathe.write(samples, work .. "/s.jsonl")
  local f = assert(io.open(work .. "/s.jsonl"))
  local first = f:read("l")
  f:close()
  assert(first:find('"label":"no failure","row":1'), first)
  lathe.write(log, work .. "/log.csv")
  local back = lathe.load_csv(work .. "/log.csv")
  assert(back:nrows() == 10000 and back:ncols() == 15)
end)

tap.case("with_column", function()
  local half = {}
  for i = 1, log:nrows() do half[i] = i / 2 end
  assert(log:with_column("half", half):column("half")[3] == 1.5)
end)

tap.case("options: the command line's names, bounds and words", function()
  local f = assert(io.open(work .. "/blank.txt", "w"))
  f:write("a  b   c\n1  2   3\n4  5   6\n")
  f:close()
  local t = lathe.load_csv(work .. "/blank.txt", { delimiter = "blank" })
  assert(t:ncols() == 3 and t:nrows() == 2, "--delimiter blank, as on the command line")
  local ok, err = pcall(lathe.load_csv, ai4i, { decimal = "dot" })
  assert(not ok and err:find("option 'decimal' dot: expected point or comma"), err)
  ok, err = pcall(lathe.train, work .. "/blank.txt", { output = work .. "/x.safetensors", lr = 20 })
  assert(not ok and err:find("option 'lr' 20: expected a number from 1e%-09 to 10"), err)
  ok, err = pcall(lathe.load_csv, ai4i, { delimeter = "," })
  assert(not ok and err:find("unknown option 'delimeter'"), err)
  ok, err = pcall(log.textualize, log, { rules = rules, value_bins = 999 })
  assert(not ok and err:find("option 'value_bins' 999: expected a whole number from 0 to 256"), err)
end)

tap.case("errors come back as Lua errors naming the place", function()
  local ok, err = pcall(lathe.load_csv, work .. "/nope.csv")
  assert(not ok and err:find("nope.csv: cannot open"), err)
  ok, err = pcall(log.split, log, { method = "sideways" })
  assert(not ok and err:find("sideways"), err)
  ok, err = pcall(log.column, log, "nope")
  assert(not ok and err:find("no column named"), err)
  ok, err = pcall(lathe.write, log, "/nonexistent/dir/x.csv")
  assert(not ok and err:find("cannot write"), err)
end)

tap.done()
