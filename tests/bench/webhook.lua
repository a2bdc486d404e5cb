-- wrk script: POST message:out:ack events shaped like the Wassenger fixture,
-- each with its own WhatsApp id (BENCH + thread + counter), alternating
-- delivered and read, so nothing is a duplicate.
local template = nil
local counter = 0
tid = 0

local threads = 0

function setup(thread)
	thread:set("tid", threads)
	threads = threads + 1
end

function init(args)
	local f = io.open(os.getenv("WEBHOOK_BODY"), "r")
	template = f:read("*a")
	f:close()
	wrk.method = "POST"
	wrk.headers["Content-Type"] = "application/json"
end

function request()
	counter = counter + 1
	local n = math.floor((counter + 1) / 2)
	local ack = (counter % 2 == 1) and "delivered" or "read"
	local id = string.format("BENCH%d%014d", tid, n)
	local body = template:gsub("@ID@", id):gsub("@ACK@", ack)
	return wrk.format(nil, nil, nil, body)
end
