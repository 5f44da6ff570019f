-- lathe.text: helpers for label() and textualize() functions.
local M = {}

-- The first flag column (value 1 or true) in order, mapped to its name:
--   text.first_flag(row, {"TWF", "HDF"}, {TWF = "tool wear failure"})
function M.first_flag(row, columns, names)
  for _, c in ipairs(columns) do
    local v = row[c]
    if v == 1 or v == true or v == "1" then
      return names and names[c] or c
    end
  end
  return nil
end

-- Bins x by rising thresholds: M.bin(x, {10, 20}, {"low", "mid", "high"}).
function M.bin(x, cuts, labels)
  if x == nil then return nil end
  if #labels ~= #cuts + 1 then error("bin: need one label more than thresholds", 2) end
  for i, c in ipairs(cuts) do
    if x < c then return labels[i] end
  end
  return labels[#labels]
end

-- Joins facts with the wording pack's separator ("; " or "；").
function M.join(facts, lang)
  return table.concat(facts, lang == "zh" and "；" or "; ")
end

return M
