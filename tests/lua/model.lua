-- Training, loading and applying models from Lua.
local lathe = require "lathe"
local srcdir, work = arg[1], arg[2]
local tap = dofile(srcdir .. "/tests/lua/tap.lua")
local rules = srcdir .. "/lua/ai4i.lua"

-- A slice of AI4I, written with plain io.
local f = assert(io.open(srcdir .. "/datasets/ai4i2020.csv"))
local out = assert(io.open(work .. "/slice.csv", "w"))
for _ = 1, 1201 do out:write(f:read("L")) end
f:close()
out:close()
local m, labels

-- A score between 0 and 1 that is not zero: even a model that only ever
-- says the majority class scores above zero on it.
local function score(x)
  return type(x) == "number" and x > 0 and x <= 1
end

tap.case("train: progress per epoch, scores, the referee", function()
  local epochs = {}
  local res = lathe.train(work .. "/slice.csv", {
    rules = rules, output = work .. "/m.safetensors",
    epochs = 2, batch = 64, vocab = 200, seed = 3, stack = false,
    progress = function(e) epochs[#epochs + 1] = e end,
  })
  assert(res.epochs == 2 and #epochs == 2, "a progress call per epoch")
  assert(epochs[2].epoch == 2 and score(epochs[1].dev_macro_f1) and epochs[1].train_loss > 0)
  assert(score(res.dev_macro_f1) and score(res.test_macro_f1) and res.tokens_per_s > 0)
  assert(res.gbdt and res.gbdt.rounds > 0 and score(res.gbdt.test_macro_f1) and res.gbdt.encoder_share == 1,
    "the referee's scores come back, and with stack = false the encoder alone diagnoses")
end)

tap.case("load_model and predict", function()
  m = lathe.load_model(work .. "/m.safetensors")
  labels = m:labels()
  assert(#labels >= 2 and labels[#labels] ~= nil)
  local p = m:predict("type L; torque very high; tool wear high")
  local sum = 0
  for _, v in pairs(p.probabilities) do sum = sum + v end
  assert(math.abs(sum - 1) < 1e-4, "probabilities sum to one")
  assert(p.probabilities[p.label] ~= nil)
  local many = m:predict({ "type L; torque very high", "type H; tool wear very high" })
  assert(#many == 2 and many[2].label)
  assert(m:info().manifest:find('"data_sha256"'))
end)

tap.case("predict reads readings; explain gives the whole diagnosis", function()
  local p = m:predict("type L; torque 65; tool wear 210")
  assert(p.text:find("torque very high", 1, true), "a reading goes through the model's textualizer")
  assert(type(p.uncertain) == "boolean" and p.temperature > 0 and p.uncalibrated[p.label])
  local noted = false
  for _, n in ipairs(p.notes) do noted = noted or n:find("air temperature: not given", 1, true) ~= nil end
  assert(noted, "left-out facts are noted")
  local d = m:explain("type L; torque 65; tool wear 210", { neighbors = 3, cost_miss = 50 })
  assert(d.predicted == p.label and #d.similar_cases == 3 and #d.evidence >= 3)
  assert(d.evidence[1].contribution and d.evidence[1].phrase and d.advice[1].action)
  assert(math.abs(d.probabilities[d.predicted] - p.probabilities[p.label]) < 1e-6, "predict and explain agree")
  local row = m:explain_row(work .. "/slice.csv", 5, { no_advice = true })
  assert(row.row == 5 and #row.advice == 0 and #row.evidence > 0)
  local bare = m:explain_row(work .. "/slice.csv", 5, { no_advice = true, no_evidence = true })
  assert(#bare.evidence == 0 and bare.predicted == row.predicted, "no_evidence: the same diagnosis, no evidence")
  local ok, err = pcall(m.explain_row, m, work .. "/slice.csv", 999999)
  assert(not ok and err:find("no data row 999999", 1, true))
  ok, err = pcall(m.explain, m, "torque 65", { neighbours = 3 })
  assert(not ok and err:find("unknown option 'neighbours'", 1, true), err)
end)

tap.case("eval: the report adds up", function()
  local ev = m:eval(work .. "/slice.csv")
  assert(ev.rows == 1200 and ev.classes["no failure"].support > 0)
  assert(#ev.confusion == #labels)
  -- accuracy is the confusion's diagonal; macro-F1 the mean F1 of the
  -- classes present in a row or a column of it
  local right, sum, present = 0, 0, 0
  for k, label in ipairs(labels) do
    right = right + ev.confusion[k][k]
    local row, col = 0, 0
    for j = 1, #labels do
      row, col = row + ev.confusion[k][j], col + ev.confusion[j][k]
    end
    assert(row == ev.classes[label].support)
    if row > 0 or col > 0 then
      sum, present = sum + ev.classes[label].f1, present + 1
    end
  end
  assert(math.abs(ev.accuracy - right / ev.rows) < 1e-9, "accuracy from the confusion")
  assert(score(ev.macro_f1) and math.abs(ev.macro_f1 - sum / present) < 1e-9, "macro-F1 from the classes")
end)

tap.case("pretrain", function()
  local pre = lathe.pretrain(work .. "/slice.csv", {
    rules = rules, output = work .. "/pre.safetensors", epochs = 1, batch = 64, vocab = 200 })
  assert(pre.dev_loss > 0 and pre.dev_loss < 20)
end)

tap.case("textualized samples written from Lua are training data too", function()
  local slice = lathe.load_csv(work .. "/slice.csv"):clean({ rules = rules })
  lathe.write(slice:textualize({ rules = rules }), work .. "/slice.jsonl")
  local from_samples = lathe.train(work .. "/slice.jsonl", {
    output = work .. "/s.safetensors", epochs = 1, batch = 64, vocab = 200 })
  assert(from_samples.steps > 0)
  local sev = lathe.load_model(work .. "/s.safetensors"):eval(work .. "/slice.jsonl")
  assert(sev.rows == 1200 and sev.classes["no failure"].support > 0)
end)

tap.case("a value-aware model refuses samples: words alone would score another model", function()
  local ok, err = pcall(m.eval, m, work .. "/slice.jsonl")
  assert(not ok and err:find("samples carry words only"), err)
end)

tap.case("a run stopped after 3 steps, then resumed", function()
  local part = lathe.train(work .. "/slice.csv", {
    rules = rules, output = work .. "/r.safetensors", epochs = 1, batch = 64, vocab = 200, stop_after = 3 })
  assert(part.interrupted and part.note:find("resume"), "stopped with a checkpoint")
  local rest = lathe.train(work .. "/slice.csv", {
    rules = rules, output = work .. "/r.safetensors", epochs = 1, batch = 64, vocab = 200,
    resume = work .. "/r.safetensors.ckpt" })
  assert(not rest.interrupted and rest.steps > 3, "resumed to the end")
end)

tap.case("errors come back as Lua errors", function()
  local ok, err = pcall(lathe.train, work .. "/slice.csv", { rules = rules })
  assert(not ok and err:find("output"), err)
  ok, err = pcall(lathe.train, work .. "/slice.csv", {
    rules = rules, output = work .. "/x.safetensors", epochs = 1, vocab = 200,
    progress = function() error("stop here") end })
  assert(not ok and err:find("stop here"), err)
  ok, err = pcall(lathe.load_model, work .. "/nope.safetensors")
  assert(not ok and err:find("cannot open"), err)
  ok, err = pcall(m.predict, m, { 1, 2 })
  assert(not ok and err:find("not a string"), err)
end)

tap.done()
