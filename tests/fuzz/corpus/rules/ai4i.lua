-- Rules for the AI4I 2020 predictive-maintenance data (datasets/ai4i2020.csv).
--   lathe textualize datasets/ai4i2020.csv --rules lua/ai4i.lua -o ai4i.jsonl
-- The label is the failure mode, mapped from the five flag columns.
local rule = require "lathe.clean"
local ltext = require "lathe.text"

types = { ["Product ID"] = "string", Type = "string" }

-- Physical limits of the milling process; a reading outside them is a
-- logging fault, not a machine state.
rules = {
  rule.limits("Air temperature [K]", 250, 350, "drop"),
  rule.limits("Process temperature [K]", 250, 400, "drop"),
  rule.limits("Rotational speed [rpm]", 0, 5000, "drop"),
  rule.limits("Torque [Nm]", 0, 150, "drop"),
  rule.limits("Tool wear [min]", 0, 400, "drop"),
  rule.dedup(),
}

label_column = "failure"

-- The flags are the label's own source: as facts they would leak it.
text = {
  exclude = { "UDI", "Product ID", "Machine failure", "TWF", "HDF", "PWF", "OSF", "RNF" },
}

local modes = { "TWF", "HDF", "PWF", "OSF", "RNF" }

-- Machine failure = 0 is "no failure" even where RNF = 1 (18 rows of the
-- data carry that known quirk); a failure takes its first flagged mode in
-- the order above (24 rows have several), and the 9 failures with no mode
-- flagged are "other failure".
function label(row)
  if row["Machine failure"] ~= 1 then
    return "no failure"
  end
  return ltext.first_flag(row, modes) or "other failure"
end
