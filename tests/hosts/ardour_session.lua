-- Tandem in Ardour 7, headless (run by tests/hosts/ardour_session.sh):
--   ardour7-lua ardour_session.lua MODE SESSION_DIR OUT_FILE BPM PARAMS
-- MODE "create": a new session at BPM with an audio track "Listen" (Tandem Test
--   Clicks -> Tandem) whose MIDI output feeds the MIDI track "Part"; presses
--   Tandem's regenerate (rolling a bar with it on, then 2 bars with it off, so
--   that the new part is surely playing), turns on hold (song sections would
--   otherwise ask for new parts mid-take), records 8 bars on "Part" and saves
--   the session.
-- MODE "reload": loads that session, records the same 8 bars on a new MIDI track
--   "Again", adds a second Tandem with the preset "Rock — Bass" recorded on
--   "Bass" (loaded the way Ardour's preset menu loads it), and a third, fresh
--   Tandem recorded on "Fresh".
-- PARAMS maps control-port symbols to Ardour's parameter indices
--   ("regenerate=17,humanize_ms=7,..."), worked out from lv2info by the driver.
-- Notes go to OUT_FILE, one per line: "TRACK START_BEATS LENGTH_BEATS PITCH VELOCITY
-- CHANNEL", plus "param SYMBOL VALUE" lines; the driver checks them.
local mode, dir, out_path, bpm = arg[1], arg[2], arg[3], tonumber (arg[4])
local params = {}
for sym, idx in string.gmatch (arg[5], "([%w_]+)=(%d+)") do params[sym] = tonumber (idx) end

local out = io.open (out_path, "w")
local function fail (msg)
	out:write ("error " .. msg .. "\n")
	out:close ()
	print ("FAIL: " .. msg)
	os.exit (1)
end

local backend = AudioEngine:set_backend ("None (Dummy)", "ardour", "")
if not backend then fail ("no dummy backend") end
backend:set_driver ("10x Speed")

if mode == "create" then
	if not create_session (dir, "tandem", 48000) then fail ("create_session") end
	local tm = Temporal.TempoMap.fetch_writable ()
	tm:set_tempo (Temporal.Tempo (bpm, bpm, 4), Temporal.timepos_t (0))
	Temporal.TempoMap.update (tm)
else
	if not load_session (dir, "tandem") then fail ("load_session") end
end
if not Session then fail ("no session") end

-- Polls cond every 50 ms for up to seconds (wall clock); false on timeout.
-- Arming and rolling are asynchronous, and slow on a loaded machine.
local function wait_for (cond, seconds)
	for _ = 1, seconds * 20 do
		if cond () then return true end
		ARDOUR.LuaAPI.usleep (50000)
	end
	return cond ()
end

local function find_tandem (route)
	local i = 0
	while true do
		local p = route:nth_plugin (i)
		if p:isnil () then return nil end
		if p:display_name ():find ("Tandem") and not p:display_name ():find ("Clicks") then
			return p
		end
		i = i + 1
	end
end

local function new_midi_track (name)
	local tl = Session:new_midi_track (ARDOUR.ChanCount (ARDOUR.DataType ("midi"), 1),
		ARDOUR.ChanCount (ARDOUR.DataType ("midi"), 1), true, ARDOUR.PluginInfo (), nil, nil,
		1, name, ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, false, false)
	if tl:size () ~= 1 then fail ("cannot add MIDI track " .. name) end
	return tl:front ()
end

-- Connections made by feed, checked again before each take.
local feeds = {}

-- Connects route's MIDI output to the MIDI input named dst until the connection
-- holds: adding a plugin or a track reconfigures ports in the background, which
-- can drop a connection made too early.
local function hold_connection (route, dst)
	return wait_for (function ()
		local port = route:output ():midi (0)
		if port:isnil () then return false end
		if not port:connected_to (dst) then
			route:output ():connect (port, dst, nil)
			return false
		end
		return true
	end, 20)
end

-- Feeds route's MIDI output (Tandem's notify port) into track, and arms it.
local function feed (route, track)
	local src = route:output ():midi (0)
	if src:isnil () then fail (route:name () .. " has no MIDI output") end
	track:input ():disconnect_all (nil)
	local dst = track:input ():midi (0):name ()
	if not hold_connection (route, dst) then fail ("cannot connect " .. src:name () .. " to " .. dst) end
	track:rec_enable_control ():set_value (1, PBD.GroupControlDisposition.NoGroup)
	feeds[#feeds + 1] = {route, dst}
end

local function add_listen_track (name, preset)
	local tl = Session:new_audio_track (1, 2, nil, 1, name, ARDOUR.PresentationInfo.max_order,
		ARDOUR.TrackMode.Normal, false)
	if tl:size () ~= 1 then fail ("cannot add audio track") end
	local tr = tl:front ()
	local clicks = ARDOUR.LuaAPI.new_luaproc (Session, "Tandem Test Clicks")
	if clicks:isnil () then fail ("no Tandem Test Clicks Lua DSP") end
	tr:add_processor_by_index (clicks, 0, nil, true)
	ARDOUR.LuaAPI.set_processor_param (clicks, 0, bpm)
	local proc = ARDOUR.LuaAPI.new_plugin (Session, "urn:tandem:plugin", ARDOUR.PluginType.LV2, preset or "")
	if proc:isnil () then fail ("Ardour cannot load urn:tandem:plugin (LV2_PATH?)") end
	if tr:add_processor_by_index (proc, 1, nil, true) ~= 0 then fail ("cannot add Tandem") end
	-- A fixed style: with "auto" the part may change style when the genre settles,
	-- and the check below compares one part with itself.
	local fixed = {humanize_ms = 0, velocity_humanize = 0}
	if not preset then fixed.style = 1 end
	for sym, v in pairs (fixed) do
		if params[sym] then ARDOUR.LuaAPI.set_processor_param (proc, params[sym], v) end
	end
	return tr, proc
end

local function regions (track)
	local n = 0
	for _ in track:playlist ():region_list ():iter () do n = n + 1 end
	return n
end

-- Locates to the session start; returns the sample at which bars have passed.
-- This and play_to wait for each step's condition: transport requests are carried
-- out by Ardour's process and butler threads, later on a loaded machine.
local function locate_start (bars)
	local end_sample = math.floor (bars * 4 * 60 / bpm * 48000)
	Session:goto_start (false)
	if not wait_for (function () return Session:transport_sample () == 0 end, 20) then
		fail ("Ardour did not locate to the start")
	end
	return end_sample
end

local function play_to (end_sample)
	if not wait_for (function () return Session:transport_sample () >= end_sample end, 120) then
		fail ("the transport did not reach sample " .. end_sample)
	end
	Session:request_stop (false, false, ARDOUR.TransportRequestSource.TRS_UI)
	if not wait_for (function () return not Session:transport_rolling () end, 20) then
		fail ("the transport did not stop")
	end
end

-- Plays bars without recording (so that parts requested before are playing).
local function warm_up (bars)
	local end_sample = locate_start (bars)
	Session:request_roll (ARDOUR.TransportRequestSource.TRS_UI)
	if not wait_for (function () return Session:transport_rolling () end, 20) then
		fail ("Ardour did not roll")
	end
	play_to (end_sample)
end

local function record (bars, tracks)
	for _, t in ipairs (tracks) do
		if not wait_for (function () return t:rec_enable_control ():get_value () > 0 end, 20) then
			fail ("track " .. t:name () .. " did not arm")
		end
	end
	-- A connection can still be dropped by a late reconfiguration.
	for _, f in ipairs (feeds) do
		if not hold_connection (f[1], f[2]) then fail ("lost the connection to " .. f[2]) end
	end
	local end_sample = locate_start (bars)
	Session:maybe_enable_record (false)
	Session:request_roll (ARDOUR.TransportRequestSource.TRS_UI)
	if not wait_for (function () return Session:actively_recording () end, 20) then
		fail ("Ardour did not start recording")
	end
	play_to (end_sample)
	-- The recorded regions appear after the stop, once the butler has written
	-- the capture: wait for them, not for a fixed time.
	for _, t in ipairs (tracks) do
		if not wait_for (function () return regions (t) > 0 end, 60) then
			fail ("no region was recorded on " .. t:name ())
		end
	end
	Session:disable_record (false, false)
	out:write (string.format ("recorded %d %d\n", end_sample, Session:transport_sample ()))
	-- What a take with no notes would need explaining: the feeds and Tandem's state.
	for _, f in ipairs (feeds) do
		local port = f[1]:output ():midi (0)
		local tandem = find_tandem (f[1])
		out:write (string.format ("feed %s -> %s connected %s tandem-active %s\n", f[1]:name (), f[2],
			tostring (not port:isnil () and port:connected_to (f[2])),
			tostring (tandem ~= nil and tandem:active ())))
	end
end

-- Temporal.Beats to quarter notes.  Ardour 7.3's binding has no to_double or
-- tick getter, only __tostring ("BEATS:TICKS").
local function beats (b)
	local whole, ticks = string.match (tostring (b), "^(-?%d+):(-?%d+)$")
	if not whole then fail ("cannot read Beats " .. tostring (b)) end
	return tonumber (whole) + tonumber (ticks) / Temporal.ticks_per_beat
end

local function dump_notes (track)
	local n = 0
	for region in track:playlist ():region_list ():iter () do
		local mr = region:to_midiregion ()
		if not mr:isnil () then
			local start = beats (region:position ():beats ())
			for note in ARDOUR.LuaAPI.note_list (mr:model ()):iter () do
				out:write (string.format ("%s %.4f %.4f %d %d %d\n", track:name (),
					start + beats (note:time ()), beats (note:length ()),
					note:note (), note:velocity (), note:channel ()))
				n = n + 1
			end
		end
	end
	return n
end

local function main ()
if mode == "create" then
	local listen, proc = add_listen_track ("Listen", nil)
	local part = new_midi_track ("Part")
	feed (listen, part)
	-- Regenerate once: the part then differs from what a fresh instance plays,
	-- so that the reload shows the saved pattern, not a regenerated one.
	if not params.regenerate or not params.hold then fail ("no regenerate or hold control") end
	-- Tandem reads its controls once per cycle: rolling a bar with each setting
	-- makes sure that cycles saw it, however slow the machine.  The new part
	-- takes over at a bar line of the second roll.  Hold, once on, drops parts
	-- queued at later bar lines; record() runs cycles before its first bar line.
	ARDOUR.LuaAPI.set_processor_param (proc, params.regenerate, 1)
	warm_up (1)
	ARDOUR.LuaAPI.set_processor_param (proc, params.regenerate, 0)
	warm_up (2)
	ARDOUR.LuaAPI.set_processor_param (proc, params.hold, 1)
	record (8, {part})
	out:write ("notes " .. dump_notes (part) .. "\n")
	Session:save_state ("", false, false, false, false, false)
else
	local listen = Session:route_by_name ("Listen")
	if listen:isnil () then fail ("no Listen track after reload") end
	local proc = find_tandem (listen)
	if not proc then fail ("Tandem is gone after reload") end
	local again = new_midi_track ("Again")
	feed (listen, again)
	local part = Session:route_by_name ("Part"):to_track ()
	part:rec_enable_control ():set_value (0, PBD.GroupControlDisposition.NoGroup)
	-- The preset, as Ardour's preset menu applies it.
	local bass_listen, bass_proc = add_listen_track ("BassListen", "Rock — Bass")
	local bass = new_midi_track ("Bass")
	feed (bass_listen, bass)
	for _, sym in ipairs ({"role", "style", "complexity"}) do
		if params[sym] then
			out:write (string.format ("param %s %g\n", sym,
				ARDOUR.LuaAPI.get_processor_param (bass_proc, params[sym])))
		end
	end
	-- A fresh instance with the same controls: it plays the part from before
	-- the regenerate, which tells the restored part apart from a new one.
	local fresh_listen = add_listen_track ("FreshListen", nil)
	local fresh = new_midi_track ("Fresh")
	feed (fresh_listen, fresh)
	record (8, {again, bass, fresh})
	out:write ("notes " .. dump_notes (again) + dump_notes (bass) + dump_notes (fresh) .. "\n")
end
end
-- Every route, track and processor handle lives inside main, so none is left for
-- Lua's final garbage collection to release after the session and the engine are
-- gone: that late release crashes luasession in PortManager::unregister_port
-- (seen with MALLOC_PERTURB_ set, as meson test sets it).
main ()
feeds = nil
collectgarbage ()
collectgarbage ()
out:write ("done\n")
out:close ()
close_session ()
