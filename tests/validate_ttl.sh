#!/bin/sh
# Validates Tandem's Turtle against the LV2 schemas and checks that lilv finds
# the built plugin.
#   validate_ttl.sh BUILD_ROOT SOURCE_ROOT
# Checks every .ttl in BUILD_ROOT/tandem.lv2, plus SOURCE_ROOT/ttl/styles/*.ttl
# and SOURCE_ROOT/presets/*.ttl when they exist: each must parse (sordi), and
# all of them together with /usr/lib/lv2/*.lv2/*.ttl must pass sord_validate
# without one error.  Then lv2ls must list urn:tandem:plugin and lv2info must
# describe it, both with LV2_PATH=BUILD_ROOT.
set -u

build=${1:?usage: validate_ttl.sh BUILD_ROOT SOURCE_ROOT}
source=${2:?usage: validate_ttl.sh BUILD_ROOT SOURCE_ROOT}
uri=urn:tandem:plugin
schemas=/usr/lib/lv2
failed=0

fail() {
  echo "FAIL: $*" >&2
  failed=1
}

for tool in sord_validate sordi lv2ls lv2info; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool is not installed (Debian: sordi, lilv-utils)" >&2
    exit 1
  fi
done

# Our files: the built bundle first, then styles and presets if present.  An
# unmatched glob stays literal, so each name is checked with -f.
ours=""
for f in "$build"/tandem.lv2/*.ttl "$source"/ttl/styles/*.ttl "$source"/presets/*.ttl; do
  if [ -f "$f" ]; then
    ours="$ours $f"
  fi
done
if [ -z "$ours" ]; then
  fail "no .ttl files in $build/tandem.lv2; was the bundle built?"
  exit 1
fi

# sord_validate reports a syntax error on stderr but still exits 0, so each
# file is parsed on its own first.
count=0
for f in $ours; do
  count=$((count + 1))
  if ! errors=$(sordi "$f" 2>&1 >/dev/null); then
    fail "$f does not parse: $errors"
  fi
done

# shellcheck disable=SC2086 # word splitting of the file lists is intended
report=$(sord_validate "$schemas"/*.lv2/*.ttl $ours 2>&1)
status=$?
printf '%s\n' "$report"
if [ "$status" -ne 0 ]; then
  fail "sord_validate exited with $status"
fi
if printf '%s\n' "$report" | grep -q '^error'; then
  fail "sord_validate reported errors (above)"
fi
if ! printf '%s\n' "$report" | grep -q '^Found 0 errors'; then
  fail "sord_validate did not report 'Found 0 errors'"
fi
echo "checked $count Tandem file(s):$ours"

# lilv prints an error for every non-bundle entry of a build folder on
# LV2_PATH; that noise goes to stderr and is dropped here.
LV2_PATH="$build:$schemas"
export LV2_PATH
if ! lv2ls 2>/dev/null | grep -qx "$uri"; then
  fail "lv2ls does not list $uri with LV2_PATH=$LV2_PATH"
fi
info=$(lv2info "$uri" 2>/dev/null)
status=$?
if [ "$status" -ne 0 ]; then
  fail "lv2info $uri exited with $status"
fi
if [ "$(printf '%s\n' "$info" | head -n 1)" != "$uri" ]; then
  fail "lv2info does not start with $uri"
fi
if ! printf '%s\n' "$info" | grep -Eq '^[[:space:]]*Name:[[:space:]]+Tandem$'; then
  fail "lv2info does not name the plugin Tandem"
fi
if ! printf '%s\n' "$info" | grep -q "tandem.lv2/tandem.so"; then
  fail "lv2info does not point at the built tandem.so"
fi

if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "ok: TTL valid, lv2ls lists $uri, lv2info describes it"
