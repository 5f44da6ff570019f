-- lathe.advice: the recommendations shipped with lathe. A diagnosis gets
-- the entries whose label matches and whose `when` holds (see
-- lathe-lua(7), "Advice"); a user's own files (--advice FILE) come first.
--
-- The AI4I 2020 failure modes follow the data set's own description
-- (S. Matzka, "Explainable Artificial Intelligence for Predictive
-- Maintenance Applications", AI4I 2020; UCI Machine Learning Repository):
--   TWF  tool wear failure: the tool is replaced or fails at 200-240 min
--   HDF  heat dissipation failure: air-to-process temperature difference
--        under 8.6 K with rotational speed under 1380 rpm
--   PWF  power failure: torque x speed outside 3500-9000 W
--   OSF  overstrain failure: tool wear x torque above 11,000 (L),
--        12,000 (M) or 13,000 (H) min Nm
return {
  -- AI4I (lua/ai4i.lua's labels)
  { label = "TWF", when = function(d) return (d.readings["tool wear"] or 0) >= 200 end,
    action = "Replace the cutting tool now: its wear is in the 200-240 min band where tools fail",
    urgency = "high", parts = { "cutting tool insert" } },
  { label = "TWF",
    action = "Inspect the cutting tool for wear and chipping; replace it if worn",
    urgency = "medium", parts = { "cutting tool insert" } },
  { label = "HDF", when = { "rotational speed low" },
    action = "Raise the spindle speed or pause: at low speed the heat is not carried off; check the coolant flow and fan",
    urgency = "high", parts = { "coolant filter", "cooling fan" } },
  { label = "HDF",
    action = "Check cooling: coolant level and flow, fan, heat exchanger fins; the air-to-process temperature gap is too small",
    urgency = "high", parts = { "coolant filter", "cooling fan" } },
  { label = "PWF",
    action = "Check the drive's power: torque times speed is outside the motor's 3.5-9 kW band; review the feed rate and the load",
    urgency = "high", parts = { "spindle drive fuse", "motor brushes" } },
  { label = "OSF", when = function(d) return (d.readings["tool wear"] or 0) >= 150 end,
    action = "Change the tool before the next job: a worn tool under high torque overstrains the spindle",
    urgency = "critical", parts = { "cutting tool insert", "spindle bearing" } },
  { label = "OSF",
    action = "Reduce the cutting load (feed or depth of cut) and inspect the spindle for overstrain",
    urgency = "high", parts = { "spindle bearing" } },
  { label = "other failure",
    action = "A failure with no recorded mode: inspect the machine and log what is found, so the mode can be learned",
    urgency = "medium" },
  { label = "no failure",
    action = "No action: keep to the regular maintenance plan",
    urgency = "low" },

  -- The synthetic multi-machine log (lua/synthetic.lua's labels)
  { label = "紧急停机",
    action = "立即停机并挂牌上锁；检查振动和温度来源（轴承、对中、润滑），排除故障前不得重启",
    urgency = "critical", parts = { "轴承", "润滑油" } },
  { label = "停机", when = { "振动高" },
    action = "安排停机检查：振动偏高，检查轴承和联轴器对中",
    urgency = "high", parts = { "轴承", "联轴器" } },
  { label = "停机",
    action = "安排计划停机，检查设备状态并记录原因",
    urgency = "high" },
  { label = "正常",
    action = "继续运行，按计划巡检",
    urgency = "low" },
}
