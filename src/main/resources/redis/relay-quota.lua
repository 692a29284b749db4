-- Takes up to ARGV[2] messages from a relay's rolling quotas, all instances together, atomically.
-- Sends are counted per minute under KEYS[1] .. <epoch minute>; a quota counts the current minute
-- and the whole minutes before it (61 for an hour, 1441 for a day), so a send leaves its window
-- no sooner than the window's length after it: never more than the quota in any rolling window.
-- ARGV: [1] current epoch minute, [2] messages wanted (0 to read only), [3] hourly quota (0: none),
-- [4] daily quota (0: none). Returns {granted, used in the last hour, used in the last day}.
local now = tonumber(ARGV[1])
local wanted = tonumber(ARGV[2])
local hourly = tonumber(ARGV[3])
local daily = tonumber(ARGV[4])

local function used(minutes)
    local total = 0
    local first = now - minutes + 1
    while first <= now do
        local last = math.min(first + 499, now)
        local keys = {}
        for minute = first, last do
            keys[#keys + 1] = KEYS[1] .. minute
        end
        for _, value in ipairs(redis.call('MGET', unpack(keys))) do
            if value then
                total = total + tonumber(value)
            end
        end
        first = last + 1
    end
    return total
end

local granted = wanted
local hour = used(61)
local day = hour
if hourly > 0 then
    granted = math.min(granted, math.max(0, hourly - hour))
end
if daily > 0 then
    day = used(1441)
    granted = math.min(granted, math.max(0, daily - day))
end
if granted > 0 then
    redis.call('INCRBY', KEYS[1] .. now, granted)
    redis.call('EXPIRE', KEYS[1] .. now, 90000)
end
return {granted, hour + granted, day + granted}
