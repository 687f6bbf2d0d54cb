#!/bin/sh
# Runs tandem-render under the realtime checker (tests/rtcheck) and fails if any
# forbidden call happens inside its realtime marks: tandem-render's own side of
# run(), schedule_work in both worker modes, work_response and end_run.
#   render_rtcheck.sh LIBRTCHECK TANDEM_RENDER TANDEM_SYNTH FIXTURE_LV2_PATH
# The fixture schedules work on every beat, so the worker path is exercised;
# the real plugin is run too.
set -eu
lib=$1 render=$2 synth=$3 fixture=$4
dir=$(mktemp -d /tmp/tandem-render-rtcheck-XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$synth" --bpm 120 --bars 4 "$dir/in.wav"
status=0
for mode in "" --freewheel; do
  for plugin in fixture real; do
    if [ $plugin = fixture ]; then where="LV2_PATH=$fixture"; else where="-u LV2_PATH"; fi
    # shellcheck disable=SC2086
    if ! env $where LD_PRELOAD="$lib" "$render" -q $mode --bpm 120 \
        --block 64 "$dir/in.wav" -o "$dir/out.mid" >"$dir/log" 2>&1; then
      echo "render_rtcheck: $plugin plugin ${mode:-threaded}: forbidden calls or failure:"
      cat "$dir/log"
      status=1
    elif ! grep -q "^rtcheck: 0 forbidden calls" "$dir/log"; then
      echo "render_rtcheck: $plugin plugin ${mode:-threaded}: the checker did not run:"
      cat "$dir/log"
      status=1
    else
      echo "render_rtcheck: $plugin plugin ${mode:-threaded}: clean"
    fi
  done
done
exit $status
