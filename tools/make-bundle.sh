#!/bin/sh
# Makes a loadable LV2 bundle folder out of built files: make-bundle.sh DIR STAMP FILE...
# Each FILE is linked into DIR under its own name; files from a folder named styles/ go
# into DIR/styles/, where the plugin looks for its shipped style profiles.
set -eu
dir=$1
stamp=$2
shift 2
mkdir -p "$dir"
for f in "$@"; do
  case $f in
    /*) src=$f ;;
    *) src=$(pwd)/$f ;;
  esac
  case $f in
    */styles/*) mkdir -p "$dir/styles"; ln -sf "$src" "$dir/styles/$(basename "$f")" ;;
    *) ln -sf "$src" "$dir/$(basename "$f")" ;;
  esac
done
touch "$stamp"
