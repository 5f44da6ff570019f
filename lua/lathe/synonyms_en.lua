-- English synonym table for lathe's synonym augmentation: each phrase of a
-- textualized sample may be replaced by one of its alternatives. Keys are
-- matched as whole words, longest first. Edit a copy and pass it with
-- --synonyms FILE.lua (or the synonyms option in Lua).
return {
  ["very high"] = { "extremely high", "far above normal", "much too high" },
  ["very low"] = { "extremely low", "far below normal", "much too low" },
  high = { "elevated", "above normal", "raised" },
  low = { "reduced", "below normal", "depressed" },
  normal = { "nominal", "within range", "typical" },
  ["rising fast"] = { "increasing quickly", "climbing fast", "surging" },
  ["falling fast"] = { "decreasing quickly", "dropping fast", "plunging" },
  rising = { "increasing", "climbing", "going up" },
  falling = { "decreasing", "dropping", "going down" },
  ["rotational speed"] = { "rotation speed", "spindle speed" },
  torque = { "load torque", "shaft torque" },
  ["tool wear"] = { "wear of the tool", "tool wearing" },
  vibration = { "vibrations", "shaking" },
  current = { "current draw", "amperage" },
}
