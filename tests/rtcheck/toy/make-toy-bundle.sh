#!/bin/sh
# Makes a toy LV2 bundle folder for the realtime checker tests:
#   make-toy-bundle.sh DIR STAMP URI NAME BINARY MANIFEST_IN TTL_IN
# BINARY is linked into DIR; the two .ttl templates get URI, NAME and the
# binary's file name filled in.
set -eu
dir=$1
stamp=$2
uri=$3
name=$4
binary=$5
manifest_in=$6
ttl_in=$7
case $binary in
  /*) src=$binary ;;
  *) src=$(pwd)/$binary ;;
esac
mkdir -p "$dir"
ln -sf "$src" "$dir/$(basename "$binary")"
sed -e "s|@TOY_URI@|$uri|g" -e "s|@TOY_BINARY@|$(basename "$binary")|g" \
  "$manifest_in" > "$dir/manifest.ttl"
sed -e "s|@TOY_URI@|$uri|g" -e "s|@TOY_NAME@|$name|g" "$ttl_in" > "$dir/toy.ttl"
touch "$stamp"
