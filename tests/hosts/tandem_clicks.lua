ardour {
	["type"]    = "dsp",
	name        = "Tandem Test Clicks",
	category    = "Utility",
	license     = "ISC",
	author      = "Tandem tests",
	description = [[A decaying click on every beat at the given tempo, counted from session sample 0 and mixed into the input: the drum loop that Tandem listens to in tests/hosts/ardour_session.lua.]]
}

function dsp_ioconfig ()
	return { { audio_in = 1, audio_out = 1 } }
end

function dsp_params ()
	return { { ["type"] = "input", name = "BPM", min = 40, max = 240, default = 120 } }
end

local rate = 48000

function dsp_init (r)
	rate = r
end

function dsp_run (ins, outs, n_samples)
	if ins[1] ~= outs[1] then
		ARDOUR.DSP.copy_vector (outs[1], ins[1], n_samples)
	end
	if not Session:transport_rolling () then
		return
	end
	local ctrl = CtrlPorts:array ()
	local beat = rate * 60 / ctrl[1]
	local o = outs[1]:array ()
	local pos = Session:transport_sample ()
	for i = 1, n_samples do
		-- Samples since the last beat; the click decays over 300 of them.
		local since = math.fmod (pos + i - 1, beat)
		if since < 300 then
			o[i] = o[i] + 0.8 * math.exp (-since / 40) * ((math.floor (since) % 2 == 0) and 1 or -1)
		end
	end
end
