#!/bin/sh
# Makes a loadable LV2 bundle folder out of built files: make-bundle.sh DIR STAMP FILE...
# Each FILE is linked into DIR under its own name.
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
  ln -sf "$src" "$dir/$(basename "$f")"
done
touch "$stamp"
