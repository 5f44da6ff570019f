-- The whole data path in one script, on the shipped AI4I data:
--   lathe run lua/pipeline.lua [IN.csv] [OUT.jsonl]
local lathe = require "lathe"

local input = arg[1] or "datasets/ai4i2020.csv"
local output = arg[2] or "ai4i.jsonl"
local rules = "lua/ai4i.lua"

local raw = lathe.load_csv(input, { rules = rules })
local log, report = raw:clean({ rules = rules })
for _, r in ipairs(report.rules) do
  print(string.format("%-40s %6d rows dropped %6d values changed", r.rule, r.rows_dropped, r.values_changed))
end

-- Stratified: each failure mode keeps its share in train, dev and test.
local parts = log:split({ rules = rules, method = "stratified", label = "failure", seed = 7 })
local samples = log:textualize({ rules = rules, split = parts })
lathe.write(samples, output)
print(string.format("%d of %d rows kept; %d samples in %s; first: %s",
  report.rows_out, report.rows_in, #samples, output, samples[1].text))
