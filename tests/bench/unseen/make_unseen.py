#!/usr/bin/python3
"""Renders the "unseen" corpus: music nobody in this project wrote or tuned to.

Usage: make_unseen.py OUT_DIR [--jobs N] [--only SUBSTRING] [--list]

Sources (all from Debian packages, nothing downloaded):
  - MMA's groove libraries (/usr/share/mma/lib/*/*.mma): a chord chart is
    written here for each clip, `mma` turns it into MIDI with one groove file
    (its main groove and, where the file has them, its intro, fill and ending
    grooves), and the MIDI is read back for the truth;
  - Hydrogen's demo songs (hydrogen-data): patterns and song order;
  - drums through Hydrogen's sample kits (hydrogen-drumkits, make_corpus.Kit)
    or through a GM sound font's drum kit (fluidsynth); bass, chords and pads
    through fluidsynth with the GM sound fonts Debian ships.

Every groove file, Hydrogen song, kit and sound font belongs to exactly one of
train/dev/test (a stable hash of its name, see assign_splits), and a clip only
combines sources of one split.  Each clip is a 48 kHz mono 16-bit WAV with a
truth JSON of the same stem; OUT_DIR/corpus.json lists the clips with their
split and sources (and every source's split), OUT_DIR/calibration.json the
sound fonts' note-on delays.  Every other JSON file in OUT_DIR is a clip's.
Deterministic: fixed seeds, MMA's RndSeed, PYTHONHASHSEED for mma.
"""

import argparse
import hashlib
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from multiprocessing import Pool

import numpy as np

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import make_corpus as mc  # noqa: E402
import groove_bench as gb  # noqa: E402  (its MIDI variable-length reader)

RATE = mc.RATE
MMA_LIB = "/usr/share/mma/lib"
H2_SONGS = "/usr/share/hydrogen/data/demo_songs"
STYLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "ttl", "styles")
SOUND_FONTS = {
    "FluidR3_GM": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "TimGM6mb": "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "MuseScore_General_Lite": "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
}
SPLITS = ("train", "dev", "test")
# Groove files that are not music to analyse: click tracks, an empty groove,
# and Zoom's count-ins, intros and endings (no main groove).
EXCLUDE = {"stdlib/metronome", "stdlib/metronome3", "stdlib/metronome6",
           "stdlib/metronome68", "stdlib/none", "zoom/count", "zoom/ending", "zoom/intro"}

# ---------------------------------------------------------------- families

# Family of each groove file (folder/name).  Families that are one of Tandem's
# shipped styles (ttl/styles) are scored for genre; the others are kept for
# everything else and counted in the report as styles the data asks for.
FAMILIES = {
    "boombap": "alexis/hiphop casio/hip-hop zoom/hiphop",
    "techno": "alexis/teamtechno casio/techno zoom/techno",
    "house": "casio/house casio/latinhouse zoom/house",
    "dnb": "zoom/dnb",
    "funk": "stdlib/bvfunk casio/funk1 casio/funk2 kara/Kfunk1 zoom/funk",
    "reggae": "zoom/reggae",
    "bossa": "stdlib/bossanova kara/kbossa zoom/bossa yamaha/jazzbossa",
    # Tandem's "shuffle" is a slow 12/8 blues (ttl/styles/shuffle.ttl).
    "shuffle": "stdlib/blues128 stdlib/slowblues stdlib/blues casio/blues zoom/blues zoom/shuffle",
    "jazz": "stdlib/swing stdlib/bebop stdlib/bigband stdlib/easyswing stdlib/fastswing "
            "stdlib/jazzcombo stdlib/modernjazz stdlib/mellowjazz stdlib/nitejazz "
            "stdlib/slowjazz stdlib/evansish stdlib/descendingjazz stdlib/folkyjazz "
            "stdlib/jazzguitar stdlib/gypsyjazz casio/jazzcombo casio/modernjazz casio/swing "
            "casio/slowswing casio/fastbigband casio/middlebigband casio/slowbigband "
            "yamaha/jazzswing yamaha/jazzbasie yamaha/jazztrio yamaha/jazzGrtrio "
            "yamaha/jazzbouncy zoom/jazz zoom/jazz04",
    "ballad": "stdlib/ballad stdlib/popballad stdlib/pianoballad stdlib/rockballad "
              "stdlib/guitarballad stdlib/rb-ballad stdlib/folkballad stdlib/stringballad "
              "casio/16beatballad1 casio/16beatballad2 casio/16beatballad3 casio/8beatballad1 "
              "casio/8beatballad2 casio/8beatballad3 casio/oldieballad casio/popballad "
              "casio/serenade zoom/bald kara/kwestballad",
    "rock": "stdlib/8beat stdlib/60srock stdlib/basicrock stdlib/bubblerock stdlib/folkrock "
            "stdlib/softrock stdlib/strut casio/8beat1 casio/8beat2 casio/8beat3 casio/8beatpop1 "
            "casio/8beatpop2 casio/8beatpop3 casio/60srock casio/rock1 casio/rock2 "
            "casio/digitalrock casio/heavymetal casio/poprock1 casio/poprock2 casio/pop "
            "casio/60spop pflib/8beat1 pflib/8beat2 pflib/rock1 pflib/metal1 pflib/metal2 "
            "pflib/highfive yamaha/w-rock zoom/rock zoom/beat8 zoom/hrk zoom/mtl zoom/thr",
    # --- no shipped style
    "pop16": "casio/16beat1 casio/16beat2 casio/80spop casio/soulpop casio/worldpop "
             "casio/slow16beat pflib/16beat1 pflib/16beat2 zoom/beat16 zoom/pop",
    "dance": "casio/dance1 casio/dance2 casio/dancepop1 casio/dancepop2 casio/dancepop3 "
             "casio/8beatdance casio/ambient1 casio/ambient2 casio/ambient3 casio/electricpop "
             "casio/16shuffle2 zoom/dance zoom/ambient",
    "trance": "stdlib/trance casio/trance1 casio/trance2 casio/16beat3 casio/rave",
    "disco": "casio/discosoul stdlib/dsoul stdlib/boneym",
    "triphop": "casio/triphop zoom/trip",
    "rnb": "stdlib/rb casio/r+b casio/mellowrb casio/modernrb casio/soul casio/60ssoul "
           "zoom/rnb kara/8beatmotown",
    "popshuffle": "casio/16shuffle1 casio/popshuffle1 casio/popshuffle2 casio/shufflerock "
                  "casio/shuffleboogie stdlib/shuffleboggie kara/happyshuffle stdlib/boggiewoggie",
    "rocknroll": "stdlib/50srock kara/K50s_rock stdlib/twist casio/twist kara/twi "
                 "kara/fasttwist stdlib/jive",
    "doowop128": "stdlib/rock-128 stdlib/ballad128 casio/slowrock pflib/slowrock",
    "punk": "zoom/punk",
    "ska": "stdlib/ska zoom/ska",
    "fusion": "stdlib/jazzrock casio/fusion zoom/fusion zoom/fus16",
    "latin": "stdlib/afro-cuban stdlib/beguine stdlib/bolero stdlib/slowbolero stdlib/chacha "
             "stdlib/mambo yamaha/mambo stdlib/merengue stdlib/rhumba stdlib/jazzrhumba "
             "stdlib/salsa yamaha/salsa1 yamaha/salsa2 stdlib/son stdlib/samba zoom/samba "
             "yamaha/quando-g.s280 stdlib/calypso stdlib/cubanguitar casio/latinfusion "
             "stdlib/lfusion zoom/latin zoom/afro",
    "tango": "stdlib/tango stdlib/lighttango",
    "waltz": "stdlib/waltz stdlib/fastwaltz stdlib/vienesewaltz stdlib/frenchwaltz "
             "stdlib/countrywaltz stdlib/broadwaywaltz stdlib/latinwaltz stdlib/rockwaltz "
             "stdlib/arpeggiowaltz casio/popwaltz zoom/bald34 zoom/rock34",
    "jazzwaltz": "stdlib/jazzwaltz stdlib/fastjazzwaltz stdlib/modernjazzwaltz "
                 "casio/jazzwaltz yamaha/jazzwaltz",
    "compound68": "stdlib/68swing stdlib/arpeggio68 stdlib/blues68 casio/68ballad "
                  "stdlib/ballad68 zoom/blues68 zoom/blues34",
    "country": "stdlib/bluegrass stdlib/countryblues stdlib/countryswing stdlib/westernswing "
               "stdlib/hillcountry stdlib/slowcountry stdlib/zydeco yamaha/western "
               "yamaha/jazzcountry zoom/country zoom/cntry",
    "folk": "stdlib/folk stdlib/bluefolk stdlib/arpeggio44 stdlib/lullaby kara/2beatp",
    "blues": "stdlib/fastblues",
    "march": "stdlib/march stdlib/bwmarch stdlib/68march casio/march1 casio/germanmarch "
             "stdlib/dixiemarch",
    "polka": "stdlib/polka casio/polka casio/polkafox casio/poppolka",
    "ballroom": "stdlib/foxtrot casio/foxtrot stdlib/quickstep casio/quickstep",
    "broadway": "stdlib/broadway stdlib/slowbroadway stdlib/showtune stdlib/softshoe",
    "dixieland": "stdlib/dixie stdlib/charleston stdlib/ragtime",
    "gospel": "stdlib/spiritual stdlib/popspiritual stdlib/slowspiritual stdlib/hymn",
    "world": "stdlib/desert zoom/mide",
    "jazz54": "stdlib/jazz-54",
}
FAMILY_OF = {f: fam for fam, files in FAMILIES.items() for f in files.split()}
SHIPPED_STYLES = ("rock", "funk", "boombap", "trap", "house", "techno", "dnb", "jazz", "bossa",
                  "reggae", "ballad", "hardcore", "shuffle")
# Felt-beat tempo ranges (bpm) of the families with no shipped style; shipped
# styles use their profile's tempoMin..tempoMax (style_tempo_range).
FAMILY_TEMPO = {
    "pop16": (88, 120), "dance": (118, 132), "trance": (128, 145), "disco": (110, 124),
    "triphop": (72, 96), "rnb": (72, 104), "popshuffle": (92, 126), "rocknroll": (130, 172),
    "doowop128": (50, 66), "punk": (160, 200), "ska": (100, 140), "fusion": (96, 130),
    "latin": (92, 128), "tango": (108, 128), "waltz": (84, 168), "jazzwaltz": (120, 176),
    "compound68": (44, 66), "country": (96, 150), "folk": (80, 120), "blues": (110, 150),
    "march": (100, 124), "polka": (100, 128), "ballroom": (100, 124), "broadway": (96, 132),
    "dixieland": (100, 140), "gospel": (72, 116), "world": (84, 116), "jazz54": (120, 168),
}
# Groove files whose MMA beat is not the felt beat: (MMA beats per felt beat,
# felt beats per MMA bar, meter).  The docs of the 2/4 ones say to double the
# tempo; the 6/8 and 12/8 ones are written in 2, 3, 4 or 6 MMA beats a bar.
BEAT_OVERRIDE = {
    "stdlib/broadway": (2, 2, "2/4"), "stdlib/bwmarch": (2, 2, "2/4"),
    "stdlib/fastswing": (2, 2, "2/4"), "stdlib/polka": (2, 2, "2/4"),
    "stdlib/ragtime": (2, 2, "2/4"), "stdlib/samba": (2, 2, "2/2"),
    "stdlib/ska": (2, 2, "2/4"), "stdlib/quickstep": (2, 2, "2/4"),
    "stdlib/68swing": (3, 2, "6/8"), "stdlib/arpeggio68": (3, 2, "6/8"),
    "stdlib/blues68": (3, 2, "6/8"), "casio/68ballad": (3, 2, "6/8"),
    "zoom/blues68": (3, 2, "6/8"), "zoom/blues34": (3, 2, "6/8"),
    "stdlib/afro-cuban": (1.5, 2, "6/8"), "stdlib/68march": (1, 2, "6/8"),
    "stdlib/ballad68": (1, 4, "6/8"),  # one MMA bar holds two 6/8 bars
    "stdlib/blues128": (1, 4, "12/8"), "stdlib/ballad128": (1, 4, "12/8"),
    "stdlib/rock-128": (1, 4, "12/8"), "stdlib/slowblues": (1, 4, "12/8"),
}
# Felt beats per real bar where an MMA bar holds more than one (ballad68).
BEATS_PER_REAL_BAR = {"stdlib/ballad68": 2}

# ---------------------------------------------------------------- splits


def stable_hash(name):
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:8], "big")


def split_of_name(name):
    """60/20/20 by the name's own hash."""
    u = stable_hash(name) / 2.0 ** 64
    return "train" if u < 0.6 else "dev" if u < 0.8 else "test"


def split_stratified(names_by_group):
    """Within each group (a family): a group of three or more names is split
    like a small set (split_small_set: every split gets at least one), a
    smaller group name by name by its hash."""
    out = {}
    for group, names in sorted(names_by_group.items()):
        if len(names) >= 3:
            out.update(split_small_set(names))
        else:
            out.update({n: split_of_name(n) for n in names})
    return out


def split_small_set(names, pinned=None):
    """A small set (kits, sound fonts, songs, a family's files): pinned names
    keep their split; the others, in (salted) hash order, fill what dev and
    test still lack of round(20 %) of the set (at least one each), then train."""
    pinned = {k: v for k, v in (pinned or {}).items() if k in names}
    want = max(1, round(0.2 * len(names)))
    n_dev = want - list(pinned.values()).count("dev")
    n_test = want - list(pinned.values()).count("test")
    out = dict(pinned)
    # Salted, so that which names a split gets is independent of which files
    # plan_corpus picks (plain hash order).
    free = sorted((n for n in names if n not in pinned), key=lambda n: stable_hash("split/" + n))
    for i, name in enumerate(free):
        out[name] = "dev" if i < n_dev else "test" if i < n_dev + n_test else "train"
    return out


# Sources the project's own benchmarks already render with stay in train, so
# that test holds sources nothing was tuned on where there is a choice:
# FluidR3_GM renders make_corpus.py's pitched clips, and MuseScore_General is
# built from FluidR3 (its GM drum notes start exactly as FluidR3's, see
# calibration.json), so it may be dev but not test.  Every usable Hydrogen kit
# is in tools/genre-train.py's training set: kits have no such choice.
TUNED_ON = {"FluidR3_GM": "train", "MuseScore_General_Lite": "dev"}


# ---------------------------------------------------------------- drum roles

# Extra kit roles beyond make_corpus's (kick, snare, hat, ohat, pedal, ride,
# clap, rim), found by instrument name in the kit and in Hydrogen songs.
EXTRA_ROLE_PATTERNS = [
    ("bell", [r"ride.*(bell|cup)", r"(?<!cow)bell"]),
    ("crash", [r"crash", r"splash", r"china", r"cymbal"]),
    ("tom_lo", [r"floor", r"tom.*lo", r"lo.*tom", r"\bdrum [12]\b"]),
    ("tom_mid", [r"tom.*mid", r"mid.*tom", r"tom ?2"]),
    ("tom_hi", [r"tom.*hi", r"hi.*tom", r"tom ?1", r"\btom\b"]),
    ("cowbell", [r"cowbell"]),
    ("tamb", [r"tambourine"]),
    ("shaker", [r"shaker", r"maraca", r"cabasa"]),
    ("conga", [r"conga", r"bongo"]),
    ("clave", [r"clave", r"wood ?block"]),
]
EXTRA_FALLBACK = {"bell": "ride", "crash": "ohat", "tom_mid": "tom_lo", "tom_hi": "tom_mid"}
# Truth class of each role: kick, snare, hat (hats and cymbals), tom, perc.
ROLE_TRUTH = {"kick": "kick", "snare": "snare", "clap": "snare", "rim": "snare",
              "hat": "hat", "ohat": "hat", "pedal": "hat", "ride": "hat", "bell": "hat",
              "crash": "hat", "tom_lo": "tom", "tom_mid": "tom", "tom_hi": "tom",
              "cowbell": "perc", "tamb": "perc", "shaker": "perc", "conga": "perc",
              "clave": "perc"}
# make_corpus's renderer levels and choke groups, for the extra roles.
mc.ROLE_LEVEL.update({"bell": 0.4, "crash": 0.5, "tom_lo": 0.8, "tom_mid": 0.75,
                      "tom_hi": 0.7, "cowbell": 0.35, "tamb": 0.35, "shaker": 0.3,
                      "conga": 0.5, "clave": 0.35})
mc.CHOKE_GROUP.update({r: r for r in ("bell", "crash", "tom_lo", "tom_mid", "tom_hi",
                                      "cowbell", "tamb", "shaker", "conga", "clave")})
# General MIDI drum notes -> kit role; the truth class follows the GM number:
# kick 35-36; snare 37-40; hat/cymbal 42 44 46 49 51-53 55 57 59; tom 41 43
# 45 47 48 50; everything else percussion.
GM_ROLE = {35: "kick", 36: "kick", 37: "rim", 38: "snare", 39: "clap", 40: "snare",
           41: "tom_lo", 43: "tom_lo", 45: "tom_mid", 47: "tom_mid", 48: "tom_hi",
           50: "tom_hi", 42: "hat", 44: "pedal", 46: "ohat", 49: "crash", 52: "crash",
           55: "crash", 57: "crash", 51: "ride", 59: "ride", 53: "bell", 54: "tamb",
           56: "cowbell", 60: "conga", 61: "conga", 62: "conga", 63: "conga", 64: "conga",
           69: "shaker", 70: "shaker", 75: "clave", 76: "clave", 77: "clave"}
GM_CLASS = {**{n: "kick" for n in (35, 36)}, **{n: "snare" for n in (37, 38, 39, 40)},
            **{n: "hat" for n in (42, 44, 46, 49, 51, 52, 53, 55, 57, 59)},
            **{n: "tom" for n in (41, 43, 45, 47, 48, 50)}}


def gm_class(note):
    return GM_CLASS.get(note, "perc")


def role_of_name(name):
    """A kit or song instrument name -> role (make_corpus's patterns first,
    then the extra ones), or None."""
    low = name.lower()
    if re.search(r"cowbell", low):
        return "cowbell"
    for role in ("kick", "pedal", "ohat", "hat", "clap", "rim"):
        if any(re.search(p, low) for p in mc.ROLE_PATTERNS[role]):
            return role
    for role, pats in EXTRA_ROLE_PATTERNS[:2]:  # bells and cymbals before "snare"
        if any(re.search(p, low) for p in pats):
            return role
    if any(re.search(p, low) for p in mc.ROLE_PATTERNS["snare"]):
        return "snare"
    if any(re.search(p, low) for p in mc.ROLE_PATTERNS["ride"]):
        return "ride"
    for role, pats in EXTRA_ROLE_PATTERNS[2:]:
        if any(re.search(p, low) for p in pats):
            return role
    return None


class UnseenKit(mc.Kit):
    """make_corpus.Kit plus toms, cymbals and hand percussion found by name;
    instruments whose sample files are missing (a kit's drumkit.xml may name
    files the package does not ship) are not used."""

    def __init__(self, name):
        super().__init__(name)
        self.instruments = [(n, layers) for n, layers in self.instruments
                            if all(os.path.exists(os.path.join(self.dir, l[0])) for l in layers)]
        present = {n for n, _ in self.instruments}
        self.roles = {r: v for r, v in self.roles.items() if v[0] in present}
        for role, pats in EXTRA_ROLE_PATTERNS:
            for pat in pats:
                hit = next(((n, l) for n, l in self.instruments if re.search(pat, n.lower())
                            and not (role == "bell" and "cowbell" in n.lower())), None)
                if hit:
                    self.roles[role] = hit
                    break
        for role, fb in list(mc.ROLE_FALLBACK.items()) + list(EXTRA_FALLBACK.items()):
            if role not in self.roles and fb in self.roles:
                self.roles[role] = self.roles[fb]
        for need in ("kick", "snare", "hat"):
            if need not in self.roles:
                raise SystemExit(f"kit {name}: no {need} sample found")


_KITS = {}


def kit_named(name):
    """One UnseenKit per process: its samples load (through sox) once."""
    if name not in _KITS:
        _KITS[name] = UnseenKit(name)
    return _KITS[name]


def usable_kits():
    kits = []
    for name in sorted(os.listdir(mc.KIT_ROOT)):
        if not os.path.exists(os.path.join(mc.KIT_ROOT, name, "drumkit.xml")):
            continue
        try:
            UnseenKit(name)
        except SystemExit:
            continue  # hand percussion or djembe kits: no kick, snare or hat
        kits.append(name)
    return kits


# ---------------------------------------------------------------- MIDI files


def smf_tracks(data):
    """Yields (raw MTrk chunk, [(tick, status, payload)]) for each track of a
    Standard MIDI File; meta events have status 0xFF and their type byte
    first in the payload; SysEx is skipped."""
    pos = 8 + int.from_bytes(data[4:8], "big")
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos + 4:pos + 8], "big")
        body, events = data[pos + 8:pos + 8 + length], []
        k, now, running = 0, 0, 0
        while k < len(body):
            dt, k = gb.read_varlen(body, k)
            now += dt
            first = body[k]
            if first == 0xFF:
                n, start = gb.read_varlen(body, k + 2)
                events.append((now, 0xFF, bytes([body[k + 1]]) + body[start:start + n]))
                k = start + n
            elif first in (0xF0, 0xF7):
                n, start = gb.read_varlen(body, k + 1)
                k = start + n
            else:
                if first & 0x80:
                    running, k = first, k + 1
                size = 1 if (running & 0xF0) in (0xC0, 0xD0) else 2
                events.append((now, running, body[k:k + size]))
                k += size
        yield data[pos:pos + 8 + length], events
        pos += 8 + length


def read_smf(path):
    """A Standard MIDI File -> (ppq, chunks, notes, tempos, programs).
    chunks: raw MTrk chunks with the set of channels each uses; notes: dicts
    (on, off in ticks, ch, pitch, vel); tempos: [(tick, us per quarter)];
    programs: {ch: [(tick, program)]}."""
    data = open(path, "rb").read()
    if data[:4] != b"MThd":
        raise RuntimeError(f"{path}: not a MIDI file")
    ppq = int.from_bytes(data[12:14], "big")
    chunks, notes, tempos, programs = [], [], [], {}
    for raw, events in smf_tracks(data):
        sounding = {}  # (channel, pitch) -> (tick, velocity)
        chans = set()
        last = 0
        for tick, status, payload in events:
            last = tick
            if status == 0xFF:
                if payload[0] == 0x51:
                    tempos.append((tick, int.from_bytes(payload[1:4], "big")))
                continue
            kind, ch = status & 0xF0, status & 0x0F
            chans.add(ch)
            if kind == 0xC0:
                programs.setdefault(ch, []).append((tick, payload[0]))
            elif kind in (0x80, 0x90):
                held = sounding.pop((ch, payload[0]), None)
                if held:  # a note-off, or a retrigger that ends the note
                    notes.append(dict(on=held[0], off=tick, ch=ch, pitch=payload[0], vel=held[1]))
                if kind == 0x90 and payload[1] > 0:
                    sounding[(ch, payload[0])] = (tick, payload[1])
        for (ch, pitch), (start, vel) in sounding.items():
            notes.append(dict(on=start, off=last, ch=ch, pitch=pitch, vel=vel))
        chunks.append((raw, chans))
    notes.sort(key=lambda n: (n["on"], n["ch"], n["pitch"]))
    tempos.sort()
    return ppq, chunks, notes, tempos, programs


def write_smf(path, ppq, chunks):
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 1, len(chunks), ppq))
        for raw in chunks:
            f.write(raw)


def split_smf(path, drums_path, pitched_path):
    """Writes the channel-10 tracks (with the tracks that hold no channel
    events: tempo, meter) and the other tracks to two files."""
    ppq, chunks, _, _, _ = read_smf(path)
    meta = [raw for raw, ch in chunks if not ch]
    drums = [raw for raw, ch in chunks if ch == {9}]
    pitched = [raw for raw, ch in chunks if ch and 9 not in ch]
    if any(ch and 9 in ch and ch != {9} for _, ch in chunks):
        raise RuntimeError(f"{path}: a track mixes channel 10 with others")
    write_smf(drums_path, ppq, meta + drums)
    write_smf(pitched_path, ppq, meta + pitched)
    return bool(drums), bool(pitched)


class TempoMap:
    def __init__(self, ppq, tempos):
        self.ppq = ppq
        self.points = [(0, 500000, 0.0)]  # (tick, us per quarter, seconds at tick)
        for tick, us in tempos:
            t0, us0, s0 = self.points[-1]
            s = s0 + (tick - t0) * us0 / 1e6 / ppq
            if tick == t0:
                self.points[-1] = (tick, us, s0)
            else:
                self.points.append((tick, us, s))

    def seconds(self, tick):
        for k in range(len(self.points) - 1, -1, -1):
            t0, us, s0 = self.points[k]
            if tick >= t0:
                return s0 + (tick - t0) * us / 1e6 / self.ppq
        return 0.0

    def bpm_at(self, tick):
        us = [u for t, u, _ in self.points if t <= tick][-1]
        return 60e6 / us


def fluidsynth(sf_path, mid, wav, reverb=True):
    cmd = ["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(RATE)]
    if not reverb:
        cmd += ["-R", "0", "-C", "0"]
    subprocess.run(cmd + ["-F", wav, sf_path, mid], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return mc.load_audio(wav)


# ---------------------------------------------------------------- calibration

SLOW_RISE_S = 0.030  # attack slower than this from -34 dB to -6 dB: a soft onset
BASS_PROGRAMS = set(range(32, 40)) | {43, 58, 87}


def calibrate(sf_name):
    """Per sound font: the delay from note-on to the first frame above -34 dB
    of the note's peak for every GM drum note and every program, and each
    program's rise time.  Rendered dry, one note at a time."""
    sf = SOUND_FONTS[sf_name]
    out = {"drums": {}, "programs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        ev = []
        for k, note in enumerate(range(27, 88)):
            ev += [(k * 480, bytes([0x99, note, 100])), (k * 480 + 150, bytes([0x89, note, 0]))]
        mid = os.path.join(tmp, "d.mid")
        mc.write_midi(mid, ev + [(61 * 480, b"\xff\x01\x03end")], 60)
        x = fluidsynth(sf, mid, os.path.join(tmp, "d.wav"), reverb=False)
        for k, note in enumerate(range(27, 88)):
            lat, _ = attack(x, k * 1.0, 0.9)
            out["drums"][str(note)] = lat
        ev = []
        for prog in range(128):
            t = prog * 2 * 600  # 2.5 s apart at 480 ppq, 60 bpm -> 1200 ticks = 2.5 s
            pitch = 40 if prog in BASS_PROGRAMS else 60
            ev += [(t, bytes([0xC0, prog])), (t + 1, bytes([0x90, pitch, 100])),
                   (t + 1 + 290, bytes([0x80, pitch, 0]))]
        mid = os.path.join(tmp, "p.mid")
        mc.write_midi(mid, ev + [(128 * 1200, b"\xff\x01\x03end")], 60)
        x = fluidsynth(sf, mid, os.path.join(tmp, "p.wav"), reverb=False)
        for prog in range(128):
            t = (prog * 1200 + 1) / 480.0
            lat, rise = attack(x, t, 2.4)
            out["programs"][str(prog)] = [lat, rise]
    return sf_name, out


def attack(x, t, window_s):
    """(delay of the first frame above -34 dB of the window's peak, time from
    there to -6 dB) of a note starting at t; (None, None) when silent."""
    i0 = int(round(t * RATE))
    w = np.abs(x[i0:i0 + int(window_s * RATE)])
    peak = float(np.max(w)) if len(w) else 0.0
    if peak < 1e-4:
        return None, None
    first = int(np.argmax(w > 0.02 * peak))
    half = int(np.argmax(w > 0.5 * peak))
    return round(first / RATE, 5), round(max(0, half - first) / RATE, 5)


# ---------------------------------------------------------------- MMA clips

PROGRESSIONS = {
    # name: (mode, bars as (semitones above the tonic, quality)); one chord a bar
    "I-vi-IV-V": ("major", [(0, "maj"), (9, "min"), (5, "maj"), (7, "maj")]),
    "I-V-vi-IV": ("major", [(0, "maj"), (7, "maj"), (9, "min"), (5, "maj")]),
    "I-IV-V-I": ("major", [(0, "maj"), (5, "maj"), (7, "7"), (0, "maj")]),
    "ii-V-I": ("major", [(2, "m7"), (7, "7"), (0, "maj7"), (0, "maj7")]),
    "blues": ("major", [(0, "7")] * 4 + [(5, "7")] * 2 + [(0, "7")] * 2 +
              [(7, "7"), (5, "7"), (0, "7"), (7, "7")]),
    "i-VI-iv-VII": ("minor", [(0, "min"), (8, "maj"), (5, "min"), (10, "maj")]),
    "i-iv-V-i": ("minor", [(0, "min"), (5, "min"), (7, "7"), (0, "min")]),
    "i-VII-VI-V": ("minor", [(0, "min"), (10, "maj"), (8, "maj"), (7, "7")]),
}
MMA_SUFFIX = {"maj": "", "min": "m", "7": "7", "maj7": "maj7", "m7": "m7"}
# Accompaniment for groove files that have drums only (Zoom's drum machine
# patterns): (bass program, chord program, bass sequence, chord sequence) by
# MMA beats a bar.
ACCOMP = {
    4: [(33, 0, "{1 4 1 100; 2.5 8 1 80; 3 4 5 90; 4 4 1 85}", "{1 2 80; 3 2 70}"),
        (38, 4, "{1 8 1 100; 1.5 8 1 70; 3 8 5 90; 4.5 8 1 80}", "{2 4 75; 4 4 75}"),
        (34, 16, "{1 2 1 100; 3 2 5 90}", "{1 1 70}"),
        (32, 25, "{1 4 1 100; 2 4 3 80; 3 4 5 90; 4 4 3 80}", "{1 8 80; 2.5 8 70; 4 4 70}")],
    3: [(32, 0, "{1 4 1 100; 2 4 5 80; 3 4 5 80}", "{2 4 70; 3 4 70}")],
    6: [(33, 4, "{1 4 1 100; 4 4 5 90}", "{1 2 70; 4 2 70}")],
}


def style_tempo_range(style):
    text = open(os.path.join(STYLES_DIR, style + ".ttl")).read()

    def num(prop):
        return float(re.search(r"sty:" + prop + r"\s+([0-9.]+)", text).group(1))
    lo, hi = num("tempoMin"), num("tempoMax")
    if int(num("beatUnit")) == 8 and int(num("beatsPerBar")) % 3 == 0:
        lo, hi = lo / 3, hi / 3  # eighths -> dotted quarters
    return lo, hi


def family_tempo_range(family):
    if family in SHIPPED_STYLES:
        return style_tempo_range(family)
    return FAMILY_TEMPO.get(family, (90, 130))


def groove_names(key):
    text = open(os.path.join(MMA_LIB, key + ".mma"), errors="replace").read()
    return re.findall(r"^\s*DefGroove\s+(\S+)", text, flags=re.M | re.I)


def pick_grooves(names, rng, index):
    """(main, intro, fill, end) of a groove file.  The main groove: for a
    file's first clip the plain one half the time, else a random variant;
    further clips of the same file take the next variants in turn."""
    def first(pat):
        return next((g for g in names if re.search(pat, g, re.I)), None)
    special = re.compile(r"intro|fill|end|break", re.I)
    mains = [g for g in names if not special.search(g)] or names
    start = 0 if rng.random() < 0.5 else int(rng.integers(len(mains)))
    main = mains[(start + index - 1) % len(mains)]
    return main, first(r"intro"), first(r"fill"), first(r"end")


def chord_name(root, quality):
    return mc.PITCH_NAMES[root % 12] + MMA_SUFFIX[quality]


def make_chart(prog_name, tonic, n_bars, stated):
    """One chord a bar: the progression cycled over n_bars; when stated, the
    chart starts and ends on the tonic chord."""
    mode, bars = PROGRESSIONS[prog_name]
    chart = [bars[i % len(bars)] for i in range(n_bars)]
    tonic_q = "min" if mode == "minor" else ("7" if prog_name == "blues" else
                                            "maj7" if prog_name == "ii-V-I" else "maj")
    if stated:
        if chart[0][0] != 0:
            chart = [(0, tonic_q)] + chart[:-1]
        chart[-1] = (0, tonic_q)
    return [((tonic + off) % 12, q) for off, q in chart], mode


def is_stated(chart, tonic):
    return chart[0][0] == tonic and chart[-1][0] == tonic


def mma_source(job, with_accomp):
    lines = [f"RndSeed {job['seed'] % 100000}", f"Use {os.path.join(MMA_LIB, job['groove_file'])}",
             f"Tempo {job['mma_tempo']:.2f}"]
    chart = job["chart"]
    acc = job.get("accomp")

    def groove(name):
        lines.append(f"Groove {name}")
        if with_accomp and acc:
            bass, chord, bseq, cseq = acc
            lines.extend(["Begin Bass-Unseen", f" Voice {bass}", " Octave 3", f" Sequence {bseq}",
                          " Articulate 90", "End", "Begin Chord-Unseen", f" Voice {chord}",
                          " Octave 5", f" Sequence {cseq}", " Articulate 90", "End"])
    current = None
    for bar, (root, q) in enumerate(chart):
        want = job["bar_grooves"][bar]
        if want != current:
            groove(want)
            current = want
        if job.get("tempo_change") and bar == job["tempo_change"][0]:
            lines.append(f"Tempo {job['tempo_change'][1]:.2f}")
        lines.append("Print BAR $_TickPos $_Time $_TimeSig")
        lines.append(f"{bar + 1} {chord_name(root, q)}")
    lines.append("Print END $_TickPos")
    return "\n".join(lines) + "\n"


def run_mma(src, tmp):
    path = os.path.join(tmp, "song.mma")
    with open(path, "w") as f:
        f.write(src)
    mid = os.path.join(tmp, "song.mid")
    p = subprocess.run(["mma", "-f", mid, path], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONHASHSEED="0"), cwd=tmp)
    if p.returncode != 0 or not os.path.exists(mid):
        raise RuntimeError(f"mma failed: {p.stdout[-300:]} {p.stderr[-300:]}")
    bars = [(int(m.group(1)), int(m.group(2))) for m in
            re.finditer(r"^BAR (\d+) (\d+)", p.stdout, re.M)]
    end = int(re.search(r"^END (\d+)", p.stdout, re.M).group(1))
    return mid, bars, end


def render_drums_kit(notes, tmap, kit_name):
    """Channel-10 notes through a Hydrogen kit; notes whose instrument the kit
    lacks are left out of audio and truth.  The truth class follows the GM
    note (a ride played on a kit's closed hat is still a cymbal).
    -> audio, [(time, class)], number dropped."""
    kit = kit_named(kit_name)
    strokes, dropped = [], 0
    for n in notes:
        role = GM_ROLE.get(n["pitch"])
        if role is None or role not in kit.roles:
            dropped += 1
            continue
        strokes.append((tmap.seconds(n["on"]), role, n["vel"] / 127.0, gm_class(n["pitch"])))
    strokes.sort()
    length = (strokes[-1][0] if strokes else 0.0) + 2.0
    x = mc.render_strokes(kit, [s[:3] for s in strokes], length)
    return x, [(t, c) for t, _, _, c in strokes], dropped


def mix_stems(drums, pitched, rng):
    """Drums and pitched parts at a realistic balance: pitched RMS from 6 dB
    under to 3 dB over the drums' RMS."""
    n = max(len(drums), len(pitched))
    d = np.pad(drums, (0, n - len(drums)))
    p = np.pad(pitched, (0, n - len(pitched)))

    def rms(v):
        return math.sqrt(float(np.mean(v ** 2))) or 1e-9
    if not np.any(d):
        return p
    if not np.any(p):
        return d
    gain_db = float(rng.uniform(-6.0, 3.0))
    return d / rms(d) + p / rms(p) * 10 ** (gain_db / 20)


EFFECTS = {
    "reverb": ["reverb", "50", "50", "90"],
    "reverb_big": ["reverb", "80", "50", "100"],
    "compand": ["compand", "0.002,0.15", "6:-50,-50,-30,-15,0,-8", "-3", "-60"],
    "eq_mid": ["equalizer", "2500", "1q", "-8"],
    "eq_bass": ["bass", "+6"],
    "eq_dark": ["treble", "-9"],
    "highpass": ["highpass", "90"],
}


def finish(x, effects, peak_db, seed):
    """Effects (sox; no pre-delay or look-ahead, so onsets stay put), a pink
    noise floor, then the clip's peak level."""
    for e in effects:
        if e.startswith("noise"):
            # pocketfft is slow on lengths with large prime factors: pad to a
            # multiple of 4800 (2, 3 and 5 only) and cut back
            n = -(-len(x) // 4800) * 4800
            x = mc.add_noise_floor(np.pad(x, (0, n - len(x))), float(e[5:]), seed)[:len(x)]
        else:
            x = mc.sox_effect(x, EFFECTS[e])
    peak = float(np.max(np.abs(x))) or 1e-9
    return x * (10 ** (peak_db / 20) / peak)


def clip_common(rng, allow_tempo_change):
    """Level, pickup silence, effects: drawn the same way for every source."""
    peak_db = round(float(rng.uniform(-40.0, -0.5)), 2)
    pickup = round(float(rng.uniform(0.1, 1.7)), 3) if rng.random() < 0.45 else 0.0
    effects = []
    r = rng.random()
    if r < 0.15:
        effects.append("reverb" if rng.random() < 0.6 else "reverb_big")
    elif r < 0.25:
        effects.append("compand")
    elif r < 0.35:
        effects.append(["eq_mid", "eq_bass", "eq_dark", "highpass"][int(rng.integers(4))])
    elif r < 0.45:
        effects += ["reverb", "compand"]
    if rng.random() < 0.2:
        effects.append(f"noise{int(rng.integers(22, 40))}")
    tempo_change = allow_tempo_change and rng.random() < 0.15
    return peak_db, pickup, effects, tempo_change


def plan_mma_clip(name, key, split, kits, sf_name, seed, index=1):
    """Draws everything about one MMA clip from its seed."""
    rng = np.random.default_rng(seed)
    family = FAMILY_OF.get(key, "other")
    names = groove_names(key)
    main, intro, fill, end = pick_grooves(names, rng, index)
    beat_len, beats_per_bar, meter = BEAT_OVERRIDE.get(key, (1, None, None))
    lo, hi = family_tempo_range(family)
    felt_bpm = round(float(rng.uniform(lo, hi)), 1)
    if family == "shuffle" and key in ("stdlib/blues", "casio/blues", "zoom/blues",
                                       "zoom/shuffle"):
        meter = "12/8"  # triplet-feel 4/4 written as 12/8 in Tandem's terms
    mma_tempo = felt_bpm * beat_len
    peak_db, pickup, effects, tempo_change = clip_common(rng, True)
    prog_names = list(PROGRESSIONS)
    if family in ("jazz", "jazzwaltz", "bossa", "fusion") and rng.random() < 0.5:
        prog = "ii-V-I"
    elif family in ("shuffle", "blues", "popshuffle", "rocknroll") and rng.random() < 0.5:
        prog = "blues"
    else:
        prog = prog_names[int(rng.integers(len(prog_names)))]
    tonic = int(rng.integers(12))
    stated = bool(rng.random() < 0.65)
    drum_src = "kit" if rng.random() < 0.5 else "sf"
    kit = kits[int(rng.integers(len(kits)))]
    mix = "both"
    r = rng.random()
    if r < 0.07:
        mix = "drums_only"
    elif r < 0.14:
        mix = "pitched_only"
    return dict(name=name, kind="mma", groove_file=key, family=family, split=split,
                seed=seed, grooves=dict(main=main, intro=intro, fill=fill, end=end),
                beat_len=beat_len, beats_per_bar=beats_per_bar, meter=meter,
                felt_bpm=felt_bpm, mma_tempo=mma_tempo, peak_db=peak_db, pickup=pickup,
                effects=effects, tempo_change=tempo_change, progression=prog, tonic=tonic,
                stated=stated, drum_src=drum_src, kit=kit, soundfont=sf_name, mix=mix,
                target_s=float(rng.uniform(14.0, 26.0)), use_intro=bool(rng.random() < 0.4),
                use_fill=bool(rng.random() < 0.5), use_end=bool(rng.random() < 0.4),
                accomp_pick=int(rng.integers(1000)), accomp=None)


def build_mma_job(plan, mma_time):
    """Chart and per-bar grooves, once the MMA bar length is known."""
    bar_beats = mma_time
    bar_s = bar_beats * 60.0 / plan["mma_tempo"]
    n_bars = max(4, int(round(plan["target_s"] / bar_s)))
    n_bars = min(n_bars, max(4, int(29.0 / bar_s)))
    chart, mode = make_chart(plan["progression"], plan["tonic"], n_bars, plan["stated"])
    g = plan["grooves"]
    bar_grooves = [g["main"]] * n_bars
    if plan["use_intro"] and g["intro"] and n_bars >= 8:
        for b in range(2):
            bar_grooves[b] = g["intro"]
    if plan["use_end"] and g["end"] and n_bars >= 8:
        for b in range(n_bars - 2, n_bars):
            bar_grooves[b] = g["end"]
    if plan["use_fill"] and g["fill"] and n_bars >= 6:
        bar_grooves[n_bars // 2 - 1] = g["fill"]
    job = dict(plan, chart=chart, mode=mode, bar_grooves=bar_grooves, n_bars=n_bars)
    if plan["tempo_change"] and n_bars >= 8 and not plan["meter"]:
        factor = 1.0 + (0.12 + 0.1 * (plan["seed"] % 7) / 6) * (1 if plan["seed"] % 2 else -1)
        job["tempo_change"] = (n_bars // 2, plan["mma_tempo"] * factor)
    else:
        job["tempo_change"] = None
    options = ACCOMP.get(int(mma_time), ACCOMP[4])
    job["accomp"] = options[plan["accomp_pick"] % len(options)]
    return job


def make_mma_clip(job_in):
    """Renders one MMA clip; returns (name, truth) or (name, error)."""
    t_start = time.perf_counter()
    name = job_in["name"]
    cal = CALIBRATION[job_in["soundfont"]]
    sf = SOUND_FONTS[job_in["soundfont"]]
    with tempfile.TemporaryDirectory() as tmp:
        # First pass at one bar to learn the groove's Time (MMA beats a bar).
        probe = dict(job_in, chart=[(0, "maj")], bar_grooves=[job_in["grooves"]["main"]],
                     tempo_change=None, accomp=None)
        _, bars, _ = run_mma(mma_source(probe, False), tmp)
        mma_time = bars[0][1]
        job = build_mma_job(job_in, mma_time)
        mid, bars, end_tick = run_mma(mma_source(job, False), tmp)
        ppq, _, notes, tempos, programs = read_smf(mid)
        added_accomp = False
        if not any(n["ch"] != 9 for n in notes) and job["mix"] != "drums_only":
            mid, bars, end_tick = run_mma(mma_source(job, True), tmp)
            ppq, _, notes, tempos, programs = read_smf(mid)
            added_accomp = True
        tmap = TempoMap(ppq, tempos)
        dmid, pmid = os.path.join(tmp, "d.mid"), os.path.join(tmp, "p.mid")
        split_smf(mid, dmid, pmid)
        drum_notes = [n for n in notes if n["ch"] == 9]
        pitched_notes = [n for n in notes if n["ch"] != 9]
        mix = job["mix"]
        if not drum_notes:
            mix = "pitched_only"
        if not pitched_notes:
            mix = "drums_only"
        rng = np.random.default_rng(job["seed"] + 1)
        # Sound-font drums with pitched parts: one render of the whole file,
        # at the groove's own balance; kit drums are mixed with the pitched
        # stem at a drawn balance (mix_stems).
        one_pass = mix == "both" and job["drum_src"] == "sf"
        drum_audio, strokes, dropped = np.zeros(1), [], 0
        if mix != "pitched_only":
            if job["drum_src"] == "kit":
                drum_audio, strokes, dropped = render_drums_kit(drum_notes, tmap, job["kit"])
            else:
                if not one_pass:
                    drum_audio = fluidsynth(sf, dmid, os.path.join(tmp, "d.wav"))
                for n in drum_notes:
                    lat = cal["drums"].get(str(n["pitch"]))
                    if lat is None:
                        dropped += 1
                        continue
                    strokes.append((tmap.seconds(n["on"]) + lat, gm_class(n["pitch"])))
        pitched_audio, hard, soft = np.zeros(1), [], []
        if mix != "drums_only":
            pitched_audio = fluidsynth(sf, mid if one_pass else pmid, os.path.join(tmp, "p.wav"))
            for n in pitched_notes:
                prog = program_at(programs, n["ch"], n["on"])
                lat, rise = cal["programs"].get(str(prog), [None, None])
                if lat is None:
                    continue
                t = tmap.seconds(n["on"])
                if rise > SLOW_RISE_S or lat > SLOW_RISE_S:
                    soft.append(t + lat)
                else:
                    hard.append(t + lat)
        x = pitched_audio if one_pass else mix_stems(drum_audio, pitched_audio, rng)
        end_s = tmap.seconds(end_tick)
        x = x[:int((end_s + 1.5) * RATE)]
        pick = int(round(job["pickup"] * RATE))
        x = np.concatenate([np.zeros(pick), x])
        x = finish(x, job["effects"], job["peak_db"], job["seed"])
    off = job["pickup"]
    beats, downbeats = mma_beats(bars, end_tick, tmap, job)
    truth = base_truth(job, strokes, hard, soft, off)
    seg = tempo_segments(job, tmap, bars, off)
    edges = [tmap.seconds(t) + off for t, _ in bars] + [tmap.seconds(end_tick) + off]
    chords = [dict(time=b, name=mc.PITCH_NAMES[root] + MMA_SUFFIX[q])
              for bar, (root, q) in enumerate(job["chart"])
              for b in beats if edges[bar] - 1e-6 <= b < edges[bar + 1] - 1e-6]
    truth.update(
        source="mma", groove_file=job["groove_file"], grooves_used=sorted(set(job["bar_grooves"])),
        family=job["family"], style=job["family"] if job["family"] in SHIPPED_STYLES else None,
        meter=job["meter"] or ("4/4" if mma_time == 4 else f"{mma_time}/4"),
        mma_time=mma_time, tempo_bpm=None if len(seg) > 1 else seg[0]["bpm"],
        tempo_segments=seg, beats=beats, downbeats=downbeats,
        first_downbeat_s=downbeats[0] if downbeats else None,
        has_drums=bool(truth["drums_count"]), has_pitched=bool(hard or soft),
        key=(mc.PITCH_NAMES[job["tonic"]] + " " + job["mode"]) if (hard or soft) else None,
        key_stated=bool(is_stated(job["chart"], job["tonic"])) and bool(hard or soft),
        progression=job["progression"], chords=chords if (hard or soft) else [],
        drum_source=("kit:" + job["kit"]) if job["drum_src"] == "kit" else "sf:" + job["soundfont"],
        kit=job["kit"] if job["drum_src"] == "kit" and strokes else None,
        soundfont=job["soundfont"], accompaniment_added=added_accomp,
        dropped_drum_notes=dropped, mix=mix, one_pass_render=one_pass,
        render_s=round(time.perf_counter() - t_start, 2))
    if truth["tempo_segments"] and len(seg) > 1:
        truth["tempo_step_s"] = seg[1]["start_s"]
    if not truth["has_drums"] or not strokes:
        truth["kit"] = None
    return save_clip(name, x, truth)


def program_at(programs, ch, tick):
    prog = 0
    for t, p in programs.get(ch, []):
        if t <= tick:
            prog = p
    return prog


def mma_beats(bars, end_tick, tmap, job):
    """Felt beats and downbeats (seconds, pickup included) from MMA's bar ticks."""
    beats, downs = [], []
    key = job["groove_file"]
    per_real_bar = BEATS_PER_REAL_BAR.get(key)
    ticks = [b[0] for b in bars] + [end_tick]
    for k in range(len(bars)):
        t0, t1 = ticks[k], ticks[k + 1]
        mma_time = bars[k][1]
        per_bar = job["beats_per_bar"] or mma_time
        step = (t1 - t0) / per_bar
        for i in range(per_bar):
            t = tmap.seconds(t0 + i * step) + job["pickup"]
            beats.append(round(t, 6))
            if i == 0 or (per_real_bar and i % per_real_bar == 0):
                downs.append(round(t, 6))
    return beats, downs


def tempo_segments(job, tmap, bars, off):
    segs = []
    for tick, us, s in tmap.points:
        bpm = round(60e6 / us / job["beat_len"], 3)
        if segs and abs(segs[-1]["bpm"] - bpm) < 1e-3:
            continue
        segs.append(dict(start_s=round(s + off, 6), bpm=bpm))
    return segs


def base_truth(job, strokes, hard, soft, off):
    """Onsets (drum strokes and hard pitched attacks), their classes, soft
    attacks, and per-drum lists, all shifted by the pickup silence."""
    items = sorted([(t + off, c) for t, c in strokes] + [(t + off, "other") for t in hard])
    drums = {c: [] for c in ("kick", "snare", "hat", "tom", "perc")}
    for t, c in strokes:
        drums[c].append(round(t + off, 6))
    for c in drums:
        drums[c].sort()
    return dict(split=job["split"], seed=job["seed"], peak_dbfs=job["peak_db"],
                pickup_s=job["pickup"], effects=job["effects"],
                onsets=[round(t, 6) for t, _ in items], onset_classes=[c for _, c in items],
                soft_onsets=sorted(round(t + off, 6) for t in soft), drums=drums,
                drums_count=len(strokes))


def save_clip(name, x, truth):
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    truth["peak_dbfs"] = round(20 * math.log10(max(peak, 1e-9)), 2)
    mc.save(name, x, truth, OUT_DIR)
    with open(os.path.join(OUT_DIR, name + ".json")) as f:
        return name, json.load(f)


# ---------------------------------------------------------------- Hydrogen


def read_h2song(path):
    r = ET.parse(path).getroot()
    names = {i.findtext("id"): (i.findtext("name") or "")
             for i in r.find("instrumentList").findall("instrument")}
    patterns = {}
    for p in r.find("patternList").findall("pattern"):
        notes = []
        for n in p.iter("note"):
            if (n.findtext("note_off") or "false") == "true":
                continue
            notes.append((int(n.findtext("position")), names.get(n.findtext("instrument"), ""),
                          float(n.findtext("velocity") or 0.8),
                          float(n.findtext("leadlag") or 0.0),
                          float(n.findtext("probability") or 1.0)))
        patterns[p.findtext("name")] = (int(p.findtext("size") or 192), notes)
    order = [[g.text for g in grp.findall("patternID")]
             for grp in r.find("patternSequence").findall("group")]
    return dict(bpm=float(r.findtext("bpm")), swing=float(r.findtext("swing_factor") or 0),
                humanize=float(r.findtext("humanize_time") or 0), patterns=patterns,
                order=order, instruments=sorted(set(names.values())))


H2_FAMILY = {"GM_kit_Diddley": "rocknroll", "GM_kit_Jazzy": "jazz", "GM_kit_demo1": "pop16",
             "GM_kit_demo2": "pop16", "GM_kit_demo3": "pop16", "TR808kit-demo": "electro",
             "tutorial_georgyporgy": "rnb"}
H2_TICKS_PER_BEAT = 48


def plan_h2_clip(name, song, split, kits, seed, n_groups):
    rng = np.random.default_rng(seed)
    peak_db, pickup, effects, _ = clip_common(rng, False)
    return dict(name=name, kind="hydrogen", song=song, split=split, seed=seed,
                kit=kits[int(rng.integers(len(kits)))], peak_db=peak_db, pickup=pickup,
                effects=effects, tempo_factor=float([0.92, 1.0, 1.0, 1.08][int(rng.integers(4))]),
                start_group=int(rng.integers(max(1, n_groups))),
                target_s=float(rng.uniform(14, 26)))


def make_h2_clip(job):
    t_start = time.perf_counter()
    song = read_h2song(os.path.join(H2_SONGS, job["song"] + ".h2song"))
    rng = np.random.default_rng(job["seed"] + 1)
    bpm = round(song["bpm"] * job["tempo_factor"], 2)
    tick_s = 60.0 / bpm / H2_TICKS_PER_BEAT
    groups = [g for g in song["order"] if g]
    kit = kit_named(job["kit"])
    strokes, beats, downs, dropped = [], [], [], 0
    tick, k = 0, job["start_group"] % len(groups)
    off = job["pickup"]
    while tick * tick_s < job["target_s"]:
        group = groups[k % len(groups)]
        size = max(song["patterns"][p][0] for p in group if p in song["patterns"])
        for b in range(size // H2_TICKS_PER_BEAT):
            t = off + (tick + b * H2_TICKS_PER_BEAT) * tick_s
            beats.append(round(t, 6))
            if b == 0:
                downs.append(round(t, 6))
        for p in group:
            for pos, iname, vel, leadlag, prob in song["patterns"].get(p, (0, []))[1]:
                if prob < 1.0 and rng.random() > prob:
                    continue
                role = role_of_name(iname)
                if role is None or role not in kit.roles:
                    dropped += 1
                    continue
                shift = 0.0
                if pos % 12 == 0 and pos % 24 != 0:  # off-beat sixteenths swing
                    shift += song["swing"] * 6
                shift += leadlag * 5
                t = off + (tick + pos + shift) * tick_s
                t += float(rng.normal(0, 0.004 * song["humanize"])) if song["humanize"] else 0.0
                strokes.append((max(off, t), role, min(1.0, max(0.05, vel)), ROLE_TRUTH[role]))
        tick += size
        k += 1
    strokes.sort()
    x = mc.render_strokes(kit, [s[:3] for s in strokes], tick * tick_s + off + 1.5)
    x = x[:int((off + tick * tick_s + 1.5) * RATE)]
    x = finish(x, job["effects"], job["peak_db"], job["seed"])
    fam = H2_FAMILY.get(job["song"], "other")
    truth = base_truth(dict(job, peak_db=job["peak_db"]), [(t - off, c) for t, _, _, c in strokes],
                       [], [], off)
    truth.update(source="hydrogen", hydrogen_song=job["song"], family=fam,
                 style=fam if fam in SHIPPED_STYLES else None, meter="4/4", tempo_bpm=bpm,
                 tempo_segments=[dict(start_s=off, bpm=bpm)], beats=beats, downbeats=downs,
                 first_downbeat_s=downs[0], has_drums=True, has_pitched=False, key=None,
                 key_stated=False, chords=[], drum_source="kit:" + job["kit"], kit=job["kit"],
                 soundfont=None, dropped_drum_notes=dropped, mix="drums_only",
                 swing_factor=song["swing"], render_s=round(time.perf_counter() - t_start, 2))
    return save_clip(job["name"], x, truth)


# ---------------------------------------------------------------- the corpus

CLIPS_PER_SHIPPED_STYLE = 7  # at least this many clips per mapped family, spread over its files
UNMAPPED_FILES_PER_FAMILY = 3
LADDER_LEVELS = (-40.0, -27.0, -14.0, -1.0)


def groove_files():
    keys = []
    for folder in sorted(os.listdir(MMA_LIB)):
        d = os.path.join(MMA_LIB, folder)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith(".mma"):
                key = f"{folder}/{f[:-4]}"
                if key not in EXCLUDE and groove_names(key):
                    keys.append(key)
    return keys


def assign_splits():
    keys = groove_files()
    by_family = {}
    for k in keys:
        by_family.setdefault(FAMILY_OF.get(k, "other"), []).append(k)
    groove_split = split_stratified(by_family)
    kits = usable_kits()
    kit_split = split_small_set(kits)
    sf_split = split_small_set([s for s in SOUND_FONTS if os.path.exists(SOUND_FONTS[s])],
                               TUNED_ON)
    songs = sorted(f[:-7] for f in os.listdir(H2_SONGS) if f.endswith(".h2song"))
    song_split = split_small_set(songs)
    return dict(groove_files=groove_split, kits=kit_split, soundfonts=sf_split,
                hydrogen_songs=song_split, families=by_family)


def plan_corpus(splits):
    """Every clip's plan.  Shipped-style families get CLIPS_PER_SHIPPED_STYLE
    clips spread over their files; other families UNMAPPED_FILES_PER_FAMILY
    files, one clip each.  Hydrogen songs: 3 excerpts each
    (Georgy Porgy, 100 bars, 5)."""
    def members(kind, split):
        return sorted(n for n, s in splits[kind].items() if s == split)
    plans = []
    for family, files in sorted(splits["families"].items()):
        order = sorted(files, key=stable_hash)
        if family in SHIPPED_STYLES:
            picks = [order[i % len(order)] for i in range(max(len(order),
                                                              CLIPS_PER_SHIPPED_STYLE))]
        else:
            # the first file of each split (test first), then hash order: a
            # family with files in every split reaches every split
            firsts = [next((k for k in order if splits["groove_files"][k] == s), None)
                      for s in ("test", "dev", "train")]
            picks = [k for k in firsts if k]
            picks = (picks + [k for k in order if k not in picks])[:UNMAPPED_FILES_PER_FAMILY]
        seen = {}
        for key in picks:
            seen[key] = seen.get(key, 0) + 1
            split = splits["groove_files"][key]
            sf = members("soundfonts", split)[0]
            tag = re.sub(r"[^a-z0-9]+", "", key.split("/")[1].lower())[:12]
            name = f"mma_{key.split('/')[0]}_{tag}_{seen[key]}"
            seed = stable_hash(name) % 1_000_000_000
            plans.append(plan_mma_clip(name, key, split, members("kits", split), sf, seed,
                                       seen[key]))
    for song, split in sorted(splits["hydrogen_songs"].items()):
        s = read_h2song(os.path.join(H2_SONGS, song + ".h2song"))
        n = 5 if len(s["order"]) > 60 else 3
        for i in range(n):
            name = f"h2_{re.sub(r'[^a-z0-9]+', '', song.lower())}_{i + 1}"
            plans.append(plan_h2_clip(name, song, split, members("kits", split),
                                      stable_hash(name) % 1_000_000_000, len(s["order"])))
    return plans


def run_job(plan):
    try:
        if plan["kind"] == "mma":
            return make_mma_clip(plan)
        return make_h2_clip(plan)
    except Exception as e:  # noqa: BLE001 (reported, the corpus goes on)
        return plan["name"], f"{type(e).__name__}: {e}"


def ladder(clips, out_dir):
    """Level ladder: per split, two clips with drums, pitched parts and one
    tempo, copied at LADDER_LEVELS (same audio, only the gain differs)."""
    made = []
    for split in SPLITS:
        cands = sorted((n for n, t in clips.items() if t["split"] == split and t["has_drums"]
                        and t["has_pitched"] and t.get("tempo_bpm") and t.get("style")),
                       key=stable_hash)[:2]
        for base in cands:
            x = mc.load_audio(os.path.join(out_dir, base + ".wav"))
            peak = float(np.max(np.abs(x))) or 1e-9
            for lvl in LADDER_LEVELS:
                name = f"ladder_{base}_{int(-lvl)}dB"
                truth = {k: v for k, v in clips[base].items()
                         if k not in ("file", "sample_rate", "duration_s")}
                truth.update(ladder_of=base, ladder_level=lvl)
                made.append(save_clip(name, x * (10 ** (lvl / 20) / peak), truth))
    return made


CALIBRATION = {}
OUT_DIR = None


def corpus_summary(clips):
    """Per split: clip count and minutes, the sources used, shipped styles and
    other families with their clip counts, and the special clips."""
    out = {}
    for split in SPLITS:
        cs = [t for t in clips.values() if t["split"] == split]
        base = [t for t in cs if not t.get("ladder_of")]

        def count(key):
            res = {}
            for t in base:
                if t.get(key):
                    res[t[key]] = res.get(t[key], 0) + 1
            return dict(sorted(res.items()))
        out[split] = dict(
            clips=len(cs), ladder_copies=len(cs) - len(base),
            minutes=round(sum(t["duration_s"] for t in cs) / 60, 2),
            groove_files=sorted({t["groove_file"] for t in base if t.get("groove_file")}),
            hydrogen_songs=sorted({t["hydrogen_song"] for t in base if t.get("hydrogen_song")}),
            kits=sorted({t["kit"] for t in base if t.get("kit")}),
            soundfonts=sorted({t["soundfont"] for t in base if t.get("soundfont")}),
            styles=count("style"),
            other_families={k: v for k, v in count("family").items() if k not in SHIPPED_STYLES},
            drums_only=sum(1 for t in base if t["has_drums"] and not t["has_pitched"]),
            pitched_only=sum(1 for t in base if t["has_pitched"] and not t["has_drums"]),
            key_stated=sum(1 for t in base if t.get("key_stated")),
            tempo_change=sum(1 for t in base if len(t.get("tempo_segments") or []) > 1),
            pickup=sum(1 for t in base if t.get("pickup_s")),
            meters=count("meter"))
    return out


def _init(out_dir, calibration):
    global OUT_DIR, CALIBRATION
    OUT_DIR = out_dir
    CALIBRATION = calibration


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="",
                    help="render only clips whose name has one of these (comma-separated)")
    ap.add_argument("--list", action="store_true",
                    help="print the splits and plans, render nothing")
    args = ap.parse_args()
    for need in (MMA_LIB, H2_SONGS, mc.KIT_ROOT):
        if not os.path.isdir(need):
            sys.exit(f"make_unseen: {need} is missing (mma, hydrogen-data, hydrogen-drumkits)")
    t0 = time.perf_counter()
    splits = assign_splits()
    plans = plan_corpus(splits)
    if args.list:
        for p in plans:
            print(p["split"], p["name"], p.get("groove_file") or p.get("song"),
                  p.get("family", ""), p.get("kit"), p.get("soundfont", ""))
        print(len(plans), "clips planned")
        return 0
    out = os.path.abspath(args.out_dir)
    os.makedirs(out, exist_ok=True)
    plans = [p for p in plans if any(s in p["name"] for s in args.only.split(","))]
    with Pool(args.jobs) as pool:
        calibration = dict(pool.map(calibrate, sorted(SOUND_FONTS), chunksize=1))
    with open(os.path.join(out, "calibration.json"), "w") as f:
        json.dump(calibration, f, indent=1)
    # Longest jobs first keeps both workers busy to the end.
    plans.sort(key=lambda p: (p["kind"] != "mma", -p.get("target_s", 0)))
    with Pool(args.jobs, initializer=_init, initargs=(out, calibration)) as pool:
        results = pool.map(run_job, plans, chunksize=1)
    clips, failed = {}, {}
    for name, res in results:
        if isinstance(res, dict):
            clips[name] = res
        else:
            failed[name] = res
    _init(out, calibration)
    for name, truth in ladder(clips, out):
        clips[name] = truth
    index = []
    for name in sorted(clips):
        t = clips[name]
        srcs = {k: t.get(k) for k in ("groove_file", "hydrogen_song", "kit", "soundfont")
                if t.get(k)}
        index.append(dict(name=name, split=t["split"], sources=srcs, family=t["family"],
                          style=t.get("style"), duration_s=t["duration_s"],
                          ladder_of=t.get("ladder_of")))
    summary = corpus_summary(clips)
    with open(os.path.join(out, "corpus.json"), "w") as f:
        json.dump(dict(generator="tests/bench/unseen/make_unseen.py",
                       splits={kind: splits[kind] for kind in
                               ("groove_files", "kits", "soundfonts", "hydrogen_songs")},
                       tuned_on=TUNED_ON, summary=summary, failed=failed, clips=index),
                  f, indent=1)
    for name, err in sorted(failed.items()):
        print(f"make_unseen: {name} failed: {err}", file=sys.stderr)
    print(f"make_unseen: {len(clips)} clips in {out} in {time.perf_counter() - t0:.0f} s"
          + (f"; {len(failed)} failed" if failed else ""))
    for split in SPLITS:
        s = summary[split]
        print(f"  {split}: {s['clips']} clips ({s['ladder_copies']} level-ladder copies), "
              f"{s['minutes']:.1f} min; {len(s['groove_files'])} groove files, "
              f"{len(s['hydrogen_songs'])} Hydrogen songs, kits {', '.join(s['kits'])}; "
              f"sound fonts {', '.join(s['soundfonts'])}; styles {s['styles']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
