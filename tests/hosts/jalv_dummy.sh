#!/bin/sh
# Tandem in jalv on JACK's dummy driver at a 64-frame period.
#   jalv_dummy.sh BUILD_ROOT TANDEM_SYNTH
# Starts a private jackd (-S -d dummy -p 64), loads the built plugin in jalv, makes
# jack_transport the timebase master at 120 bpm and rolls it, plays a 120 bpm
# drum loop (tandem-synth) into Tandem's input with sndfile-jackplay, and
# captures Tandem's MIDI output with jack_midi_dump.  Passes when:
#   - at least 8 note-ons came out, all well formed (drums: channel 10);
#   - no note is left sounding at the end (the transport is stopped and the
#     capture runs on for a second after): for each channel and pitch the last
#     event captured is a note-off;
#   - jack_midi_dump reports no lost events;
#   - jalv is still running at the end (nothing broke at 64 frames).
# It also prints the share of note-ons within 2 ms + one period of a 120 bpm
# 16th grid, note-ons of a pitch still sounding, and jackd's xrun count, as
# figures only: the dummy driver runs in real time, and on a loaded machine it
# xruns, which moves jack_midi_dump's timestamps.  Timing against the host tempo
# is asserted in the Ardour test (ardour_session.sh) instead.
# jackd runs synchronously (-S).  In its default asynchronous mode, under load,
# runs here captured a hi-hat note-on with no note-off before its next note-on,
# and no events at all for about 13000 frames around it: jack_midi_dump had
# missed cycles, and a note-off it misses counts as a stuck note.  That explains
# the "2 stuck notes" seen once better than the plugin does (the torture matrix
# checks its note-offs at stop and with small output buffers).  Synchronous, the
# server waits for late clients: 0 such cases in 8 runs under a load of 9-15.
# Needs jackd2, jalv, sndfile-tools (tools/test.sh installs them); fails if one is missing.
set -u
build=${1:?usage: jalv_dummy.sh BUILD_ROOT TANDEM_SYNTH}
synth=${2:?usage: jalv_dummy.sh BUILD_ROOT TANDEM_SYNTH}
for tool in jackd jalv jack_midi_dump jack_connect jack_wait jack_transport sndfile-jackplay; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool is not installed (Debian: jackd2, jalv, sndfile-tools)"
    exit 1
  fi
done

# shellcheck source=tests/hosts/jack_dummy.sh
. "$(dirname "$0")/jack_dummy.sh"

dir=$(mktemp -d /tmp/tandem-jalv-XXXXXX)
jack_dummy_trap "$dir"

if ! jack_dummy_start "tandem-jalv-$$" 64 "$dir/jackd.log"; then
  echo "FAIL: jackd did not start"; cat "$dir/jackd.log"; exit 1
fi
"$synth" --bpm 120 --bars 4 "$dir/loop.wav" || exit 1

# jalv quits when its stdin closes: hold a FIFO open for it.
mkfifo "$dir/stdin"
sleep 120 >"$dir/stdin" &
pids="$pids $!"
LV2_PATH="$build:/usr/lib/lv2" jalv -x -n tandem -c humanize_ms=0 -c velocity_humanize=0 \
  -c swing=50 urn:tandem:plugin <"$dir/stdin" >"$dir/jalv.log" 2>&1 &
jalv_pid=$!
pids="$pids $jalv_pid"
for _ in $(seq 50); do
  jack_lsp 2>/dev/null | grep -q '^tandem:notify$' && break
  sleep 0.1
done
jack_midi_dump -a dump >"$dir/dump.txt" 2>"$dir/dump.err" &
pids="$pids $!"
for _ in $(seq 50); do
  jack_lsp 2>/dev/null | grep -q '^dump:input$' && break
  sleep 0.1
done
if ! jack_connect tandem:notify dump:input; then
  echo "FAIL: cannot connect tandem:notify (jalv log below)"; tail "$dir/jalv.log"; exit 1
fi

# 120 bpm: one 16th is 6000 frames at 48 kHz.
(printf 'master\ntempo 120\nlocate 0\nplay\n'; sleep 8; printf 'stop\n'; sleep 2) |
  jack_transport >"$dir/transport.log" 2>&1 &
tr_pid=$!
sleep 0.3
sndfile-jackplay --autoconnect=tandem:in "$dir/loop.wav" >"$dir/play.log" 2>&1
wait "$tr_pid"
sleep 1

status=0
if ! kill -0 "$jalv_pid" 2>/dev/null; then
  echo "FAIL: jalv exited during the run:"; tail -20 "$dir/jalv.log"; status=1
fi
xruns=$(grep -ci xrun "$dir/jackd.log")
if grep -qi 'overflow\|lost' "$dir/dump.err"; then
  echo "FAIL: jack_midi_dump lost events:"; cat "$dir/dump.err"; status=1
fi
python3 - "$dir/dump.txt" "$xruns" <<'PY' || status=1
import re, sys
lines = open(sys.argv[1]).read().splitlines()
# A synth holds a note from a note-on to the next note-off of its channel and
# pitch, however many note-ons came between.
ons, sounding, again, bad = [], {}, 0, []
for line in lines:
    m = re.match(r"\s*(\d+):\s+([0-9a-f]{2}) ([0-9a-f]{2}) ([0-9a-f]{2})", line)
    if not m:
        continue
    t, st, d1, d2 = int(m[1]), int(m[2], 16), int(m[3], 16), int(m[4], 16)
    kind, ch = st & 0xF0, st & 0x0F
    if kind == 0x90 and d2 > 0:
        ons.append(t)
        again += sounding.get((ch, d1), False)
        sounding[(ch, d1)] = True
        if ch != 9 or d1 > 127 or d2 > 127:
            bad.append(line)
    elif kind == 0x80 or (kind == 0x90 and d2 == 0):
        sounding[(ch, d1)] = False
stuck = sum(sounding.values())
grid, tol = 6000, 96 + 64  # 2 ms + one period
starts = sorted(set(ons))
on_grid = 0
if starts:
    first = starts[0]
    for t in starts:
        r = (t - first) % grid
        on_grid += min(r, grid - r) <= tol
share = on_grid / len(starts) if starts else 0.0
print(f"jalv: {len(ons)} note-ons at {len(starts)} times, {share:.0%} on the 16th grid, "
      f"{stuck} stuck, {len(bad)} malformed, {again} note-ons of a sounding pitch, "
      f"jackd xruns {sys.argv[2]}")
ok = len(ons) >= 8 and stuck == 0 and not bad
if not ok:
    print("FAIL"); print("\n".join(lines[:40]))
sys.exit(0 if ok else 1)
PY
exit $status
