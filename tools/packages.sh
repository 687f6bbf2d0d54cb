# Debian 12 packages Tandem needs, sourced by tools/test.sh and tools/demo.sh.
# tandem_ensure_packages PKG...: installs whichever of them are missing (apt-get, as root or
# through sudo).  If they cannot be installed it prints apt-get's last lines and fails.

TANDEM_BUILD_PACKAGES="gcc libc6-dev pkg-config meson ninja-build python3 lv2-dev liblilv-dev
 libserd-dev libsord-dev libcurl4-openssl-dev libjansson-dev libkissfft-dev libsndfile1-dev
 lilv-utils sordi libx11-dev libcairo2-dev"
TANDEM_TEST_PACKAGES="check libsubunit-dev clang libclang-rt-14-dev valgrind sox binutils
 xvfb xdotool imagemagick libsuil-dev"
# Real hosts for the 'host' suite (tests/hosts), part of the default run: Ardour 7 headless
# (ardour7-lua, package ardour), jalv on JACK's dummy driver, jack_midi_dump/jack_transport
# (jackd2), sndfile-jackplay (sndfile-tools).  The 'ui' suite (tests/ui) runs jalv.gtk3
# from the jalv package and jack_transport under Xvfb (xvfb, xdotool, imagemagick above),
# and tests/ui/suil_reopen.c, a host of its own that loads the window through suil.
TANDEM_HOST_PACKAGES="ardour jalv jackd2 sndfile-tools"
# Only for the benchmarks (tests/bench/run.sh), never the default test run.
TANDEM_BENCH_PACKAGES="python3-numpy aubio-tools hydrogen-drumkits fluid-soundfont-gm fluidsynth mma
 python3-mido python3-matplotlib sox"

tandem_ensure_packages() {
  local p missing="" sudo="" log
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "tandem: no apt-get or dpkg-query: this installs on Debian 12; elsewhere install:$*" >&2
    return 1
  fi
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing="$missing $p"
    fi
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    # A minimal Debian has no sudo: then only root can install.
    if ! command -v sudo >/dev/null 2>&1; then
      echo "tandem: these Debian packages are missing and I am not root (no sudo):$missing" >&2
      echo "tandem: run this as root once, or install them: apt-get install$missing" >&2
      return 1
    fi
    sudo="sudo"
  fi
  echo "tandem: installing Debian packages:$missing" >&2
  log=$(mktemp -t tandem-apt.XXXXXX) || return 1
  # sudo drops the environment, so DEBIAN_FRONTEND goes through env; the lock timeout
  # waits for an apt that is already running (unattended-upgrades on a new machine).
  # shellcheck disable=SC2086
  if { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q \
       && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            -o DPkg::Lock::Timeout=120 --no-install-recommends $missing; } >"$log" 2>&1; then
    rm -f "$log"
    return 0
  fi
  # apt-get update only warns when it cannot reach an archive: those lines say why.
  if grep -qE '^(Err|W):' "$log"; then
    echo "tandem: apt-get update's errors and warnings:" >&2
    grep -E '^(Err|W):' "$log" | head -n 10 | sed 's/^/  /' >&2
  fi
  echo "tandem: apt-get's last lines:" >&2
  tail -n 30 "$log" | sed 's/^/  /' >&2
  echo "tandem: apt-get could not install:$missing (whole log: $log)" >&2
  return 1
}
