#!/bin/sh
# Genre and section benchmarks: renders the held-out genre/arrangement corpus
# (genre_corpus.py, once, into BUILD_DIR/genre-corpus), scores genre detection
# on it and on the analysis corpus (BUILD_DIR/bench-corpus, when run.sh has
# rendered it), section detection on the arrangements, and the live section
# view (live_sections.py: its own arrangements of several shapes).
#
# usage: tests/bench/song.sh [--no-record] [BUILD_DIR]
#   --no-record  append to BUILD_DIR/bench-results.md, not tests/bench/results.md
set -eu

here=$(cd "$(dirname "$0")" && pwd)
record=yes
build=
for arg in "$@"; do
  case "$arg" in
    --no-record) record=no ;;
    -*) echo "usage: $0 [--no-record] [BUILD_DIR]" >&2; exit 1 ;;
    *) build=$arg ;;
  esac
done
build=$(cd "${build:-build}" && pwd)
python=/usr/bin/python3
tandem=$build/tools/tandem-analyze
[ -x "$tandem" ] || { echo "song.sh: $tandem is not built" >&2; exit 1; }
if [ "$record" = yes ]; then
  results=$here/results.md
else
  results=$build/bench-results.md
fi

corpus=$build/genre-corpus
if [ ! -f "$corpus/index.json" ] || [ "$here/genre_corpus.py" -nt "$corpus/index.json" ] ||
    [ "$here/make_corpus.py" -nt "$corpus/index.json" ]; then
  rm -rf "$corpus"
  echo "song.sh: rendering the genre corpus into $corpus" >&2
  "$python" "$here/genre_corpus.py" "$corpus" --jobs 2
fi
echo "song.sh: genre, held-out kits and tempi ($corpus)" >&2
"$python" "$here/genre_bench.py" "$corpus" --tandem "$tandem" --results "$results"
if [ -f "$build/bench-corpus/index.json" ]; then
  echo "song.sh: genre, analysis corpus ($build/bench-corpus)" >&2
  "$python" "$here/genre_bench.py" "$build/bench-corpus" --tandem "$tandem" \
    --results "$results"
fi
"$python" "$here/sections_bench.py" "$corpus" --tandem "$tandem" --results "$results"
# Live: what the plugin's tracker knows as the song plays, and where it fills.
live=$build/live-corpus
if [ "$here/live_sections.py" -nt "$live" ] || [ "$here/make_corpus.py" -nt "$live" ]; then
  rm -rf "$live"
fi
"$python" "$here/live_sections.py" "$live" --tandem "$tandem" --results "$results"
echo "song.sh: figures appended to $results" >&2
