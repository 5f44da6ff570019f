-- Synthetic multi-machine sensor log with Chinese labels, for trying every
-- lathe feature on a time-ordered log.
--   lathe run datasets/gen_synthetic.lua OUT.csv [MACHINES] [READINGS] [SEED] [european]
-- Columns: 时间 (time), 设备 (machine), 温度 (temperature, °C; M06 logs °F),
-- 压力 (pressure, bar), 振动 (vibration, mm/s), 转速 (speed, rpm),
-- 电流 (current, A), 备注 (technician note), 状态 (state: 正常 normal,
-- 停机 shutdown, 紧急停机 emergency shutdown).
-- Wear episodes raise temperature, vibration and current and lower
-- pressure and speed; the state follows how far an episode has gone.
-- Faults a real log has are planted on purpose: missing cells, a stuck
-- temperature sensor, vibration spikes, a duplicated row, a repeated
-- timestamp, and readings out of time order.
-- "european" writes ';' separators and decimal commas.
local out = arg[1] or "synthetic.csv"
local machines = tonumber(arg[2]) or 6
local readings = tonumber(arg[3]) or 400
local seed = tonumber(arg[4]) or 2024
local european = arg[5] == "european"
math.randomseed(seed)

local function gauss(sd)
  -- Box-Muller: enough for plausible sensor noise.
  local u1, u2 = 1 - math.random(), math.random()
  return sd * math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
end

local sep = european and ";" or ","
local function fmt(x, decimals)
  if x == nil then return "" end
  local s = string.format("%." .. decimals .. "f", x)
  if european then s = s:gsub("%.", ",") end
  return s
end

local function iso(t)
  return os.date("!%Y-%m-%d %H:%M:%S", t)
end

local notes_wear = { "振动异常", "温度偏高", "有异响", "电流波动" }
local rows = {}
local start = os.time({ year = 2024, month = 3, day = 1, hour = 0 }) -- local time; only spacing matters
for m = 1, machines do
  local id = string.format("M%02d", m)
  local wear, episode = 0, nil
  local t = start + (m - 1) * 60
  for i = 1, readings do
    t = t + 600
    if not episode and math.random() < 0.012 then
      episode = 25 + math.random(0, 30)
    end
    local note = ""
    if episode then
      wear = wear + 1
      if math.random() < 0.08 then note = notes_wear[math.random(#notes_wear)] end
      if wear >= episode then
        wear, episode = 0, nil
        note = "已维修，更换轴承"
      end
    end
    local temp = 60 + 4 * math.sin(i / 25) + gauss(0.8) + 0.9 * wear
    local state = wear < 12 and "正常" or wear < 28 and "停机" or "紧急停机"
    local row = {
      time = t, machine = id,
      temp = id == "M06" and temp * 9 / 5 + 32 or temp,
      pressure = 6.0 + gauss(0.08) - 0.03 * wear,
      vib = 2.0 + gauss(0.15) + 0.12 * wear,
      speed = 1500 + gauss(15) - 4 * wear,
      current = 12 + gauss(0.3) + 0.08 * wear,
      note = note, state = state,
    }
    for _, k in ipairs({ "temp", "pressure", "vib", "speed", "current" }) do
      if math.random() < 0.004 then row[k] = nil end
    end
    rows[#rows + 1] = row
  end
end

-- Planted faults.
local stuck = math.min(#rows, 2 * readings + 40)
for i = stuck, math.min(#rows, stuck + 29) do rows[i].temp = rows[stuck].temp end
for _, i in ipairs({ 37, 911, 1500 }) do
  if rows[i] and rows[i].vib then rows[i].vib = rows[i].vib * 12 end
end
if #rows > 120 then
  table.insert(rows, 100, rows[99])                        -- a duplicated row
  local r = {}; for k, v in pairs(rows[50]) do r[k] = v end
  r.vib = (r.vib or 2) + 0.01; table.insert(rows, 51, r)    -- same time, other value
  rows[120], rows[121] = rows[121], rows[120]                -- out of order
end

local f = assert(io.open(out .. ".tmp", "w"))
f:write(table.concat({ "时间", "设备", "温度", "压力", "振动", "转速", "电流", "备注", "状态" }, sep), "\n")
for _, r in ipairs(rows) do
  f:write(table.concat({ iso(r.time), r.machine, fmt(r.temp, 2), fmt(r.pressure, 3), fmt(r.vib, 3),
    fmt(r.speed, 1), fmt(r.current, 2), r.note, r.state }, sep), "\n")
end
assert(f:close())
assert(os.rename(out .. ".tmp", out))
