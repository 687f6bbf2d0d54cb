# Debian 12 packages Tandem needs, sourced by tools/test.sh and tools/demo.sh.
# tandem_ensure_packages PKG...: installs whichever of them are missing (apt-get, as root or
# through sudo).  Prints one line and fails if they cannot be installed.

TANDEM_BUILD_PACKAGES="gcc libc6-dev pkg-config meson ninja-build python3 lv2-dev liblilv-dev
 libserd-dev libsord-dev libcurl4-openssl-dev libjansson-dev libkissfft-dev libsndfile1-dev
 lilv-utils sordi"
TANDEM_TEST_PACKAGES="check libsubunit-dev clang libclang-rt-14-dev valgrind sox binutils"
# Real hosts for the 'host' suite (tests/hosts), part of the default run: Ardour 7 headless
# (ardour7-lua, package ardour), jalv on JACK's dummy driver, jack_midi_dump/jack_transport
# (jackd2), sndfile-jackplay (sndfile-tools).
TANDEM_HOST_PACKAGES="ardour jalv jackd2 sndfile-tools"
# Only for the benchmarks (tests/bench/run.sh), never the default test run.
TANDEM_BENCH_PACKAGES="python3-numpy aubio-tools hydrogen-drumkits fluid-soundfont-gm fluidsynth"

tandem_ensure_packages() {
  missing=""
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing="$missing $p"
    fi
  done
  [ -z "$missing" ] && return 0
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "tandem: these Debian packages are missing and I am not root (no sudo):$missing" >&2
      return 1
    fi
  fi
  echo "tandem: installing Debian packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends $missing; } >/tmp/tandem-apt.log 2>&1; then
    echo "tandem: apt-get could not install:$missing (see /tmp/tandem-apt.log)" >&2
    return 1
  fi
}
