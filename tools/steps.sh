# shellcheck shell=bash
# Output helpers for tools/demo.sh and tools/listen.sh, sourced after setting
# STEPS_NAME (the prefix of every line) and STEPS_TAIL (lines of a failed step's
# log to print).
#   say TEXT...            prints "NAME: TEXT"
#   fail TEXT...           says it on stderr and exits 1
#   step LOG WHAT CMD...   runs CMD with its output in LOG; if it fails, prints the
#                          last STEPS_TAIL lines of LOG and what failed, and stops
# It also sets an ERR trap so that whatever else stops the script says where.
say() { printf '%s: %s\n' "$STEPS_NAME" "$*"; }
fail() { say "$*" >&2; exit 1; }
trap 'say "stopped: \"$BASH_COMMAND\" failed (line $LINENO)" >&2' ERR
step() {
  local log=$1 what=$2 rc=0
  shift 2
  "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n "$STEPS_TAIL" "$log" >&2
    fail "$what failed (exit $rc); the whole output is in $log"
  fi
}
