#!/bin/sh
# The plugin window in a real host: jalv.gtk3 (which embeds X11 UIs through suil)
# under Xvfb, on JACK's dummy driver, with the loopback model server.
#   jalv_ui.sh BUILD_ROOT SOURCE_ROOT
# Passes when:
#   - jalv shows Tandem's own window (found by its name inside jalv's);
#   - with the transport rolling (jack_transport), a screenshot is not blank, the
#     piano roll holds coloured notes and a playhead (a white column);
#   - clicking the style Funk and the role Bass, then clicking the request box,
#     typing a request with xdotool and pressing Enter makes the model server
#     receive exactly one request (not one per key), carrying that text, role bass
#     and style funk (so both clicks reached their control ports);
#   - the window's model status chip then turns green (llm_status ok, read by the
#     window from the plugin's output port);
#   - typing a new file's name in the file field and clicking Export MIDI writes
#     that file (a Standard MIDI File);
#   - jalv reports no overflow of its plugin-to-UI buffer and is still running.
# Fails (never skips) when a tool is missing: Debian xvfb, jalv, jackd2, xdotool,
# imagemagick.
set -u
build=${1:?usage: jalv_ui.sh BUILD_ROOT SOURCE_ROOT}
src=${2:?usage: jalv_ui.sh BUILD_ROOT SOURCE_ROOT}
python=${TANDEM_PYTHON:-python3}
for tool in Xvfb jalv.gtk3 jackd jack_wait jack_transport xdotool import convert "$python"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool is not installed (Debian: xvfb, jalv, jackd2, xdotool, imagemagick)"
    exit 1
  fi
done

# shellcheck source=tests/hosts/jack_dummy.sh
. "$src/tests/hosts/jack_dummy.sh"

dir=$(mktemp -d /tmp/tandem-ui-XXXXXX)
# At exit: the jobs in $pids (the last started first), then jackd, then $dir.
jack_dummy_trap "$dir"
fail() {
  echo "FAIL: $*"
  echo "--- jalv log (last lines)"; grep -v 'lilv_world\|failed to open file' "$dir/jalv.log" | tail -15
  exit 1
}

# Model server: prints "PORT n" when it listens.
mkfifo "$dir/server.out"
"$python" "$src/tools/llm-test-server.py" >"$dir/server.out" 2>"$dir/server.err" &
pids="$! $pids"
read -r word port <"$dir/server.out" || true
[ "${word:-}" = PORT ] || fail "the model server did not start"
stats() { "$python" -c 'import json,sys,urllib.request
print(json.load(urllib.request.urlopen("http://127.0.0.1:%s/stats" % sys.argv[1]))["requests"])' "$port"; }

# A display of our own: Xvfb picks a free number and writes it to fd 3.
exec 3>"$dir/display"
Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp >"$dir/xvfb.log" 2>&1 &
pids="$! $pids"
for _ in $(seq 100); do [ -s "$dir/display" ] && break; sleep 0.1; done
[ -s "$dir/display" ] || fail "Xvfb did not start"
DISPLAY=:$(head -n1 "$dir/display")
export DISPLAY

jack_dummy_start "tandem-ui-$$" 256 "$dir/jackd.log" || fail "jackd did not start"

# jalv quits when its stdin closes: hold a FIFO open for it.  A fresh cache and
# home, so that the request reaches the server and nothing of the user's is read.
mkfifo "$dir/stdin"
sleep 300 >"$dir/stdin" &
pids="$! $pids"
mkdir -p "$dir/home" "$dir/cache"
HOME="$dir/home" XDG_CACHE_HOME="$dir/cache" TANDEM_LLM_URL="http://127.0.0.1:$port/ok" \
  LV2_PATH="$build:/usr/lib/lv2" jalv.gtk3 -x -n tandem-ui urn:tandem:plugin \
  <"$dir/stdin" >"$dir/jalv.log" 2>&1 &
jalv_pid=$!
pids="$jalv_pid $pids"

win=""
for _ in $(seq 200); do
  win=$(xdotool search --name '^Tandem plugin window$' 2>/dev/null | head -n1)
  [ -n "$win" ] && break
  sleep 0.1
done
[ -n "$win" ] || fail "jalv did not show Tandem's window"
eval "$(xdotool getwindowgeometry --shell "$win")"
wx=$X
wy=$Y

# jack_transport reads commands from a FIFO held open until the end.
mkfifo "$dir/transport"
sleep 300 >"$dir/transport" &
pids="$! $pids"
jack_transport <"$dir/transport" >"$dir/transport.log" 2>&1 &
pids="$! $pids"
printf 'master\ntempo 120\nlocate 0\nplay\n' >"$dir/transport"

# shot NAME: the window as a binary PPM (P6) for the checks below.
shot() {
  import -window root -crop "${WIDTH}x${HEIGHT}+${wx}+${wy}" "$dir/$1.png" 2>/dev/null &&
    convert "$dir/$1.png" "$dir/$1.ppm"
}
# check NAME WHAT: runs a pixel check (tests/ui/pixels.py) on a screenshot.
check() { "$python" "$src/tests/ui/pixels.py" "$dir/$1.ppm" "$2"; }

# Notes and a playhead appear once the part plays (the roll is fed at 30 Hz).
ok=0
for _ in $(seq 20); do
  sleep 0.5
  shot roll || continue
  if check roll roll >"$dir/roll.txt" 2>&1; then ok=1; break; fi
done
cat "$dir/roll.txt"
[ $ok = 1 ] || fail "the piano roll shows no notes or no playhead"

# click X Y: a left click at logical (X, Y) in the window (scale 1 under Xvfb).
click() { xdotool mousemove $((wx + $1)) $((wy + $2)) click 1; sleep 0.3; }
click 288 493  # style Funk
click 204 461  # role Bass
[ "$(stats)" = 0 ] || fail "a request reached the server before any was sent"
click 332 51   # the request box
request="make the bassline groovier"
xdotool type --delay 20 "$request"
sleep 1
[ "$(stats)" = 0 ] || fail "typing sent a request before Enter"
xdotool key Return

got=0
for _ in $(seq 150); do
  got=$(stats)
  [ "$got" -ge 1 ] && break
  sleep 0.1
done
[ "$got" -ge 1 ] || fail "the model server got no request after Enter"
sleep 2
got=$(stats)
[ "$got" = 1 ] || fail "the model server got $got requests for one Enter"
"$python" - "$port" "$request" <<'PY' || fail "the request does not carry what was typed and clicked"
import json, sys, urllib.request
last = json.load(urllib.request.urlopen("http://127.0.0.1:%s/last" % sys.argv[1]))
body = json.loads(last["body"])
user = [m["content"] for m in body["messages"] if m.get("role") == "user"][-1]
ctx = json.loads(user)
role, style, text = ctx.get("role"), (ctx.get("style") or {}).get("name"), ctx.get("request")
print("request: %r, role %s, style %s" % (text, role, style))
sys.exit(0 if text == sys.argv[2] and role == "bass" and style == "funk" else 1)
PY

ok=0
for _ in $(seq 30); do
  sleep 0.5
  shot status || continue
  if check status status-ok >"$dir/status.txt" 2>&1; then ok=1; break; fi
done
cat "$dir/status.txt"
[ $ok = 1 ] || fail "the window's model status did not turn ok"

click 248 119  # the file field
xdotool type --delay 10 "$dir/take"
click 492 119  # Export MIDI
for _ in $(seq 100); do
  [ -s "$dir/take.mid" ] && break
  sleep 0.1
done
[ "$(head -c 4 "$dir/take.mid" 2>/dev/null)" = MThd ] ||
  fail "Export MIDI with a new file name wrote no MIDI file at $dir/take.mid"
echo "export: $(ls "$dir" | grep -c '^take.*\.mid$') MIDI files from one click"

kill -0 "$jalv_pid" 2>/dev/null || fail "jalv exited during the test"
if grep -q 'buffer overflow' "$dir/jalv.log"; then
  fail "jalv's plugin-to-UI buffer overflowed"
fi
echo "ok: window shown, roll plays, one request with the typed text, bass and funk, status ok, export to a new file"
exit 0
