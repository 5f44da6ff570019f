-- lathe.clean: builders for the built-in cleaning rules, for a rules
-- script's `rules` list (or the `steps` option of frame:clean). Each
-- returns {NAME, ARG} in the same text the command line takes, so
--   clean.fill("Torque [Nm]", "median")  ==  --fill 'Torque [Nm]=median'
local M = {}

local function num(x)
  if x == nil then return "" end
  if type(x) ~= "number" then error("expected a number, got " .. type(x), 3) end
  return string.format("%.17g", x)
end

local function col(c)
  if type(c) ~= "string" or c == "" then error("expected a column name", 3) end
  return c
end

-- Drop rows with a missing value in any of the columns (all when none given).
function M.drop_missing(...)
  local cols = {...}
  if #cols == 0 then return {"drop-missing"} end
  for _, c in ipairs(cols) do col(c) end
  return {"drop-missing", table.concat(cols, ",")}
end

-- how: "ffill" (per machine), "mean", "median", or a constant value.
-- column "*" fills every column the method applies to.
function M.fill(column, how)
  if how == nil then error("fill: say how (ffill, mean, median or a value)", 2) end
  return {"fill", col(column) .. "=" .. tostring(how)}
end

-- Physical limits; action "clip" (default), "drop" or "missing".
-- Either limit may be nil for one-sided limits.
function M.limits(column, min, max, action)
  local spec = col(column) .. "=" .. num(min) .. ":" .. num(max)
  if action then spec = spec .. ":" .. action end
  return {"limits", spec}
end

-- method "zscore" (k default 3) or "iqr" (k default 1.5); action "drop"
-- (default), "clip" or "missing".
function M.outliers(column, method, k, action)
  local spec = col(column) .. "=" .. (method or "zscore")
  if k then spec = spec .. ":" .. num(k) end
  if action then spec = spec .. ":" .. action end
  return {"outliers", spec}
end

function M.dedup() return {"dedup"} end
function M.dedup_time() return {"dedup-time"} end
function M.sort_time() return {"sort-time"} end

function M.rename(old, new)
  return {"rename", col(old) .. "=" .. col(new)}
end

-- Units K, C, F: clean.convert("Air temperature [K]", "K", "C").
function M.convert(column, from, to)
  return {"convert", col(column) .. "=" .. from .. ":" .. to}
end

-- Row helpers for clean(row) functions.

-- First value among the named columns that is not nil.
function M.first(row, ...)
  for _, c in ipairs({...}) do
    if row[c] ~= nil then return row[c] end
  end
  return nil
end

-- True when x lies within [lo, hi] (either may be nil).
function M.within(x, lo, hi)
  return x ~= nil and (lo == nil or x >= lo) and (hi == nil or x <= hi)
end

return M
