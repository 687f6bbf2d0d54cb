#!/bin/sh
# Runs tests/ui/suil_reopen.c (the window closed and reopened while the plugin
# plays, through suil) on an Xvfb display of its own.
#   suil_reopen.sh SUIL_REOPEN_BINARY
# Fails (never skips) when Xvfb is missing (Debian: xvfb).
set -u
bin=${1:?usage: suil_reopen.sh SUIL_REOPEN_BINARY}
if ! command -v Xvfb >/dev/null 2>&1; then
  echo "FAIL: Xvfb is not installed (Debian: xvfb)"
  exit 1
fi
dir=$(mktemp -d /tmp/tandem-reopen-XXXXXX)
xvfb_pid=""
trap '[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null; rm -rf "$dir"' EXIT
# Xvfb picks a free display number and writes it to fd 3.
exec 3>"$dir/display"
Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp >"$dir/xvfb.log" 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 100); do [ -s "$dir/display" ] && break; sleep 0.1; done
if ! [ -s "$dir/display" ]; then
  echo "FAIL: Xvfb did not start"; cat "$dir/xvfb.log"; exit 1
fi
DISPLAY=:$(head -n1 "$dir/display") HOME="$dir" XDG_CACHE_HOME="$dir" "$bin"
