# shellcheck shell=sh
# A private JACK server on the dummy driver for the host tests; sourced, not run:
#   . tests/hosts/jack_dummy.sh
#   dir=$(mktemp -d ...)
#   jack_dummy_trap "$dir"
#   jack_dummy_start NAME PERIOD_FRAMES LOG || fail "jackd did not start"
#   some_client & pids="$pids $!"
# Needs jackd2 (jackd, jack_wait).

# The caller's background jobs (JACK clients and others): stopped at exit, before jackd.
pids=""
jack_dummy_pid=""
jack_dummy_name=""
jack_dummy_dir=""

# A jackd that was killed leaves its registry in /dev/shm, and enough of those make a
# new server fail with "Too many servers already active".  With no jackd running,
# they are all stale.
jack_dummy_clean_shm() {
  if ! pgrep -x jackd >/dev/null 2>&1 && ! pgrep -x jackdbus >/dev/null 2>&1; then
    rm -rf /dev/shm/jack-* /dev/shm/jack_sem.* /dev/shm/jack_db-* /dev/shm/jack-shm-registry \
      2>/dev/null
  fi
}

# jack_dummy_start NAME PERIOD_FRAMES LOG: exports JACK_DEFAULT_SERVER=NAME, so that
# every JACK client started after finds this server and never the user's, starts
# jackd at 48 kHz without realtime scheduling, synchronous (-S: it waits for late
# clients, see jalv_dummy.sh), its output in LOG, and waits up to 10 s for it.
# Fails if it did not start.
jack_dummy_start() {
  jack_dummy_name=$1
  JACK_DEFAULT_SERVER=$1
  export JACK_DEFAULT_SERVER
  jack_dummy_clean_shm
  jackd --no-realtime -S -d dummy -r 48000 -p "$2" >"$3" 2>&1 &
  jack_dummy_pid=$!
  jack_wait -w -t 10 >/dev/null
}

# jack_dummy_trap DIR: at exit, stops the jobs in $pids, then jackd, waits for them
# all, leaves nothing of JACK in /dev/shm for the next run, and removes DIR.
jack_dummy_trap() {
  jack_dummy_dir=$1
  trap jack_dummy_exit EXIT
}

jack_dummy_exit() {
  for p in $pids; do kill "$p" 2>/dev/null; done
  if [ -n "$jack_dummy_pid" ]; then
    kill "$jack_dummy_pid" 2>/dev/null
  fi
  wait 2>/dev/null
  # Killed clients leave their semaphores, and the server its registry, even
  # after a clean stop.
  if [ -n "$jack_dummy_name" ]; then
    rm -f /dev/shm/jack_sem.*_"$jack_dummy_name"_* 2>/dev/null
  fi
  jack_dummy_clean_shm
  if [ -n "$jack_dummy_dir" ]; then
    rm -rf "$jack_dummy_dir"
  fi
}
