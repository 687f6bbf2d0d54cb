#!/usr/bin/env bash
# Tandem listening renders: for a few styles, makes a backing track with MMA (drums, bass
# and chords on a 4-bar chord loop), plays it through the built plugin with tandem-render
# four times (drums, bass, chords, melody; 16-bar patterns), turns the parts into audio
# with FluidSynth and the FluidR3 General MIDI soundfont, and draws piano rolls of them.
#   tools/listen.sh [OUT_DIR] [STYLE...]      (default: out/listen, all styles below)
# Per style, in OUT_DIR/STYLE/:
#   input.mma, input.mid, input.wav   the backing track the plugin hears (33 bars)
#   ROLE.mid, ROLE.json               the part tandem-render saved and its report
#   ROLE-gm.mid, ROLE.wav             the part with a General MIDI instrument, as audio
#   band.mid, band.wav                the four parts together
#   with-input.wav                    the four parts over the backing track
#   pianoroll.png                     the four parts, bars 17-32 (the second 16-bar pass)
#   groove.png                        drums and bass close up, bars 25-28
# TANDEM_BUILD_DIR picks the build folder (default: build; it must be set up already,
# e.g. by tools/demo.sh).  The plugin is used from the build folder, not installed.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${TANDEM_BUILD_DIR:-build}
out=${1:-out/listen}
[ $# -gt 0 ] && shift
sf2=/usr/share/sounds/sf2/FluidR3_GM.sf2
python=/usr/bin/python3
BARS=33   # input length: the first bar is heard before anything plays, then two 16-bar passes

STEPS_NAME=listen
STEPS_TAIL=15
. tools/steps.sh

# style -> "bpm|MMA groove|4-bar chord loop|bass program|chords program|melody program"
# (General MIDI programs, 0-based: 32 acoustic bass, 33 finger bass, 38 synth bass,
# 4 electric piano, 16 organ, 24 nylon guitar, 89 warm pad, 7 clavinet, 11 vibraphone,
# 65 alto sax, 73 flute, 80 square lead, 56 trumpet.)
declare -A STYLES=(
  [jazz]="120|Swing|Dm7 G7 CM7 A7|32|4|11"
  [reggae]="76|Ska|Am D Am Em|38|16|56"
  [trap]="140|Trance|A#m F# D# G#|38|89|80"
  [funk]="100|BVFunk|Em7 Em7 A7 A7|33|7|65"
  [bossa]="130|BossaNova|Dm7 G7 CM7 CM7|32|24|73"
)
ORDER=(jazz reggae trap funk bossa)
ROLES=(drums bass chords melody)
if [ $# -gt 0 ]; then
  for s in "$@"; do
    [ -n "${STYLES[$s]:-}" ] || fail "no listening setup for style '$s' (have: ${ORDER[*]})"
  done
  ORDER=("$@")
fi

. tools/packages.sh
# What this script needs beyond the build (all in TANDEM_BENCH_PACKAGES too).
tandem_ensure_packages mma fluidsynth fluid-soundfont-gm sox python3-mido python3-matplotlib \
  || fail "could not install the packages it needs (above: what apt-get said)"
[ -f "$sf2" ] || fail "no soundfont at $sf2 (Debian package fluid-soundfont-gm)"
[ -f "$build/build.ninja" ] \
  || fail "no build in $build: run tools/demo.sh (or meson setup $build) first"

mkdir -p "$out"
say "building $build"
step "$out/build.log" "the build (ninja -C $build)" ninja -C "$build"
[ -x "$build/tools/tandem-render" ] || fail "$build/tools/tandem-render is not built"
export LV2_PATH
LV2_PATH=$(cd "$build" && pwd)

for style in "${ORDER[@]}"; do
  IFS='|' read -r bpm groove chords p_bass p_chords p_melody <<<"${STYLES[$style]}"
  dir=$out/$style
  mkdir -p "$dir"
  say "$style: backing track ($groove groove, $chords, $bpm bpm, $BARS bars) -> $dir/input.wav"
  {
    echo "// Made by tools/listen.sh: the backing track Tandem listens to."
    echo "RndSeed 1"
    echo "Tempo $bpm"
    echo "Groove $groove"
    read -r -a loop <<<"$chords"
    for ((bar = 0; bar < BARS; bar++)); do
      echo "$((bar + 1)) ${loop[bar % 4]}"
    done
  } >"$dir/input.mma"
  step "$dir/mma.log" "mma $dir/input.mma" mma -f "$dir/input.mid" "$dir/input.mma"
  step "$dir/fluidsynth.log" "fluidsynth (the backing track)" \
    fluidsynth -ni -F "$dir/input.wav" -r 48000 -g 0.6 "$sf2" "$dir/input.mid"

  for role in "${ROLES[@]}"; do
    ch=()
    case $role in bass) ch=(--set channel=2) ;; chords) ch=(--set channel=3) ;;
      melody) ch=(--set channel=4) ;; esac
    step "$dir/$role.log" "tandem-render ($style $role)" \
      "$build/tools/tandem-render" -q --freewheel --bpm "$bpm" --role "$role" --style "$style" \
      --bars 16 --seed 1 "${ch[@]}" --report "$dir/$role.json" -o "$dir/$role.mid" \
      "$dir/input.wav"
  done

  # General MIDI instruments for the pitched parts, and the band file (all four parts).
  step "$dir/merge.log" "writing the General MIDI files ($style)" \
    "$python" - "$dir" "$p_bass" "$p_chords" "$p_melody" <<'EOF'
import sys
import mido

d, programs = sys.argv[1], dict(zip(("bass", "chords", "melody"), map(int, sys.argv[2:5])))
band = None
for role in ("drums", "bass", "chords", "melody"):
    mid = mido.MidiFile(f"{d}/{role}.mid")
    notes = [m for t in mid.tracks for m in t if m.type == "note_on" and m.velocity > 0]
    if not notes:
        sys.exit(f"{d}/{role}.mid has no notes")
    if role in programs:
        ch = notes[0].channel
        for t in mid.tracks:
            if any(getattr(m, "type", "") == "note_on" for m in t):
                t.insert(1, mido.Message("program_change", channel=ch,
                                         program=programs[role], time=0))
    mid.save(f"{d}/{role}-gm.mid")
    if band is None:
        band = mid
    else:
        band.tracks.extend(t for t in mid.tracks
                           if any(getattr(m, "type", "") == "note_on" for m in t))
band.save(f"{d}/band.mid")
EOF

  for f in drums bass chords melody band; do
    src=$dir/$f-gm.mid
    [ "$f" = band ] && src=$dir/band.mid
    [ "$f" = drums ] && src=$dir/drums.mid
    step "$dir/fluidsynth.log" "fluidsynth ($style $f)" \
      fluidsynth -ni -F "$dir/$f.wav" -r 48000 -g 0.6 "$sf2" "$src"
  done
  step "$dir/sox.log" "sox (mixing $style's band over its backing track)" \
    sox -m -v 0.6 "$dir/input.wav" -v 1.0 "$dir/band.wav" "$dir/with-input.wav"

  step "$dir/pianoroll.log" "tools/pianoroll.py ($style)" \
    "$python" tools/pianoroll.py "$dir"/{drums,bass,chords,melody}.mid -o "$dir/pianoroll.png" \
    --start 17 --bars 16 --title "$style, $bpm bpm, over $chords: bars 17-32 (16-bar patterns)"
  step "$dir/pianoroll.log" "tools/pianoroll.py ($style, groove)" \
    "$python" tools/pianoroll.py "$dir"/{drums,bass}.mid -o "$dir/groove.png" \
    --start 25 --bars 4 --title "$style: drums and bass, bars 25-28"
  notes=$("$python" -c 'import json,sys; print(" ".join("%s %d" % (r, json.load(open(sys.argv[1] + "/" + r + ".json"))["notes"]) for r in ("drums", "bass", "chords", "melody")))' "$dir")
  say "$style: notes per part: $notes"
done

say "done: $out/STYLE/band.wav (the four parts), with-input.wav (over the backing track),"
say "      ROLE.wav (one part), pianoroll.png (bars 17-32).  Listen: aplay $out/${ORDER[0]}/with-input.wav"
