#!/bin/sh
# Runs the analysis benchmarks: renders the corpus (once, into the build folder),
# scores aubio and tandem-analyze on it, measures detection latency and per-block
# cost, prints the table and appends it to tests/bench/results.md.
#
# usage: tests/bench/run.sh [--no-build] [--no-record] [BUILD_DIR]
#   --no-build   do not run ninja first; use the bench programs as they are
#   --no-record  write the dated block to BUILD_DIR/bench-results.md instead
# BUILD_DIR defaults to ./build.  Uses Debian's /usr/bin/python3 (python3-numpy).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build_first=yes
record=yes
build=
for arg in "$@"; do
  case "$arg" in
    --no-build) build_first=no ;;
    --no-record) record=no ;;
    -*) echo "usage: $0 [--no-build] [--no-record] [BUILD_DIR]" >&2; exit 1 ;;
    *) build=$arg ;;
  esac
done
build=$(cd "${build:-build}" && pwd)
python=/usr/bin/python3

# shellcheck source=../../tools/packages.sh
. "$here/../../tools/packages.sh"
# shellcheck disable=SC2086
tandem_ensure_packages $TANDEM_BENCH_PACKAGES

for tool in aubioonset aubiotrack aubio sox fluidsynth; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "run.sh: $tool is missing; install aubio-tools, sox and fluidsynth" >&2
    exit 1
  }
done
"$python" -c 'import numpy' 2>/dev/null || {
  echo "run.sh: $python has no numpy; apt-get install python3-numpy" >&2
  exit 1
}

# The bench programs are not in the default build (a test's depends would put
# them there), so they are built here.
if [ "$build_first" = yes ]; then
  if ! ninja -C "$build" -j2 tests/bench_latency tests/bench_cost all \
      >"$build/bench-build.log" 2>&1; then
    echo "run.sh: the build failed; see $build/bench-build.log" >&2
    exit 1
  fi
fi

corpus=$build/bench-corpus
if [ ! -f "$corpus/index.json" ] || [ "$here/make_corpus.py" -nt "$corpus/index.json" ]; then
  rm -rf "$corpus"
  echo "run.sh: rendering the corpus into $corpus" >&2
  "$python" "$here/make_corpus.py" "$corpus" --jobs 2
fi

out=$build/bench-out
mkdir -p "$out"
for prog in bench_latency bench_cost; do
  [ -x "$build/tests/$prog" ] || {
    echo "run.sh: $build/tests/$prog is missing; run without --no-build" >&2
    exit 1
  }
done
"$build/tests/bench_latency" "$corpus" >"$out/latency.txt"
"$build/tests/bench_cost" "$corpus/long_mix_60s.wav" --passes 3 >"$out/cost.txt"

tandem=$build/tools/tandem-analyze
[ -x "$tandem" ] || echo "run.sh: $tandem not built; scoring aubio only" >&2
if [ "$record" = yes ]; then
  results=$here/results.md
else
  results=$build/bench-results.md
fi
"$python" "$here/score.py" "$corpus" --tandem "$tandem" --results "$results" \
  --details "$out/details.json" --extra "$out/latency.txt" "$out/cost.txt"
echo "run.sh: figures appended to $results; per-clip details in $out/details.json" >&2
# Genre and section detection (tests/bench/song.sh, its own corpus).
if [ "$record" = yes ]; then
  "$here/song.sh" "$build"
else
  "$here/song.sh" --no-record "$build"
fi
