#!/bin/sh
# Groove capture benchmark (figures only): renders loops of every shipped style
# to audio, learns a profile from each with tandem-profile, prints which shipped
# style each learned profile is nearest to and how well the swing survives a
# round through the generator (tests/bench/groove_bench.py).
#
# usage: tests/bench/groove.sh [--record] [BUILD_DIR]
#   --record  append the table to tests/bench/results.md (else BUILD_DIR/bench-results.md)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
record=no
build=
for arg in "$@"; do
  case "$arg" in
    --record) record=yes ;;
    -*) echo "usage: $0 [--record] [BUILD_DIR]" >&2; exit 1 ;;
    *) build=$arg ;;
  esac
done
build=$(cd "${build:-build}" && pwd)
if [ "$record" = yes ]; then
  results=$here/results.md
else
  results=$build/bench-results.md
fi
# groove_gen is not built by default.
ninja -C "$build" -j2 tests/groove_gen tools/tandem-profile tools/tandem-render \
  tandem.lv2.stamp >/dev/null
# As the issue measures it (tempo detected), then with the tempo known, as the
# plugin has it from the host's transport.
/usr/bin/python3 "$here/groove_bench.py" "$build" "$here/../../ttl/styles" \
  --results "$results"
/usr/bin/python3 "$here/groove_bench.py" "$build" "$here/../../ttl/styles" \
  --results "$results" --tempo-known
