#!/usr/bin/env bash
# Fresh-machine check: the README's first command, tools/demo.sh, on a brand-new minimal
# Debian 12 (debootstrap --variant=minbase bookworm), in a chroot.  .ci/run runs it.
#   tests/fresh/fresh_machine.sh        (as root; needs the Debian package archive)
# It copies `git archive HEAD` into the new root, runs tools/demo.sh there first as a user
# with passwordless sudo, then as root from a fresh copy, and checks that lv2info finds the
# installed bundle and that out/demo-drums.mid and out/demo-bass.mid hold note-ons.
# The base is cached in /var/cache/tandem-fresh/ (TANDEM_FRESH_CACHE): debootstrap's tarball
# of .debs and the unpacked result.  TANDEM_FRESH_MIRROR overrides the mirror read from apt's
# sources.
# Ends with one line: "fresh machine check: PASS" or "fresh machine check: FAIL: why".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
started=$SECONDS
suite=bookworm
cache=${TANDEM_FRESH_CACHE:-/var/cache/tandem-fresh}
user=tandem
work="" root=""

say() { printf 'fresh: %s\n' "$*"; }
finish() { # finish PASS|"FAIL: why": cleans up, prints the time and the verdict
  local verdict=$1
  cleanup || verdict="FAIL: ${verdict#FAIL: }; something is still mounted under $root"
  say "elapsed $((SECONDS - started)) s"
  echo "fresh machine check: $verdict"
  [ "$verdict" = PASS ]
}
fail() { finish "FAIL: $*"; exit 1; }
# budget: seconds left of the check's 15 minutes, for timeout (exit 124 when it runs out).
budget() { local left=$((900 - (SECONDS - started))); echo $((left > 1 ? left : 1)); }
# log_tail FILE: the last 30 lines of a tool's output, for a failure.
log_tail() { tail -n 30 "$1" | sed 's/^/fresh:   | /'; }

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot, mount)"

# ---- mirrors: the host's Debian sources, else deb.debian.org ----
# Prints "MIRROR SECURITY_MIRROR" from /etc/apt/sources.list.d/*.sources and *.list.
read_mirrors() {
  python3 - /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list <<'EOF'
import os, sys
main = sec = None
def found(uri, suites):
    global main, sec
    if "bookworm" in suites and main is None: main = uri
    if "bookworm-security" in suites and sec is None: sec = uri
for path in sys.argv[1:]:
    if not os.path.isfile(path): continue
    text = open(path, errors="replace").read()
    if path.endswith(".sources"):  # deb822 stanzas
        for stanza in text.split("\n\n"):
            f = {}
            for line in stanza.splitlines():
                if ":" in line and not line.startswith(("#", " ")):
                    k, v = line.split(":", 1)
                    f[k.strip().lower()] = v.split()
            if "deb" in f.get("types", []) and f.get("uris"):
                found(f["uris"][0], f.get("suites", []))
    else:  # one-line "deb [opts] URI SUITE COMPONENTS..."
        for line in text.splitlines():
            w = line.split("#")[0].split()
            if w[:1] == ["deb"]:
                if len(w) > 1 and w[1].startswith("["):
                    while w and not w[1].endswith("]"): del w[1]
                    del w[1]
                if len(w) >= 3: found(w[1], w[2:3])
print(main or "http://deb.debian.org/debian", sec or "http://deb.debian.org/debian-security")
EOF
}
read -r mirror security < <(read_mirrors) || fail "could not read apt's sources"
mirror=${TANDEM_FRESH_MIRROR:-$mirror}
say "Debian $suite minbase from $mirror (security: $security)"

mkdir -p "$cache" || fail "cannot create $cache"
if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap on the host"
  if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -q --no-install-recommends debootstrap; } >"$cache/host-apt.log" 2>&1; then
    log_tail "$cache/host-apt.log"
    fail "apt-get could not install debootstrap on the host"
  fi
fi

# ---- the work folder, and its clean-up on any exit ----
# Nothing is deleted while something is still mounted under the root: the /dev bind
# mount would take the host's device nodes with it.
cleanup() {
  [ -n "$work" ] || return 0
  if [ -n "$root" ]; then
    local proc mnt left
    # Processes the demo left running inside the root (none expected).
    for proc in /proc/[0-9]*; do
      [ "$(readlink "$proc/root" 2>/dev/null)" = "$root" ] && kill -9 "${proc#/proc/}" 2>/dev/null
    done
    # Deepest first.
    for mnt in $(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
      umount "$mnt" 2>/dev/null || umount -l "$mnt"
    done
    left=$(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts)
    if [ -n "$left" ]; then
      say "still mounted, so $work is left in place: $left"
      return 1
    fi
  fi
  rm -rf --one-file-system "$work"
  work=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM
work=$(mktemp -d /var/tmp/tandem-fresh.XXXXXX) || fail "no work folder"
root=$work/root

# ---- the base system: debootstrap once, then from the cached tarball ----
# sudo is the only package added to minbase: the first run is as a user who installs the
# build packages through sudo, which a minimal Debian does not have.
arch=$(dpkg --print-architecture)
tarball=$cache/$suite-minbase-sudo-$arch.tgz
bootstrap=(debootstrap --variant=minbase --include=sudo --arch="$arch")
# A month-old base is fetched again, so that it stays close to the archive.
if [ -f "$tarball" ] && [ -n "$(find "$tarball" -mtime +30)" ]; then rm -f "$tarball"; fi
if [ ! -s "$tarball" ]; then
  say "downloading the base system (debootstrap --make-tarball; cached in $cache)"
  if ! timeout "$(budget)" "${bootstrap[@]}" --make-tarball="$work/base.tgz" "$suite" "$work/debs" \
       "$mirror" >"$work/debootstrap.log" 2>&1; then
    log_tail "$work/debootstrap.log"
    if grep -qE 'Failed getting release|Could not (download|resolve)|Couldn.t download|Connection|Temporary failure' \
         "$work/debootstrap.log"; then
      fail "debootstrap cannot reach the Debian package archive at $mirror"
    fi
    fail "debootstrap --make-tarball failed (log above)"
  fi
  mv "$work/base.tgz" "$tarball"
  rm -rf "$work/debs"
  say "downloaded in $((SECONDS - started)) s"
fi
# Unpacking and configuring ~90 packages takes a minute or two, so the untouched result is
# kept too, as a plain tar (made from the tarball above, and again whenever that is newer).
rootcache=$cache/$suite-minbase-sudo-$arch.root.tar
t=$SECONDS
if [ -s "$rootcache" ] && [ "$rootcache" -nt "$tarball" ]; then
  say "base system from $rootcache"
  mkdir "$root" && tar -x -p --xattrs --numeric-owner -C "$root" -f "$rootcache" \
    || fail "cannot unpack $rootcache"
else
  say "unpacking the base system into $root (debootstrap --unpack-tarball)"
  if ! timeout "$(budget)" "${bootstrap[@]}" --unpack-tarball="$tarball" "$suite" "$root" \
       "$mirror" >"$work/debootstrap.log" 2>&1; then
    log_tail "$work/debootstrap.log"
    rm -f "$tarball"  # maybe a bad download: the next run fetches it again
    fail "debootstrap --unpack-tarball failed (log above)"
  fi
  tar -c --xattrs --numeric-owner -C "$root" -f "$rootcache.tmp" . && mv "$rootcache.tmp" "$rootcache" \
    || say "could not cache the base system in $rootcache (going on without)"
fi
say "base system ready in $((SECONDS - t)) s"

# ---- inside: name service, apt sources like the host's, a sudo user, the source ----
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
rm -f "$root"/etc/apt/sources.list.d/*
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
# The host's apt may accept an archive snapshot's old Release files; so does this one.
if apt-config dump | grep -qi '^Acquire::Check-Valid-Until "false"'; then
  echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99fresh-valid-until"
fi
chroot "$root" useradd --create-home --shell /bin/bash "$user" || fail "useradd failed"
echo "$user ALL=(ALL) NOPASSWD: ALL" >"$root/etc/sudoers.d/$user"
chmod 440 "$root/etc/sudoers.d/$user"

git -C "$repo" archive --format=tar HEAD >"$work/source.tar" || fail "git archive HEAD failed"
say "source: $(git -C "$repo" rev-parse --short HEAD) (git archive HEAD)"
mkdir "$root/home/$user/tandem" "$root/root/tandem"
tar -x -C "$root/home/$user/tandem" -f "$work/source.tar"
tar -x -C "$root/root/tandem" -f "$work/source.tar"
chroot "$root" chown -R "$user:$user" "/home/$user/tandem"

mount -t proc proc "$root/proc" || fail "cannot mount /proc in the root"
mount -t sysfs sysfs "$root/sys" || fail "cannot mount /sys in the root"
mount --bind /dev "$root/dev" || fail "cannot bind /dev into the root"

# in_root USER COMMAND: runs COMMAND under bash in the root as USER (a login-like clean
# environment, no terminal), its output streamed here with "fresh: " before each line.
in_root() {
  local who=$1 home=/root path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  [ "$who" = root ] || { home=/home/$who; path=/usr/local/bin:/usr/bin:/bin; }
  timeout "$(budget)" chroot --userspec="$who:$who" "$root" /usr/bin/env -i HOME="$home" \
    USER="$who" LOGNAME="$who" SHELL=/bin/bash PATH="$path" /bin/bash -c "$2" </dev/null 2>&1 \
    | sed -u 's/^/fresh: /'
}

# demo_as USER HOW: runs tools/demo.sh in USER's copy of the source, or fails the check.
demo_as() {
  local t=$SECONDS rc=0
  say "---- tools/demo.sh as $1, $2 ----"
  in_root "$1" 'cd ~/tandem && tools/demo.sh' || rc=$?
  [ "$rc" -ne 124 ] || fail "tools/demo.sh as $1 ran out of the check's 15 minutes (output above)"
  [ "$rc" -eq 0 ] || fail "tools/demo.sh as $1 failed, exit $rc (output above)"
  say "---- demo as $1 took $((SECONDS - t)) s"
}
demo_as "$user" "a user with passwordless sudo, on the bare system"
demo_as root "from a fresh copy of the source (the packages are in now)"

# ---- what the demo left: the bundle loads, the MIDI files hold notes ----
for who in "$user" root; do
  home=/root; [ "$who" = root ] || home=/home/$who
  in_root "$who" "info=\$(LV2_PATH=$home/.lv2 lv2info urn:tandem:plugin 2>&1) || { echo \"\$info\"; exit 1; }
    echo \"\$info\" | grep -m 1 -E '^\s+Name:' && echo \"\$info\" | grep -E '^\s+Binary:'" \
    || fail "lv2info does not find urn:tandem:plugin in $home/.lv2 (as $who)"
  for part in drums bass; do
    mid=$root$home/tandem/out/demo-$part.mid
    notes=$(python3 - "$mid" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:4] == b"MThd", "not a Standard MIDI File"
def varlen(i):
    n = 0
    while True:
        n, i = n << 7 | d[i] & 0x7F, i + 1
        if not d[i - 1] & 0x80: return n, i
ons, pos = 0, 0
while pos + 8 <= len(d):
    size = struct.unpack(">I", d[pos + 4:pos + 8])[0]
    i, end, status = pos + 8, pos + 8 + size, 0
    while d[pos:pos + 4] == b"MTrk" and i < end:
        _, i = varlen(i)                       # delta time
        if d[i] & 0x80: status, i = d[i], i + 1  # else running status
        if status == 0xFF: i += 1              # meta type, then length
        if status in (0xFF, 0xF0, 0xF7):
            n, i = varlen(i); i += n
            continue
        if status & 0xF0 == 0x90 and d[i + 1] > 0: ons += 1
        i += 1 if status & 0xF0 in (0xC0, 0xD0) else 2
    pos = end
print(ons)
EOF
    ) || fail "$mid is not a readable MIDI file"
    say "$who: out/demo-$part.mid holds $notes note-ons"
    [ "$notes" -gt 0 ] || fail "$mid holds no note-on (as $who)"
  done
done

finish PASS
