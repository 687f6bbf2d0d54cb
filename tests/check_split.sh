#!/bin/sh
# Fails when the realtime side reaches worker or model code:
#   check_split.sh SOURCE_ROOT libtandem_rt.a libtandem_worker.a tandem.c.o
# 1. No file in plugin/ includes a header of worker/ (by name, or by a path that
#    leaves plugin/), nor a model library's header (jansson, curl, serd, sord).
# 2. Every symbol libtandem_rt.a needs and does not define itself is a C library,
#    libm or kissfft symbol (or a sanitizer runtime's, in an instrumented build):
#    none is defined in libtandem_worker.a, none is another tandem_ symbol.
# 3. plugin/tandem.c's object, which links both libraries into the plugin, calls
#    the worker only through the opaque handle of plugin/worker_api.h
#    (tandem_worker_*).
set -u
usage='usage: check_split.sh SOURCE_ROOT libtandem_rt.a libtandem_worker.a tandem.c.o'
src=${1:?$usage}
rt=${2:?$usage}
worker=${3:?$usage}
entry=${4:?$usage}
fail=0
for f in "$rt" "$worker" "$entry"; do
  if [ ! -f "$f" ]; then
    echo "FAIL: $f does not exist; was the plugin built?" >&2
    exit 1
  fi
done

# ---- 1. includes ----
for f in "$src"/plugin/*.c "$src"/plugin/*.h; do
  # "name" includes; <...> only for the model's libraries.
  sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
    while IFS= read -r inc; do
      base=${inc##*/}
      case $inc in
      */*)
        echo "FAIL: ${f#"$src"/} includes \"$inc\": realtime code includes plugin/ headers by name only" >&2
        echo x
        ;;
      *)
        if [ -f "$src/worker/$base" ] && [ ! -f "$src/plugin/$base" ]; then
          echo "FAIL: ${f#"$src"/} includes the worker header \"$inc\"" >&2
          echo x
        fi
        ;;
      esac
    done
  sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/p' "$f" |
    while IFS= read -r inc; do
      case $inc in
      jansson.h | curl/* | serd/* | sord/*)
        echo "FAIL: ${f#"$src"/} includes <$inc>, a worker/model library" >&2
        echo x
        ;;
      esac
    done
done >"${TMPDIR:-/tmp}/check_split.$$"
if [ -s "${TMPDIR:-/tmp}/check_split.$$" ]; then
  fail=1
fi
rm -f "${TMPDIR:-/tmp}/check_split.$$"

# ---- 2. the realtime library's symbols ----
defined() { nm --defined-only "$1" 2>/dev/null | awk 'NF >= 3 { print $3 }' | sort -u; }
undefined() { nm -u "$1" 2>/dev/null | awk 'NF >= 2 { print $2 }' | sort -u; }
dyn_defined() { nm -D --defined-only "$1" 2>/dev/null | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }'; }

rt_def=$(defined "$rt")
worker_def=$(defined "$worker")
if [ -z "$rt_def" ] || [ -z "$worker_def" ]; then
  echo "FAIL: nm found no symbols in $rt or $worker" >&2
  exit 1
fi
libs=""
for lib in libc.so.6 libm.so.6; do
  path=$(${CC:-cc} -print-file-name="$lib")
  if [ ! -f "$path" ]; then
    echo "FAIL: cannot find $lib ($path) to resolve symbols against" >&2
    exit 1
  fi
  libs="$libs $path"
done
# shellcheck disable=SC2086 # the list splits on purpose
system_def=$(for l in $libs; do dyn_defined "$l"; done | sort -u)

needs=$(undefined "$rt" | grep -v -x -F "$rt_def")
for sym in $needs; do
  if printf '%s\n' "$worker_def" | grep -q -x -F "$sym"; then
    echo "FAIL: the realtime library uses $sym, defined in the worker library" >&2
    fail=1
    continue
  fi
  case $sym in
  tandem_* | Tandem*)
    echo "FAIL: the realtime library uses $sym, which it does not define" >&2
    fail=1
    continue
    ;;
  # The sanitizer runtimes of an instrumented build (tools/test.sh's ASan/UBSan run).
  kiss_* | _GLOBAL_OFFSET_TABLE_ | __asan_* | __ubsan_* | __sanitizer_* | __tsan_*) continue ;;
  esac
  if ! printf '%s\n' "$system_def" | grep -q -x -F "$sym"; then
    echo "FAIL: the realtime library uses $sym, which is not in libc, libm or kissfft" >&2
    fail=1
  fi
done

# ---- 3. the entry points reach the worker only through its handle ----
for sym in $(undefined "$entry"); do
  if printf '%s\n' "$worker_def" | grep -q -x -F "$sym"; then
    case $sym in
    tandem_worker_*) ;;
    *)
      echo "FAIL: plugin/tandem.c uses the worker's $sym, not the handle of worker_api.h" >&2
      fail=1
      ;;
    esac
  fi
done

if [ "$fail" -ne 0 ]; then
  exit 1
fi
echo "ok: plugin/ includes no worker header; $(printf '%s\n' "$needs" | grep -c .) symbols the realtime library needs are all libc, libm or kissfft; tandem.c reaches the worker through tandem_worker_* only"
