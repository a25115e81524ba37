-- Fixed-rate runs: each connection waits a random delay averaging `interval` ms (the first argument
-- after --) before each request, so that the connections together send about connections x 1000 /
-- (interval + latency) requests per second, spread out rather than in bursts. wrk times each request
-- from its send, which is faithful while latency stays well below the interval; the achieved rate is
-- reported next to the target.
local here = debug.getinfo(1, 'S').source:sub(2):match('(.*/)') or './'
dofile(here .. 'wrk-report.lua')

local interval = 0

function init(args)
  interval = tonumber(args[1]) or 0
  math.randomseed(os.time() + (tonumber(tostring({}):match('0x(%x+)'), 16) or 0))
end

function delay()
  return math.floor(math.random() * 2 * interval)
end
