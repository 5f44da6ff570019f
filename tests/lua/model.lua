-- Training, loading and applying models from Lua.
local lathe = require "lathe"
local srcdir, work = arg[1], arg[2]

-- A slice of AI4I, written with the lathe module itself.
local full = lathe.load_csv(srcdir .. "/datasets/ai4i2020.csv")
local f = assert(io.open(srcdir .. "/datasets/ai4i2020.csv"))
local out = assert(io.open(work .. "/slice.csv", "w"))
for i = 1, 1201 do out:write(f:read("L")) end
f:close()
out:close()
assert(full:nrows() == 10000)

local epochs = {}
local res = lathe.train(work .. "/slice.csv", {
  rules = srcdir .. "/lua/ai4i.lua", output = work .. "/m.safetensors",
  epochs = 2, batch = 64, vocab = 200, seed = 3, stack = false,
  progress = function(e) epochs[#epochs + 1] = e end,
})
assert(res.epochs == 2 and #epochs == 2, "a progress call per epoch")
assert(epochs[2].epoch == 2 and epochs[1].dev_macro_f1 >= 0 and epochs[1].train_loss > 0)
assert(res.dev_macro_f1 >= 0 and res.tokens_per_s > 0)
assert(res.gbdt and res.gbdt.rounds > 0 and res.gbdt.test_macro_f1 >= 0 and res.gbdt.encoder_share == 1,
  "the referee's scores come back, and with stack = false the encoder alone diagnoses")

local m = lathe.load_model(work .. "/m.safetensors")
local labels = m:labels()
assert(#labels >= 2 and labels[#labels] ~= nil)
local p = m:predict("type L; torque very high; tool wear high")
local sum = 0
for _, v in pairs(p.probabilities) do sum = sum + v end
assert(math.abs(sum - 1) < 1e-4, "probabilities sum to one")
assert(p.probabilities[p.label] ~= nil)
local many = m:predict({ "type L; torque low", "type H; tool wear very high" })
assert(#many == 2 and many[2].label)
local ev = m:eval(work .. "/slice.csv")
assert(ev.rows == 1200 and ev.accuracy > 0 and ev.macro_f1 >= 0 and ev.classes["no failure"].support > 0)
assert(#ev.confusion == #labels)
assert(m:info().manifest:find('"data_sha256"'))

local pre = lathe.pretrain(work .. "/slice.csv", {
  rules = srcdir .. "/lua/ai4i.lua", output = work .. "/pre.safetensors", epochs = 1, batch = 64, vocab = 200 })
assert(pre.dev_loss > 0)

-- Textualized samples written from Lua are training data too.
local slice = lathe.load_csv(work .. "/slice.csv"):clean({ rules = srcdir .. "/lua/ai4i.lua" })
lathe.write(slice:textualize({ rules = srcdir .. "/lua/ai4i.lua" }), work .. "/slice.jsonl")
local from_samples = lathe.train(work .. "/slice.jsonl", {
  output = work .. "/s.safetensors", epochs = 1, batch = 64, vocab = 200 })
assert(from_samples.steps > 0)
local sev = lathe.load_model(work .. "/s.safetensors"):eval(work .. "/slice.jsonl")
assert(sev.rows == 1200 and sev.classes["no failure"].support > 0)

-- A run stopped after 3 steps, then resumed.
local part = lathe.train(work .. "/slice.csv", {
  rules = srcdir .. "/lua/ai4i.lua", output = work .. "/r.safetensors", epochs = 1, batch = 64, vocab = 200,
  stop_after = 3 })
assert(part.interrupted and part.note:find("resume"), "stopped with a checkpoint")
local rest = lathe.train(work .. "/slice.csv", {
  rules = srcdir .. "/lua/ai4i.lua", output = work .. "/r.safetensors", epochs = 1, batch = 64, vocab = 200,
  resume = work .. "/r.safetensors.ckpt" })
assert(not rest.interrupted and rest.steps > 3, "resumed to the end")

-- Errors come back as Lua errors.
local ok, err = pcall(lathe.train, work .. "/slice.csv", { rules = srcdir .. "/lua/ai4i.lua" })
assert(not ok and err:find("output"), err)
ok, err = pcall(lathe.train, work .. "/slice.csv", {
  rules = srcdir .. "/lua/ai4i.lua", output = work .. "/x.safetensors", epochs = 1, vocab = 200,
  progress = function() error("stop here") end })
assert(not ok and err:find("stop here"), err)
ok, err = pcall(lathe.load_model, work .. "/nope.safetensors")
assert(not ok and err:find("cannot open"), err)
ok, err = pcall(m.predict, m, { 1, 2 })
assert(not ok and err:find("not a string"), err)
