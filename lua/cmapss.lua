-- A pipeline for NASA C-MAPSS FD001 (datasets/train_FD001.txt): blank-
-- separated, no header. Health states come from the remaining useful life
-- (cycles left before the engine's last one), which needs the whole log,
-- so this is a pipeline script rather than a per-row rules script:
--   lathe run lua/cmapss.lua [IN.txt] [OUT.jsonl]
local lathe = require "lathe"
local rule = require "lathe.clean"

local input = arg[1] or "datasets/train_FD001.txt"
local output = arg[2] or "cmapss.jsonl"

local names = { "unit", "cycle", "op1", "op2", "op3" }
for i = 1, 21 do names[#names + 1] = "s" .. i end
local steps = {}
for i, n in ipairs(names) do steps[#steps + 1] = rule.rename("col" .. i, n) end

local raw = lathe.load_csv(input, { delimiter = "space", header = false })
local log, report = raw:clean({ steps = steps, machine = "unit", time = "cycle" })

-- Remaining useful life per row, binned as in the C-MAPSS literature.
local unit, cycle = log:column("unit"), log:column("cycle")
local last = {}
for i = 1, unit.n do
  last[unit[i]] = math.max(last[unit[i]] or 0, cycle[i])
end
local health = {}
for i = 1, unit.n do
  local rul = last[unit[i]] - cycle[i]
  health[i] = rul > 125 and "healthy" or rul > 50 and "degrading" or rul > 15 and "warning" or "critical"
end
log = log:with_column("health", health)

-- Whole engines go to one split, so no engine's history is both trained
-- and tested on.
local samples = log:textualize({
  label = "health", machine = "unit", time = "cycle", window = 20,
  method = "group", group = "unit", seed = 1,
  exclude = { "op1", "op2", "op3" },
})
lathe.write(samples, output)
print(string.format("%d rows in, %d out; %d samples written to %s",
  report.rows_in, report.rows_out, #samples, output))
