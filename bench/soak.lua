-- soak.lua - the wrk script of bench/soak.sh and tests/faults.bats.
--
-- Sends a deterministic mix of requests and checks each answer against
-- the status its line of the mix expects. A mix file (SOAK_MIX) has one
-- line per request: "STATUS PATH [TOKEN]", e.g.
--   200 /api/ok/file.txt eyJ...      a valid token: must be 200
--   401 /api/bad/file.txt eyJ...     expired, forged, ...: must be 401
--   401 /api/bad/file.txt            no Authorization header at all
-- Each thread cycles through the lines from its own offset.
--
-- wrk does not tell response() which request it answers, so run with
-- one connection per thread (-c equal to -t): with wrk's pipeline of one
-- request, a connection's request and response then strictly alternate
-- and the expected status is the one of the last request() call. A
-- reconnect makes wrk call request() again, so that stays true.
--
-- wrk's main thread sleeps for the whole -d duration even when every
-- thread has stopped, so each thread that reaches its share of requests
-- (SOAK_THREAD_REQUESTS, 0: no limit) writes SOAK_STATE.<id> = "done N"
-- and stops; the driver then sends wrk SIGINT, which ends the sleep and
-- prints the summary. Every SOAK_TICK answers the thread writes its count
-- there too, which is how the driver times its faults.
--
-- done() prints one line the driver parses:
--   SOAK requests=N ok_sent=N ok_wrong=N bad_sent=N bad_wrong=N s2xx=N
--   s401=N s5xx=N other=N errors=N duration_us=N first_wrong="..."

local threads = {}

function setup(thread)
	thread:set("id", #threads)
	threads[#threads + 1] = thread
end

-- Per thread (globals, so that done() can read them with thread:get).
reqs, want = {}, {}
n, i, pending, limit, tick, state = 0, 0, 0, 0, 500, ""
answers, ok_sent, ok_wrong, bad_sent, bad_wrong = 0, 0, 0, 0, 0
s2xx, s401, s5xx, other = 0, 0, 0, 0
first_wrong = ""

local function write_state(text)
	local f = io.open(state, "w")
	if f then
		f:write(text, "\n")
		f:close()
	end
end

function init(args)
	local id = wrk.thread:get("id")
	local f = assert(io.open(assert(os.getenv("SOAK_MIX"),
	    "SOAK_MIX not set"), "r"))
	for line in f:lines() do
		local code, path, tok = line:match("^(%d+) (%S+) ?(%S*)$")
		if code then
			local h = {}
			if tok ~= "" then
				h["Authorization"] = "Bearer " .. tok
			end
			n = n + 1
			want[n] = tonumber(code)
			reqs[n] = wrk.format("GET", path, h)
		end
	end
	f:close()
	assert(n > 0, "empty mix file")
	limit = tonumber(os.getenv("SOAK_THREAD_REQUESTS") or "0")
	tick = tonumber(os.getenv("SOAK_TICK") or "500")
	state = assert(os.getenv("SOAK_STATE"), "SOAK_STATE not set") ..
	    "." .. id
	-- Threads start at different lines, so the mix is interleaved.
	i = (id * 11) % n
end

function request()
	i = i % n + 1
	pending = i
	return reqs[i]
end

function response(status, headers, body)
	local w = want[pending]
	answers = answers + 1
	if w == 200 then ok_sent = ok_sent + 1 else bad_sent = bad_sent + 1 end
	if status >= 200 and status < 300 then
		s2xx = s2xx + 1
	elseif status == 401 then
		s401 = s401 + 1
	elseif status >= 500 then
		s5xx = s5xx + 1
	else
		other = other + 1
	end
	if status ~= w then
		if w == 200 then ok_wrong = ok_wrong + 1
		else bad_wrong = bad_wrong + 1 end
		if first_wrong == "" then
			first_wrong = "got " .. status .. " for mix line " ..
			    pending .. " (expected " .. w .. ")"
		end
	end
	if limit > 0 and answers >= limit then
		write_state("done " .. answers)
		wrk.thread:stop()
	elseif answers % tick == 0 then
		write_state("run " .. answers)
	end
end

function done(summary, latency, requests)
	local t = { requests = 0, ok_sent = 0, ok_wrong = 0, bad_sent = 0,
	    bad_wrong = 0, s2xx = 0, s401 = 0, s5xx = 0, other = 0 }
	local fw = ""
	for _, th in ipairs(threads) do
		t.requests = t.requests + th:get("answers")
		for _, k in ipairs({ "ok_sent", "ok_wrong", "bad_sent",
		    "bad_wrong", "s2xx", "s401", "s5xx", "other" }) do
			t[k] = t[k] + th:get(k)
		end
		if fw == "" then fw = th:get("first_wrong") end
	end
	local e = summary.errors
	io.write(string.format("SOAK requests=%d ok_sent=%d ok_wrong=%d " ..
	    "bad_sent=%d bad_wrong=%d s2xx=%d s401=%d s5xx=%d other=%d " ..
	    "errors=%d duration_us=%d first_wrong=\"%s\"\n",
	    t.requests, t.ok_sent, t.ok_wrong, t.bad_sent, t.bad_wrong,
	    t.s2xx, t.s401, t.s5xx, t.other,
	    e.connect + e.read + e.write + e.timeout, summary.duration, fw))
end
