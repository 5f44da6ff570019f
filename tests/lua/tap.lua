-- The cases of a Lua test file, each reported on its own (TAP), so the
-- first failure does not hide the rest: tap.case(name, fn), then tap.done().
local tap = {}
local count, failed = 0, 0

function tap.case(name, fn)
  count = count + 1
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    print(("ok %d - %s"):format(count, name))
  else
    failed = failed + 1
    print(("not ok %d - %s"):format(count, name))
    print("# " .. tostring(err):gsub("\n", "\n# "))
  end
end

function tap.done()
  print("1.." .. count)
  os.exit(failed == 0 and 0 or 1)
end

return tap
