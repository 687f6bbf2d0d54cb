#!/bin/sh
# Tandem in Ardour 7 headless (ardour7-lua, dummy backend at 10x speed).
#   ardour_session.sh BUILD_ROOT
# Runs ardour_session.lua twice (create, then reload) in a throwaway HOME and
# checks what Ardour recorded from Tandem's MIDI output:
#   1. create: a session at 100 bpm, clicks -> Tandem on an audio track, Tandem's
#      MIDI out recorded on a MIDI track for 8 bars after one press of
#      regenerate: at least 16 drum notes (channel 10), and from bar 2 on at
#      least 90% of note starts within 0.03 beat of the session's 16th grid
#      (after removing the constant offset of Ardour's port latency);
#   2. reload: the saved session plays the same part again (bars 2-8, onsets
#      and pitches), and a fresh Tandem plays a different one, so the part came
#      from the saved state; the preset "Rock — Bass" gives role=Bass,
#      style=Rock and bass notes off the drum channel.
# Fails if ardour7-lua is not installed (Debian package ardour; tools/test.sh installs it).
set -u
build=${1:?usage: ardour_session.sh BUILD_ROOT}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v ardour7-lua >/dev/null 2>&1; then
  echo "SKIP: ardour7-lua is not installed (Debian package ardour)"
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
    res = [((t + grid / 2) % grid) - grid / 2 for t, *_ in notes if t >= 4.0]
    return statistics.median(res) if res else 0.0
def on_grid(notes, off):
    late = [t for t, *_ in notes if t >= 4.0]
    hit = [t for t in late if abs(((t - off + grid / 2) % grid) - grid / 2) <= 0.03]
    return len(hit), len(late)
off = offset(part)
hit, total = on_grid(part, off)
miss = [round(t, 3) for t, *_ in part
        if t >= 4.0 and abs(((t - off + grid / 2) % grid) - grid / 2) > 0.03]
if miss:
    print(f"info create: off-grid note starts (beats): {miss[:24]}")
check(total > 0 and hit >= 0.9 * total,
      f"create: {hit}/{total} note starts from bar 2 on the 100 bpm 16th grid "
      f"(constant offset {off * 600:.1f} ms)")
first = [round(t, 3) for t, *_ in part if t < 4.0]
print(f"info create: first-bar note starts (beats): {first}")
def key(notes, off):
    return sorted({(round((t - off) / grid), p) for t, _, p, _, _ in notes if 4.0 <= t < 31.0})
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
exit $status
