#!/bin/sh
# A small set under valgrind memcheck (tools/test.sh runs it on the plain build):
#   tests/hosts/valgrind.sh BUILD_ROOT
# test_plugin (lilv integration, in-process: CK_FORK=no) and a short
# tandem-render of a 2-bar loop, each with --error-exitcode=1
# --leak-check=full and the committed suppressions (third-party leaks only;
# --keep-debuginfo names a library the plugin pulled in after it is unloaded).
set -u
build=${1:?usage: valgrind.sh BUILD_ROOT}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/tandem-valgrind-XXXXXX)
trap 'rm -rf "$dir"' EXIT
vg="valgrind -q --keep-debuginfo=yes --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
 --show-leak-kinds=definite,indirect --suppressions=$here/valgrind.supp --num-callers=30"
LV2_PATH=$build:/usr/lib/lv2
XDG_CACHE_HOME=$dir/cache
export LV2_PATH XDG_CACHE_HOME
status=0
"$build/tools/tandem-synth" --bpm 120 --bars 2 "$dir/in.wav" || exit 1
# shellcheck disable=SC2086
if ! $vg "$build/tools/tandem-render" -q --bpm 120 --block 256 "$dir/in.wav" \
    -o "$dir/out.mid" 2>"$dir/render.log"; then
  echo "FAIL: valgrind reports in tandem-render:"; grep -v manifest.ttl "$dir/render.log" | tail -60
  status=1
else
  echo "ok: tandem-render under memcheck: 0 errors"
fi
# shellcheck disable=SC2086
if ! CK_FORK=no CK_DEFAULT_TIMEOUT=600 $vg "$build/tests/test_plugin" >"$dir/plugin.out" \
    2>"$dir/plugin.log"; then
  echo "FAIL: valgrind reports (or failures) in test_plugin:"
  tail -5 "$dir/plugin.out"; grep -v manifest.ttl "$dir/plugin.log" | tail -60
  status=1
else
  echo "ok: test_plugin under memcheck: 0 errors ($(tail -1 "$dir/plugin.out"))"
fi
exit $status
