#!/bin/sh
# tandem-render --prompt against the loopback model server (tools/llm-test-server.py):
#   test_llm_render.sh replies  TANDEM_RENDER TANDEM_SYNTH SERVER_SCRIPT
#     an "ok" reply is waited for and plays from bar 0 (the served drum pattern:
#     kick/snare on the beats at velocity 100, hi-hat 42 on the off-beats at 70);
#     a 500 and a stalled reply (timeout) are waited for, fall back, and the
#     render still completes with the built-in pattern; --freewheel does not
#     wait; the fake API key never shows in the report, the .mid or stderr.
#   test_llm_render.sh rtcheck  TANDEM_RENDER TANDEM_SYNTH SERVER_SCRIPT LIBRTCHECK
#     an "ok" render (the reply 5 s late) under the LD_PRELOAD checker: zero forbidden
#     calls while the request is in flight and when the reply is applied.
# LV2_PATH must point at the build folder.  python3 is Debian's, named exactly.
set -eu
mode=$1 render=$2 synth=$3 server=$4
lib=${5:-}
python=/usr/bin/python3
key=fake-llm2-key-7f3a9c
dir=$(mktemp -d /tmp/tandem-llm-render-XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "test_llm_render: FAIL: $*"
  exit 1
}

"$synth" --bpm 120 --bars 4 "$dir/in.wav"

: >"$dir/port" # exists before the server starts, so the first look cannot fail
"$python" "$server" >"$dir/port" &
server_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$dir/port")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "the loopback server did not report its port"

# render NAME BEHAVIOUR [extra options]: writes NAME.mid, NAME.json, NAME.err.
render() {
  name=$1 behaviour=$2
  shift 2
  status=0
  env TANDEM_API_KEY=$key ${preload:+LD_PRELOAD=$preload} "$render" --bpm 120 \
    --role drums --seed 3 --block 256 --prompt "a tight drum groove" \
    --llm-url "http://127.0.0.1:$port/$behaviour/v1" --llm-provider openai \
    --llm-model loopback-model --llm-timeout "$llm_timeout" --llm-temperature 0.3 \
    --llm-max-tokens 2048 --report "$dir/$name.json" "$@" "$dir/in.wav" \
    -o "$dir/$name.mid" 2>"$dir/$name.err" || status=$?
  if [ $status -ne 0 ]; then
    cat "$dir/$name.err"
    fail "$name: tandem-render exited with $status"
  fi
  for f in "$dir/$name.json" "$dir/$name.mid" "$dir/$name.err"; do
    if grep -q "$key" "$f"; then fail "$name: the API key appears in $f"; fi
  done
}

# check NAME EXPECTATIONS...: reads NAME.json and NAME.mid and asserts.
#   waited=true|false  status=LABEL  model_pattern=yes|no  seen=LABEL
#   min_wait_s=S (llm_status said "waiting" for at least S seconds of pre-roll)
check() {
  PYTHONPATH="$(dirname "$0")/bench" "$python" - "$dir/$1.json" "$dir/$1.mid" "$@" <<'EOF'
import json
import sys

import smf_read  # tests/bench/smf_read.py

report_path, mid_path, name = sys.argv[1:4]
want = dict(a.split("=", 1) for a in sys.argv[4:])


def note_ons(path):
    """(beat, pitch, velocity) of every note-on, in time order."""
    ppq, events = smf_read.read(path)
    return sorted((tick / ppq, v[1], v[2]) for tick, kind, v in events if kind == smf_read.ON)


def problem(text):
    print("test_llm_render: FAIL: %s: %s" % (name, text))
    print(json.dumps(report.get("llm"), indent=1))
    sys.exit(1)


report = json.load(open(report_path))
notes = note_ons(mid_path)
llm = report.get("llm") or {}
labels = [c["label"] for c in llm.get("status_changes", [])]
if report.get("ok") is not True:
    problem("report says ok: %r" % report.get("ok"))
if not notes:
    problem("no notes in the file")
if "waited" in want:
    got = report.get("prompt_waited_for_reply")
    if got is not (want["waited"] == "true"):
        problem("prompt_waited_for_reply is %r" % got)
    if llm.get("waited_for_reply") is not got:
        problem("llm.waited_for_reply disagrees with prompt_waited_for_reply")
if "status" in want and llm.get("status") != want["status"]:
    problem("llm status %r, not %r (over time: %r)" % (llm.get("status"), want["status"], labels))
if "min_wait_s" in want:
    changes = llm.get("status_changes", [])
    starts = [c["time_s"] for c in changes if c["label"] == "waiting"]
    ends = [c["time_s"] for c in changes if starts and c["time_s"] > starts[0]]
    if not starts or not ends or ends[0] - starts[0] < float(want["min_wait_s"]):
        problem("llm_status was not 'waiting' for %s s: %r" % (want["min_wait_s"], changes))
if "seen" in want and want["seen"] not in labels:
    problem("llm_status never said %r (over time: %r)" % (want["seen"], labels))
if "status" in want and want["status"] == "ok":
    lines = [l["text"] for l in llm.get("status_lines", [])]
    if not any("openai" in l and "loopback-model" in l and " ms)" in l for l in lines):
        problem("no status line with provider, model and latency: %r" % lines)
    sent = report["options"]["properties_sent"]
    for option in ("llm-timeout", "llm-temperature", "llm-max-tokens"):
        if not sent.get(option):
            problem("--%s was not sent as a property: %r" % (option, sent))
# The served pattern, bar 0 (the first bar of the file): kick 36 / snare 38 on the
# beats at velocity 100, closed hat 42 on every off-beat at 70.
served = [(36, 100), (42, 70), (38, 100), (42, 70), (36, 100), (42, 70), (38, 100), (42, 70)]
bar0 = [(p, v) for beat, p, v in notes if beat < 4.0]
if "model_pattern" in want:
    if (bar0 == served) != (want["model_pattern"] == "yes"):
        problem("bar 0 plays %r; the served pattern is %r (want it: %s)"
                % (bar0, served, want["model_pattern"]))
print("test_llm_render: %s: ok (%d notes, llm_status %s, waited %s)"
      % (name, len(notes), " > ".join(labels), report.get("prompt_waited_for_reply")))
EOF
}

server_saw_key() {
  "$python" - "$port" "$key" <<'EOF' || fail "the server never received the API key"
import json
import sys
import urllib.request

last = json.load(urllib.request.urlopen("http://127.0.0.1:%s/last" % sys.argv[1]))
body = json.loads(last.get("body") or "{}")
assert sys.argv[2] in json.dumps(last.get("headers")), "no key in the request"
assert abs(body.get("temperature", -1) - 0.3) < 1e-3, body.get("temperature")
assert body.get("max_tokens") == 2048, body.get("max_tokens")
EOF
}

preload=
llm_timeout=2
case $mode in
replies)
  render ok ok
  check ok waited=true status=ok seen=waiting model_pattern=yes
  server_saw_key
  render e500 e500
  check e500 waited=true status=fallback seen=waiting model_pattern=no
  render stall stall
  check stall waited=true status=fallback seen=waiting model_pattern=no
  render freewheel ok --freewheel
  check freewheel waited=false
  grep -q "not waiting for the model" "$dir/freewheel.err" ||
    fail "freewheel: no warning that the render did not wait"
  ;;
rtcheck)
  [ -n "$lib" ] || fail "rtcheck mode needs the checker library"
  preload=$lib
  # A reply that takes 5 s keeps the request in flight for many blocks.  The
  # pre-roll's clock counts its blocks, paced by sleeps, and a busy machine runs
  # fewer of them than the wall clock allows (0.37 s of blocks in a 1.5 s wait
  # was measured under load), so the wait is long and the bar is 0.5 s of blocks.
  llm_timeout=10
  render ok slow5000
  check ok waited=true status=ok seen=waiting model_pattern=yes min_wait_s=0.5
  grep -q "^rtcheck: 0 forbidden calls" "$dir/ok.err" || {
    cat "$dir/ok.err"
    fail "forbidden calls in realtime context, or the checker did not run"
  }
  echo "test_llm_render: rtcheck: 0 forbidden calls with a request in flight and applied"
  ;;
*)
  fail "unknown mode '$mode'"
  ;;
esac
