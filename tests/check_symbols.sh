#!/bin/sh
# Fails unless the plugin binary exports exactly one dynamic symbol,
# lv2_descriptor: anything else could clash with the host or another plugin.
#   check_symbols.sh PATH/TO/tandem.so
set -u

so=${1:?usage: check_symbols.sh PATH/TO/tandem.so}
if [ ! -f "$so" ]; then
  echo "FAIL: $so does not exist; was the bundle built?" >&2
  exit 1
fi

# nm -D --defined-only lists "ADDRESS TYPE NAME"; only names are compared.
if ! symbols=$(nm -D --defined-only "$so" | awk 'NF >= 3 { print $3 }'); then
  echo "FAIL: nm could not read $so" >&2
  exit 1
fi
extra=$(printf '%s\n' "$symbols" | grep -v -x -e 'lv2_descriptor' -e '')
if [ -n "$extra" ]; then
  echo "FAIL: $so exports symbols besides lv2_descriptor:" >&2
  printf '%s\n' "$extra" | sed 's/^/  /' >&2
  exit 1
fi
if ! printf '%s\n' "$symbols" | grep -qx 'lv2_descriptor'; then
  echo "FAIL: $so does not export lv2_descriptor" >&2
  exit 1
fi
echo "ok: $so exports only lv2_descriptor"
