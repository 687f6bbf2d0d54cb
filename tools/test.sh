#!/usr/bin/env bash
# Tandem's test command: installs what it needs on Debian 12, builds, and runs every test suite
# except the benchmarks, first in a plain build and then in an ASan/UBSan build.
#   tools/test.sh            everything
#   TANDEM_TEST_QUICK=1 tools/test.sh   the plain build only
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/packages.sh
# shellcheck disable=SC2086
tandem_ensure_packages $TANDEM_BUILD_PACKAGES $TANDEM_TEST_PACKAGES $TANDEM_HOST_PACKAGES

jobs=$(nproc 2>/dev/null || echo 2)
summaries=()

run_suite() { # run_suite BUILD_DIR LABEL MESON_SETUP_ARGS...
  local dir=$1 label=$2
  shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >/dev/null
  else
    meson configure "$dir" "$@" >/dev/null
  fi
  echo "== $label: building"
  ninja -C "$dir" -j "$jobs" | tail -n 1
  echo "== $label: testing"
  local rc=0
  meson test -C "$dir" --no-suite bench --print-errorlogs --num-processes "$jobs" || rc=$?
  summaries+=("$label: $(python3 tools/testlog-summary.py "$dir/meson-logs/testlog.json")")
  return $rc
}

# A UBSan report must fail the test that caused it, not just print.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

status=0
run_suite build "plain build" -Dtests=true -Dbuildtype=debugoptimized -Db_sanitize=none || status=1
# A smaller set under valgrind memcheck, on the plain build (tests/hosts/valgrind.sh).
echo "== valgrind memcheck: test_plugin, tandem-render"
if tests/hosts/valgrind.sh "$PWD/build"; then
  summaries+=("valgrind memcheck: 0 errors")
else
  summaries+=("valgrind memcheck: errors (see above)")
  status=1
fi
if [ "${TANDEM_TEST_QUICK:-0}" != 1 ]; then
  run_suite build-asan "ASan+UBSan build" -Dtests=true -Dbuildtype=debug \
    -Db_sanitize=address,undefined -Db_lundef=false || status=1
fi

echo
for s in "${summaries[@]}"; do echo "$s"; done
python3 tools/testlog-summary.py --total build/meson-logs/testlog.json \
  $( [ "${TANDEM_TEST_QUICK:-0}" != 1 ] && echo build-asan/meson-logs/testlog.json )
exit $status
