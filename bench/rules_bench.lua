-- A typical per-row rules script for bench/lua_bench.sh: a unit conversion,
-- a plausibility check that drops rows, and a label mapping.
function clean(row)
  local v = row.vibration_mm_s
  if v ~= nil and v > 9 then return nil end
  if row.temp_c ~= nil then row.temp_c = math.floor(row.temp_c * 10 + 0.5) / 10 end
  return row
end

function label(row)
  local t, v = row.temp_c, row.vibration_mm_s
  if t == nil or v == nil then return "unknown" end
  if t > 80 or v > 6 then return "alarm" end
  if t > 65 or v > 4 then return "watch" end
  return "normal"
end
