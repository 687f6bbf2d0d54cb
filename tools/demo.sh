#!/usr/bin/env bash
# Tandem demo: builds the plugin, installs it to ~/.lv2, synthesises a short
# drum-and-bass loop (no download), plays it through the installed plugin with
# tandem-render, and says what came out.
#   tools/demo.sh
# TANDEM_BUILD_DIR picks another build folder (default: build); a new one is set up without
# the test suites (-Dtests=false), an existing one keeps its options.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${TANDEM_BUILD_DIR:-build}
lv2dir="$HOME/.lv2"
out=out

STEPS_NAME=demo
STEPS_TAIL=30
. tools/steps.sh

mkdir -p "$out"

# Installs the Debian packages the build needs, only those that are missing.
. tools/packages.sh
# shellcheck disable=SC2086
tandem_ensure_packages $TANDEM_BUILD_PACKAGES \
  || fail "could not install the build packages (above: what apt-get said)"

say "configuring $build (installs to $lv2dir)"
if [ -f "$build/build.ninja" ]; then
  # An existing folder keeps its options (tools/test.sh's builds the tests too).
  step "$out/configure.log" "meson configure $build" meson configure "$build" -Dlv2dir="$lv2dir"
else
  # The demo needs the plugin, tandem-synth and tandem-render, not the test suites
  # (they need the test packages, such as Check).
  step "$out/configure.log" "meson setup $build" \
    meson setup "$build" -Dtests=false -Dlv2dir="$lv2dir"
fi
say "building"
step "$out/build.log" "the build (ninja -C $build)" ninja -C "$build"
say "installing the bundle to $lv2dir/tandem.lv2"
step "$out/install.log" "meson install -C $build" meson install -C "$build"

say "synthesising $out/demo-input.wav: 8 bars of drums and bass at 100 bpm"
"$build/tools/tandem-synth" --bpm 100 --bars 8 "$out/demo-input.wav" \
  || fail "tandem-synth could not write $out/demo-input.wav"

# Two parts along with the same loop: drums and a bassline.  Notes come from the
# built-in generator; nothing here touches the network.
summary() { # summary REPORT -> "notes events duration status_with_underscores"
  python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
status = (r.get("status") or "none").replace(" ", "_")
print(r["notes"], r["midi_events"], "%.1f" % r["duration_s"], status)
EOF
}

total=0
for role in drums bass; do
  say "rendering the $role part through the installed plugin (LV2_PATH=$lv2dir)"
  LV2_PATH="$lv2dir" "$build/tools/tandem-render" -q --bpm 100 --role "$role" --style funk \
    --report "$out/demo-$role.json" -o "$out/demo-$role.mid" "$out/demo-input.wav" \
    || fail "tandem-render could not render the $role part"
  read -r notes events duration status < <(summary "$out/demo-$role.json")
  total=$((total + notes))
  say "  $out/demo-$role.mid: $notes notes ($events MIDI events) over ${duration} s"
  say "  plugin status: ${status//_/ }"
done

echo
say "input:   $out/demo-input.wav (8 bars of synthesised drums and bass at 100 bpm)"
say "output:  $out/demo-drums.mid and $out/demo-bass.mid (reports: $out/demo-*.json)"
if [ "$total" -eq 0 ]; then
  say "the MIDI files have no notes: something is wrong; see the reports' status and errors."
  exit 1
fi
say "listen:  apt-get install fluidsynth fluid-soundfont-gm, then"
say "         fluidsynth -ni -F $out/demo-drums.wav /usr/share/sounds/sf2/FluidR3_GM.sf2 $out/demo-drums.mid"
say "Ardour:  the bundle is in $lv2dir/tandem.lv2. Rescan plugins, put Tandem on an audio"
say "         track, route that track's MIDI out to a MIDI track with a synth, and play."
