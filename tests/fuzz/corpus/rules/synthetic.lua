-- Rules for the synthetic multi-machine log (datasets/synthetic.csv), with
-- Chinese column names and labels 正常 / 停机 / 紧急停机
-- (normal / shutdown / emergency shutdown).
--   lathe textualize datasets/synthetic.csv --rules lua/synthetic.lua
local rule = require "lathe.clean"

machine = "设备"
time = "时间"
label_column = "状态"

rules = {
  rule.dedup(),
  rule.dedup_time(),
  rule.sort_time(),
  -- Readings no sensor here can make are faults. Built-in rules run before
  -- clean() below, so the temperature limit also admits M06's °F.
  rule.limits("温度", -40, 400, "missing"),
  rule.limits("振动", 0, 15, "missing"),
  rule.fill("温度", "ffill"),
  rule.fill("压力", "ffill"),
  rule.fill("振动", "ffill"),
  rule.fill("转速", "ffill"),
  rule.fill("电流", "ffill"),
}

text = {
  lang = "zh",
  window = 10,
  notes = "备注",
}

-- Machine M06 logs its temperature in °F; bring it to °C like the rest.
function clean(row)
  if row["设备"] == "M06" and row["温度"] then
    row["温度"] = (row["温度"] - 32) * 5 / 9
  end
  if row["状态"] == nil then
    return nil  -- unlabelled readings teach nothing
  end
  return row
end
