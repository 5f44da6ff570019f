-- Augmentation from Lua: lathe.augment, frame:augment, and train's
-- augment option share the command line's implementation.
local lathe = require "lathe"
local srcdir, work = arg[1], arg[2]
local tap = dofile(srcdir .. "/tests/lua/tap.lua")
local rules = srcdir .. "/lua/ai4i.lua"

local f = assert(io.open(srcdir .. "/datasets/ai4i2020.csv"))
local out = assert(io.open(work .. "/aug.csv", "w"))
for _ = 1, 1501 do out:write(f:read("L")) end
f:close()
out:close()
local a, log

tap.case("augment: originals and variants, the same per seed, training rows only", function()
  local opts = { rules = rules, methods = { "jitter", "swap" }, strength = { jitter = 2 }, n = 2, seed = 5 }
  a = lathe.augment(work .. "/aug.csv", opts)
  local b = lathe.augment(work .. "/aug.csv", opts)
  assert(#a == #b and #a > 1500, "originals and variants")
  local made = 0
  for i, s in ipairs(a) do
    assert(s.text == b[i].text, "the same seed, the same samples")
    if s.method then
      made = made + 1
      assert(s.split == "train", "only training samples are made")
      assert(s.method == "jitter" or s.method == "swap")
    end
  end
  assert(made > 0)
end)

tap.case("jittered readings stay within each column's training range", function()
  log = lathe.load_csv(work .. "/aug.csv"):clean({ rules = rules })
  local torque = log:column("Torque [Nm]")
  local lo, hi = math.huge, -math.huge
  for i = 1, torque.n do
    if torque[i] then lo, hi = math.min(lo, torque[i]), math.max(hi, torque[i]) end
  end
  local jittered = 0
  for _, s in ipairs(a) do
    if s.method == "jitter" then
      local t = s.readings["Torque [Nm]"]
      assert(t >= lo and t <= hi, ("torque %g outside [%g, %g]"):format(t, lo, hi))
      jittered = jittered + 1
    end
  end
  assert(jittered > 0)
end)

tap.case("a frame augments with a Lua augmenter from a file", function()
  local aug = work .. "/upper.lua"
  local g = assert(io.open(aug, "w"))
  g:write('function augment(sample, rng) return { sample.text:upper(), sample.text .. "; checked" } end\n')
  g:close()
  local s = log:augment({ rules = rules, methods = "lua", augmenter = aug, seed = 1 })
  local upper = 0
  for _, x in ipairs(s) do
    if x.method == "lua" and x.text:find("^TYPE") then upper = upper + 1 end
  end
  assert(upper > 0, "the augmenter's variants come back")
end)

tap.case("training with augmentation", function()
  local res = lathe.train(work .. "/aug.csv", { rules = rules, output = work .. "/aug.safetensors", epochs = 1,
    batch = 64, vocab = 200, augment = "oversample", strength = { oversample = 0.05 } })
  assert(res.steps > 0)
end)

tap.case("errors come back as Lua errors naming the cause", function()
  local ok, err = pcall(lathe.augment, work .. "/aug.csv", { rules = rules, methods = "nope" })
  assert(not ok and err:find("unknown augmentation method 'nope'"), err)
  ok, err = pcall(lathe.augment, work .. "/aug.csv", { rules = rules })
  assert(not ok and err:find("'methods' is required"), err)
  local g = assert(io.open(work .. "/boom.lua", "w"))
  g:write('function augment(sample, rng)\n  return nil + 1\nend\n')
  g:close()
  ok, err = pcall(lathe.augment, work .. "/aug.csv", { rules = rules, methods = "lua", augmenter = work .. "/boom.lua" })
  assert(not ok and err:find("boom.lua:2:") and err:find("augmenting data row"), err)
end)

tap.done()
