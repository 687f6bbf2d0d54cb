#!/bin/sh
# meson install puts a complete bundle into -Dlv2dir (here under a temporary DESTDIR).
# Usage: check_install.sh BUILD_DIR
set -eu
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --no-rebuild --destdir "$dest" >/dev/null
lv2dir=$(meson introspect "$build" --buildoptions |
  python3 -c 'import json,sys; o={x["name"]:x["value"] for x in json.load(sys.stdin)}; print(o["lv2dir"] or o["prefix"]+"/"+o["libdir"]+"/lv2")')
bundle="$dest$lv2dir/tandem.lv2"
for f in manifest.ttl tandem.ttl tandem.so; do
  if [ ! -f "$bundle/$f" ]; then
    echo "check_install: $bundle/$f is missing after meson install" >&2
    exit 1
  fi
done
if [ -L "$bundle/tandem.so" ]; then
  echo "check_install: installed tandem.so is a symlink, not a file" >&2
  exit 1
fi
LV2_PATH="$dest$lv2dir" lv2info urn:tandem:plugin >/dev/null 2>&1 || {
  echo "check_install: lv2info cannot load the installed bundle" >&2
  exit 1
}
echo "check_install: bundle installed and loadable at $lv2dir/tandem.lv2"
