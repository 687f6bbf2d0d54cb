#!/bin/sh
# Builds Tandem's libFuzzer harnesses with clang (the main build uses gcc):
#   tests/fuzz/build.sh SOURCE_ROOT OUT_DIR [JOBS]
# makes OUT_DIR/fuzz_style, OUT_DIR/fuzz_state and OUT_DIR/fuzz_atom, each with
# the plugin's own sources (plugin/*.c, worker/*.c) compiled in and instrumented
# with -fsanitize=fuzzer,address,undefined.  Meson runs it for the fuzz-smoke
# suite; run it by hand for long runs, e.g.
#   tests/fuzz/build.sh . /tmp/fuzz && mkdir -p /tmp/new_atom &&
#   /tmp/fuzz/fuzz_atom -max_total_time=3600 -jobs=2 /tmp/new_atom tests/fuzz/corpus_atom
# (new inputs go to the first folder; copy only small, interesting ones into the
# committed corpus).  A crash leaves crash-<sha1> in the working folder: rerun
# it with `/tmp/fuzz/fuzz_atom crash-<sha1>`.
set -eu
src=$(cd "${1:?usage: build.sh SOURCE_ROOT OUT_DIR [JOBS]}" && pwd)
out=${2:?usage: build.sh SOURCE_ROOT OUT_DIR [JOBS]}
jobs=${3:-2}
cc=${CC_FUZZ:-clang}
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

pkgs="serd-0 sord-0 kissfft-float libcurl jansson lv2 cairo"
cflags="-g -O1 -std=c17 -D_GNU_SOURCE -fno-math-errno -fno-omit-frame-pointer
 -fsanitize=address,undefined -fno-sanitize-recover=undefined
 -I$src/plugin -I$src/worker -I$src/tests/fuzz $(pkg-config --cflags $pkgs)
 -DTANDEM_FUZZ_BUNDLE=\"$src/ttl/\""
libs="$(pkg-config --libs $pkgs) -lm -lpthread"

# The plugin's sources, instrumented for coverage, compiled JOBS at a time.
objs=""
for f in "$src"/plugin/*.c "$src"/worker/*.c "$src"/tests/fuzz/fuzz_plugin.c; do
  objs="$objs $out/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o"
done
printf '%s\n' "$src"/plugin/*.c "$src"/worker/*.c "$src"/tests/fuzz/fuzz_plugin.c |
  SRC_DIR="$src" xargs -P "$jobs" -I{} sh -c '
    f={}; o="$1/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o"
    shift
    # Rebuilt when its source or any header it may include changed.
    if [ ! -f "$o" ] || [ "$f" -nt "$o" ] ||
        [ -n "$(find "$SRC_DIR/plugin" "$SRC_DIR/worker" "$SRC_DIR/tests/fuzz" \
                -name "*.h" -newer "$o")" ]; then
      exec '"$cc"' -c -fsanitize=fuzzer-no-link "$@" "$f" -o "$o"
    fi' sh "$out" $cflags

for h in fuzz_style fuzz_state fuzz_atom; do
  # shellcheck disable=SC2086 # flag lists split on purpose
  $cc $cflags -fsanitize=fuzzer "$src/tests/fuzz/$h.c" $objs $libs -o "$out/$h"
done
