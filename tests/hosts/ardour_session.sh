#!/bin/sh
# Tandem in Ardour 7 headless (ardour7-lua, dummy backend at 10x speed).
#   ardour_session.sh BUILD_ROOT
# Runs ardour_session.lua twice (create, then reload) in a throwaway HOME and
# checks what Ardour recorded from Tandem's MIDI output:
#   0. Tandem's time:Position input does not declare midi:MidiEvent: Ardour 7
#      writes time:Position into a MIDI-capable atom input only when the route
#      feeds it MIDI, so on an audio track Tandem would get no transport at all:
#      it would play at its own 120 bpm until its tempo detector locks onto the
#      input (1-1.5 beats here), then follow the detected beat, never the
#      session's bars;
#   1. create: a session at 100 bpm, clicks -> Tandem on an audio track, Tandem's
#      MIDI out recorded on a MIDI track for 8 bars after one press of
#      regenerate, with hold on: at least 16 drum notes (channel 10); every note
#      start of the first bar, and at least 90% from bar 2 on, within 0.03 beat
#      of the session's 16th grid (after removing the constant offset of
#      Ardour's port latency);
#   2. reload: the saved session plays the same part again (bars 2-8, onsets
#      and pitches), and a fresh Tandem plays a different one, so the part came
#      from the saved state; the preset "Rock — Bass" gives role=Bass,
#      style=Rock and bass notes off the drum channel.
# Fails if ardour7-lua is not installed (Debian package ardour; tools/test.sh installs
# it); also needs lv2info (lilv-utils), sordi and python3.
set -u
build=${1:?usage: ardour_session.sh BUILD_ROOT}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v ardour7-lua >/dev/null 2>&1; then
  echo "FAIL: ardour7-lua is not installed (Debian package ardour)"
  exit 1
fi
dir=$(mktemp -d /tmp/tandem-ardour-XXXXXX)
trap 'rm -rf "$dir"' EXIT
HOME=$dir/home
XDG_CONFIG_HOME=$HOME/.config
LV2_PATH=$build:/usr/lib/lv2
export HOME XDG_CONFIG_HOME LV2_PATH
mkdir -p "$XDG_CONFIG_HOME/ardour7/scripts"
cp "$here/tandem_clicks.lua" "$XDG_CONFIG_HOME/ardour7/scripts/"

# Ardour's parameter index of each control port (inputs and outputs, in port
# order), from lv2info.
params=$(lv2info urn:tandem:plugin 2>/dev/null | awk '
  /^\tPort [0-9]+:/ { ctl = 0 }
  /ControlPort/     { ctl = 1 }
  /Symbol:/         { if (ctl) { printf "%s=%d,", $2, n; n++ } }')
case $params in *regenerate=*) ;; *) echo "FAIL: lv2info does not list Tandem's ports"; exit 1 ;; esac
# The plugin's atom inputs that support time:Position, from its Turtle.
if ! sordi -i turtle -o ntriples "file://$build/tandem.lv2/tandem.ttl" 2>/dev/null | python3 -c '
import collections, sys
props = collections.defaultdict(set)
for line in sys.stdin:
    f = line.split(" ", 2)
    if len(f) == 3:
        props[f[0]].add((f[1], f[2].rstrip(" .\n")))
atom = "<http://lv2plug.in/ns/ext/atom#supports>"
pos = (atom, "<http://lv2plug.in/ns/ext/time#Position>")
midi = (atom, "<http://lv2plug.in/ns/ext/midi#MidiEvent>")
ports = [n for n, p in props.items() if pos in p]
sys.exit(0 if ports and not any(midi in props[n] for n in ports) else 1)'; then
  echo "FAIL: Tandem's time:Position input also supports midi:MidiEvent (or none supports"
  echo "      time:Position); Ardour then sends no time:Position on an audio track"
  exit 1
fi

status=0
for mode in create reload; do
  if ! timeout 300 ardour7-lua "$here/ardour_session.lua" $mode "$dir/session" \
      "$dir/$mode.txt" 100 "$params" >"$dir/$mode.log" 2>&1 ||
      ! grep -q '^done$' "$dir/$mode.txt"; then
    echo "FAIL: ardour7-lua $mode:"
    grep -v 'manifest.ttl\|lilv_world' "$dir/$mode.log" | tail -20
    cat "$dir/$mode.txt" 2>/dev/null
    exit 1
  fi
done

# Keep what Ardour recorded next to the test log, for a look after a failure.
cp "$dir/create.txt" "$build/meson-logs/ardour-create-notes.txt" 2>/dev/null
cp "$dir/reload.txt" "$build/meson-logs/ardour-reload-notes.txt" 2>/dev/null
grep -v 'manifest.ttl\|lilv_world' "$dir/create.log" >"$build/meson-logs/ardour-create.log" 2>/dev/null
python3 - "$dir/create.txt" "$dir/reload.txt" <<'PY' || status=1
import statistics, sys
def read(path):
    notes, params = {}, {}
    for line in open(path):
        f = line.split()
        if f[0] == "param":
            params[f[1]] = float(f[2])
        elif len(f) == 6:
            notes.setdefault(f[0], []).append((float(f[1]), float(f[2]), int(f[3]), int(f[4]), int(f[5])))
    return notes, params
created, _ = read(sys.argv[1])
reloaded, params = read(sys.argv[2])
ok = True
def check(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok = ok and cond
grid = 0.25  # a 16th in quarter-note beats
part = created.get("Part", [])
check(len(part) >= 16 and all(n[4] == 9 for n in part),
      f"create: {len(part)} notes recorded from Tandem, all on the drum channel")
def offset(notes):
    # Half a 16th below bar 2 still counts as bar 2: the offset is not known yet.
    res = [((t + grid / 2) % grid) - grid / 2 for t, *_ in notes if t >= 4.0 - grid / 2]
    return statistics.median(res) if res else 0.0
def on_grid(notes, off):
    late = [t for t, *_ in notes if t - off >= 4.0 - grid / 2]
    hit = [t for t in late if abs(((t - off + grid / 2) % grid) - grid / 2) <= 0.03]
    return len(hit), len(late)
off = offset(part)
hit, total = on_grid(part, off)
miss = [round(t, 3) for t, *_ in part
        if t - off >= 4.0 - grid / 2 and abs(((t - off + grid / 2) % grid) - grid / 2) > 0.03]
if miss:
    print(f"info create: off-grid note starts (beats): {miss[:24]}")
check(total > 0 and hit >= 0.9 * total,
      f"create: {hit}/{total} note starts from bar 2 on the 100 bpm 16th grid "
      f"(constant offset {off * 600:.1f} ms)")
first = [t for t, *_ in part if t - off < 4.0 - grid / 2]
first_hit = [t for t in first if abs(((t - off + grid / 2) % grid) - grid / 2) <= 0.03]
check(len(first) >= 2 and len(first_hit) == len(first),
      f"create: {len(first_hit)}/{len(first)} note starts in the first bar on the 100 bpm "
      f"16th grid: {[round(t, 3) for t in first]}")
def key(notes, off):
    # Bars 2-8 on the 16th grid, after each take's own constant offset.
    return sorted({(round((t - off) / grid), p) for t, _, p, _, _ in notes
                   if 4.0 - grid / 2 <= t - off < 32.0 - grid / 2})
again, fresh = reloaded.get("Again", []), reloaded.get("Fresh", [])
same = key(again, offset(again)) == key(part, off)
check(len(again) > 0 and same,
      f"reload: the saved session plays the same part ({len(again)} notes)")
differs = key(fresh, offset(fresh)) != key(part, off)
check(len(fresh) > 0 and differs,
      f"reload: a fresh Tandem plays a different part ({len(fresh)} notes), so the part came from state")
bass = reloaded.get("Bass", [])
check(params.get("role") == 1 and params.get("style") == 1,
      f"preset 'Rock — Bass': role={params.get('role')} style={params.get('style')}")
check(len(bass) > 0 and all(n[4] != 9 for n in bass),
      f"preset 'Rock — Bass': {len(bass)} notes, none on the drum channel")
sys.exit(0 if ok else 1)
PY
if [ $status -ne 0 ]; then
  echo "What Ardour reported about the takes:"
  grep -h '^recorded\|^feed\|^notes' "$dir/create.txt" "$dir/reload.txt"
fi
exit $status
