#!/bin/sh
# Runs a host under the realtime checker that must be caught, and checks that
# it was caught for the right reason:
#   expect-violation.sh FUNCTION COMMAND...
# Passes only if COMMAND exits with the checker's failure status (1 from
# rt_host or 3 from the checker) and its output reports a forbidden call to
# FUNCTION and a non-zero total.  A crash or a clean run fails.
set -u
what=$1
shift
out=$("$@" 2>&1)
status=$?
printf '%s\n' "$out"
case $status in
  1|3) ;;
  *)
    echo "expect-violation: exit status $status; expected 1 or 3 (a caught violation)" >&2
    exit 1
    ;;
esac
if ! printf '%s\n' "$out" | grep -q "^rtcheck: forbidden call to $what in realtime context"; then
  echo "expect-violation: the checker did not report a call to $what" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -q "^rtcheck: [1-9][0-9]* forbidden calls in realtime context"; then
  echo "expect-violation: the checker's summary reports no violations" >&2
  exit 1
fi
echo "expect-violation: caught $what as expected (exit status $status)"
