#!/usr/bin/python3
"""Renders the Tandem analysis benchmark corpus, with exact ground truth.

Drum clips are built from the sample kits that Debian ships with Hydrogen
(hydrogen-drumkits); pitched clips are rendered by FluidSynth from MIDI files
written here, with the FluidR3 GM sound font.  Nothing is downloaded.  Each
clip is a 48 kHz mono 16-bit WAV with a JSON file of the same stem beside it.

Usage: make_corpus.py OUT_DIR [--jobs N] [--only SUBSTRING]

Ground truth is exact because we place every sample ourselves: each kit sample
is trimmed to its first audible frame, so a stroke's onset is where it starts.
"""

import argparse
import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import wave
import xml.etree.ElementTree as ET
from multiprocessing import Pool

import numpy as np

RATE = 48000
KIT_ROOT = "/usr/share/hydrogen/data/drumkits"
SOUND_FONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
PITCH_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
CHORD_SUFFIX = {"maj": "", "min": "m", "7": "7", "sus4": "sus4", "sus2": "sus2"}
CHORD_STEPS = {"maj": (0, 4, 7), "min": (0, 3, 7), "7": (0, 4, 7, 10),
               "sus4": (0, 5, 7), "sus2": (0, 2, 7)}
LEAD_IN_S = 0.5  # silence before the first beat, so detectors start cold

# ---------------------------------------------------------------- audio I/O


def load_audio(path):
    """Any format sox reads -> float32 mono at RATE."""
    raw = subprocess.run(["sox", "-V1", "-G", path, "-t", "f32", "-c", "1", "-r", str(RATE), "-"],
                         check=True, stdout=subprocess.PIPE).stdout
    return np.frombuffer(raw, dtype=np.float32).astype(np.float64)


def write_wav(path, x):
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def normalize(x, peak_db=-1.0):
    peak = np.max(np.abs(x)) if len(x) else 0.0
    return x if peak <= 0 else x * (10 ** (peak_db / 20) / peak)


def sox_effect(x, effect_args):
    """Runs a sox effect chain on x.  Effects used here add no delay, so onset
    times stay exact (reverb has zero pre-delay, compand has zero look-ahead)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.wav")
        dst = os.path.join(tmp, "out.wav")
        write_wav(src, normalize(x, -6.0))
        subprocess.run(["sox", "-q", src, "-b", "32", "-e", "floating-point", dst]
                       + effect_args, check=True)
        y = load_audio(dst)
    return y[:len(x)] if len(y) >= len(x) else np.pad(y, (0, len(x) - len(y)))


def add_noise_floor(x, below_db, seed):
    """Adds pink noise (shaped by 1/sqrt(f) in the frequency domain) below_db
    under the clip's RMS."""
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(len(x)))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    pink = np.fft.irfft(spec / np.sqrt(f), len(x))
    rms_x = math.sqrt(np.mean(x ** 2)) or 1e-9
    rms_n = math.sqrt(np.mean(pink ** 2)) or 1e-9
    return x + pink * (rms_x / rms_n) * 10 ** (-below_db / 20)


# ---------------------------------------------------------------- drum kits

ROLE_PATTERNS = {
    "kick": [r"kick", r"bass ?drum", r"bassdrum", r"\bbd\b"],
    "snare": [r"snare(?!.*(roll|rim|jazz))", r"snare(?!.*roll)"],
    "hat": [r"(closed|\bcl\b).*(hh|hat)", r"(hh|hat).*(closed|\bcl\b)"],
    "ohat": [r"open.*(hh|hat)", r"(hh|hat).*(open|\bop\b)"],
    "pedal": [r"pedal.*(hh|hat)", r"(hh|hat).*(pedal|\bpd\b|foot)"],
    "ride": [r"ride(?!.*(bell|cup|crash))"],
    "clap": [r"clap"],
    "rim": [r"side ?stick", r"\bstick\b", r"rim ?click"],
}
ROLE_FALLBACK = {"ohat": "hat", "pedal": "hat", "ride": "hat", "clap": "snare",
                 "rim": "snare"}
ROLE_CLASS = {"kick": "kick", "snare": "snare", "clap": "snare", "rim": "snare",
              "hat": "hat", "ohat": "hat", "pedal": "hat", "ride": "hat"}


class Kit:
    """A Hydrogen kit: instruments found by name in drumkit.xml, velocity layers."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(KIT_ROOT, name)
        root = ET.parse(os.path.join(self.dir, "drumkit.xml")).getroot()
        ns = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
        self.instruments = []
        for ins in root.iter(ns + "instrument"):
            iname = (ins.findtext(ns + "name") or "").strip()
            layers = []
            for layer in ins.iter(ns + "layer"):
                fn = layer.findtext(ns + "filename")
                if not fn or "empty" in fn.lower():
                    continue
                layers.append((fn, float(layer.findtext(ns + "min") or 0),
                               float(layer.findtext(ns + "max") or 1),
                               float(layer.findtext(ns + "gain") or 1)))
            if not layers:
                fn = ins.findtext(ns + "filename")  # old single-file format
                if fn and "empty" not in fn.lower():
                    layers.append((fn, 0.0, 1.0, 1.0))
            if layers:
                self.instruments.append((iname, layers))
        self.cache = {}
        self.roles = {}
        for role in ROLE_PATTERNS:
            found = self._find(role)
            if found is not None:
                self.roles[role] = found
        for role, fb in ROLE_FALLBACK.items():
            if role not in self.roles and fb in self.roles:
                self.roles[role] = self.roles[fb]
        for need in ("kick", "snare", "hat"):
            if need not in self.roles:
                raise SystemExit(f"kit {name}: no {need} instrument found in drumkit.xml")

    def _find(self, role):
        for pat in ROLE_PATTERNS[role]:
            for iname, layers in self.instruments:
                if re.search(pat, iname.lower()):
                    return (iname, layers)
        return None

    def sample(self, role, velocity):
        """The trimmed sample for a stroke of velocity 0..1, times its layer gain."""
        iname, layers = self.roles[role]
        layer = layers[0]
        for cand in layers:
            if cand[1] <= velocity <= cand[2]:
                layer = cand
                break
        key = layer[0]
        if key not in self.cache:
            x = load_audio(os.path.join(self.dir, layer[0]))
            peak = np.max(np.abs(x)) if len(x) else 0.0
            if peak <= 0:
                raise SystemExit(f"kit {self.name}: silent sample {layer[0]}")
            # The onset is the first frame above -34 dB of the peak; cutting the
            # lead-in makes the placement time the true onset.
            start = int(np.argmax(np.abs(x) > 0.02 * peak))
            x = x[start:start + int(1.5 * RATE)]
            fade = min(len(x), int(0.05 * RATE))
            x[len(x) - fade:] *= np.linspace(1, 0, fade)
            self.cache[key] = x
        return self.cache[key] * layer[3]


# ---------------------------------------------------------------- drum styles

# Patterns: one char per step, steps_per_beat steps a beat, 4 beats a bar; '|'
# separates bars (for readability only).  X accent, x normal, o softer, g ghost,
# r a two-stroke roll (step and half a step later).
VEL = {"X": 1.0, "x": 0.82, "o": 0.62, "g": 0.25, "r": 0.6}

STYLES = {
    "ballad": dict(bpm=64, spb=4, kit="The Black Pearl 1.0", human_ms=4, ghost=0.04,
                   pat={"hat": "x.o.x.o.x.o.x.o.", "kick": "x.........x.....",
                        "snare": "....x.......x..."}),
    "reggae_onedrop": dict(bpm=76, spb=3, kit="BJA_Pacific", human_ms=3,
                           pat={"hat": "x.ox.ox.ox.o", "kick": "......x.....",
                                "rim": "......x....."}),
    "hiphop": dict(bpm=90, spb=4, kit="rumpf_kit_z01_h2", swing=0.6, ghost=0.08,
                   pat={"hat": "x.o.x.o.x.ooxo.o", "kick": "x.....x...x..x..",
                        "snare": "....x.......x..."}),
    "shuffle": dict(bpm=96, spb=3, kit="Millo-Drums_v.1", human_ms=4, ghost=0.1,
                    pat={"hat": "x.ox.ox.ox.o", "kick": "x.....x..x..",
                         "snare": "...x.....x.."}),
    "funk": dict(bpm=104, spb=4, kit="Millo_MultiLayered2", swing=0.54, ghost=0.18,
                 human_ms=3,
                 pat={"hat": "xoooxoooxoooxooo", "kick": "x..x..x...x..x..",
                      "snare": "....x..g.g..x..g"}),
    "rock": dict(bpm=120, spb=4, kit="ForzeeStereo", human_ms=4, ghost=0.03,
                 pat={"hat": "x.o.x.o.x.o.x.o.", "kick": "x.......x.x.....",
                      "snare": "....x.......x..."}),
    "house": dict(bpm=124, spb=4, kit="HardElectro1",
                  pat={"kick": "x...x...x...x...", "clap": "....x.......x...",
                       "ohat": "..x...x...x...x.", "hat": "o..oo..oo..oo..o"}),
    "techno": dict(bpm=132, spb=4, kit="ElectricEmpireKit",
                   pat={"kick": "x...x...x...x...", "hat": "o.x.o.x.o.x.o.x.",
                        "clap": "....x.......x..."}),
    "bossa": dict(bpm=136, spb=4, kit="ColomboAcousticDrumkit", human_ms=3,
                  pat={"kick": "x..xx..xx..xx..x|x..xx..xx..xx..x",
                       "rim": "x..x..x...x..x..|..x..x...x..x...",
                       "hat": "o.o.o.o.o.o.o.o.|o.o.o.o.o.o.o.o."}),
    "trap": dict(bpm=140, spb=4, kit="ElectricEmpireKit",
                 pat={"kick": "x......x..x.....|x.x.......x..x..",
                      "snare": "........x.......|........x.......",
                      "hat": "xoxoxoxrxoxoxoxo|xoxoxoxoxorrxoxo"}),
    "breakbeat": dict(bpm=150, spb=4, kit="Millo_MultiLayered3", human_ms=2, ghost=0.06,
                      pat={"kick": "x.x.......xx....|x.x.......x.....",
                           "snare": "....x..g.g..x..g|.g.gx..g.g..x..g",
                           "hat": "x.x.x.x.x.x.x.x.|x.x.x.x.x.x.x.x."}),
    "jazz_swing": dict(bpm=160, spb=3, kit="Millo_MultiLayered2", human_ms=5, ghost=0.1,
                       pat={"ride": "x..x.ox..x.o", "pedal": "...x.....x..",
                            "kick": "g..g..g..g.."}),
    "dnb": dict(bpm=174, spb=4, kit="VariBreaks", ghost=0.12, human_ms=1,
                pat={"kick": "x.........x.....|x.x.......x.....",
                     "snare": "....x.......x...|....x.......x...",
                     "hat": "x.x.x.x.x.x.x.x.|x.x.x.x.x.x.x.x."}),
    "hardcore": dict(bpm=190, spb=4, kit="HardElectro1",
                     pat={"kick": "x...x...x...x...", "ohat": "..x...x...x...x.",
                          "clap": "....x.......x..."}),
    "punk": dict(bpm=200, spb=4, kit="ForzeeStereo", human_ms=3,
                 pat={"kick": "x...x...x...x...", "snare": "..x...x...x...x.",
                      "hat": "x.x.x.x.x.x.x.x."}),
}


def beat_times(tempo_map, n_bars, beats_per_bar=4):
    """tempo_map: [(first_bar, bpm), ...] -> beat times in seconds (plus the end)."""
    times = []
    t = LEAD_IN_S
    for bar in range(n_bars):
        bpm = [b for first, b in tempo_map if first <= bar][-1]
        for _ in range(beats_per_bar):
            times.append(t)
            t += 60.0 / bpm
    times.append(t)
    return times


def drum_strokes(style, beats, rng):
    """Strokes (time_s, role, velocity 0..1) for a style over the given beats."""
    s = STYLES[style]
    spb = s["spb"]
    pats = {role: p.replace("|", "") for role, p in s["pat"].items()}
    n_beats = len(beats) - 1
    swing = s.get("swing", 0.5)
    human = s.get("human_ms", 0) / 1000.0
    strokes = []
    for beat in range(n_beats):
        t0, t1 = beats[beat], beats[beat + 1]
        step_len = (t1 - t0) / spb
        for role, pat in pats.items():
            pat_beats = len(pat) // spb
            for k in range(spb):
                ch = pat[(beat % pat_beats) * spb + k]
                if ch == "." and role == "snare" and spb == 4 and k % 2 == 1 \
                        and rng.random() < s.get("ghost", 0.0):
                    ch = "g"  # random ghost notes on empty off-beat sixteenths
                if ch == ".":
                    continue
                t = t0 + k * step_len
                if spb == 4 and k % 2 == 1:
                    t += (2 * swing - 1) * step_len
                t += rng.normal(0, human) if human else 0.0
                vel = min(1.0, max(0.05, VEL[ch] + rng.normal(0, 0.04)))
                strokes.append((t, role, vel))
                if ch == "r":
                    strokes.append((t + step_len / 2, role, vel * 0.9))
        if "snare" not in pats and s.get("ghost", 0) and spb == 3:
            # Swing comping: occasional soft snare on the last triplet.
            if rng.random() < s["ghost"] * 3:
                strokes.append((t0 + 2 * (t1 - t0) / 3, "snare", 0.3))
    strokes.sort()
    return strokes


# Mix level (peak) per role: kits ship samples at arbitrary levels, so every
# sample is normalised and then set where a drummer's balance would put it.
ROLE_LEVEL = {"kick": 1.0, "snare": 0.85, "clap": 0.8, "rim": 0.6, "hat": 0.45,
              "ohat": 0.45, "pedal": 0.35, "ride": 0.45}
# A new stroke cuts the previous one of its group, as a drum machine voice or a
# closing hi-hat does; without it long samples pile up into a wash at fast tempi.
CHOKE_GROUP = {"kick": "kick", "snare": "snare", "clap": "clap", "rim": "rim",
               "hat": "hat", "ohat": "hat", "pedal": "hat", "ride": "ride"}
CHOKE_FADE_S = 0.004


def render_strokes(kit, strokes, length_s):
    out = np.zeros(int(length_s * RATE) + RATE)
    starts = [int(round(t * RATE)) for t, _, _ in strokes]
    next_in_group = [len(out)] * len(strokes)
    last = {}
    for k, (_, role, _) in enumerate(strokes):
        g = CHOKE_GROUP[role]
        if g in last:
            next_in_group[last[g]] = starts[k]
        last[g] = k
    fade = int(CHOKE_FADE_S * RATE)
    for k, (t, role, vel) in enumerate(strokes):
        x = kit.sample(role, vel)
        x = x * (ROLE_LEVEL[role] * (0.15 + 0.85 * vel ** 1.5) / np.max(np.abs(x)))
        i = starts[k]
        n = min(len(x), next_in_group[k] - i, len(out) - i)
        if n <= 0:
            continue
        choked = n < len(x) and n == next_in_group[k] - i
        x = x[:n].copy()
        if choked:
            f = min(fade, n)
            x[n - f:] *= np.linspace(1, 0, f)
        out[i:i + n] += x
    return out


def drum_truth(strokes):
    return ([round(t, 6) for t, _, _ in strokes],
            [ROLE_CLASS[role] for _, role, _ in strokes])


def bars_for(bpm, seconds):
    return max(4, int(round(seconds / (240.0 / bpm))))


def make_drum_clip(job):
    name, style, kit_name, tempo_map, n_bars, effects, seed, category = job
    rng = np.random.default_rng(seed)
    kit = Kit(kit_name)
    beats = beat_times(tempo_map, n_bars)
    strokes = drum_strokes(style, beats, rng)
    x = render_strokes(kit, strokes, beats[-1] + 1.0)
    x = finish(x, effects, seed)
    onsets, classes = drum_truth(strokes)
    truth = dict(category=category, style=style, kit=kit_name,
                 effects=effects, tempo_bpm=tempo_map[-1][1] if len(tempo_map) == 1 else None,
                 swing=STYLES[style].get("swing", 0.5),
                 beats=[round(b, 6) for b in beats[:-1]],
                 downbeats=[round(b, 6) for b in beats[:-1:4]],
                 onsets=onsets, onset_classes=classes)
    if len(tempo_map) > 1:
        truth["tempo_segments"] = [dict(start_s=round(beats[4 * first], 6), bpm=bpm)
                                   for first, bpm in tempo_map]
        truth["tempo_step_s"] = round(beats[4 * tempo_map[1][0]], 6)
    return save(name, x, truth)


def finish(x, effects, seed):
    if "reverb" in effects:
        x = sox_effect(x, ["reverb", "50", "50", "90"])
    if "compand" in effects:
        x = sox_effect(x, ["compand", "0.002,0.15", "6:-50,-50,-30,-15,0,-8", "-3", "-60"])
    x = normalize(x)
    if "noise" in effects:
        x = normalize(add_noise_floor(x, 35.0, seed))
    return x


def save(name, x, truth, out_dir=None):
    out_dir = out_dir or OUT_DIR
    wav = os.path.join(out_dir, name + ".wav")
    write_wav(wav, x)
    truth = dict(file=name + ".wav", sample_rate=RATE,
                 duration_s=round(len(x) / RATE, 6), **truth)
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(truth, f, indent=1)
    return name


# ---------------------------------------------------------------- MIDI + harmony


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def write_midi(path, events, bpm, ppq=480):
    """events: (tick, bytes) -> a format-0 Standard MIDI File."""
    tempo = int(round(60_000_000 / bpm))
    evs = [(0, b"\xff\x51\x03" + tempo.to_bytes(3, "big"))] + sorted(events,
                                                                    key=lambda e: (e[0], e[1][0] & 0xF0 != 0x80))
    body = b""
    last = 0
    for tick, data in evs:
        body += vlq(tick - last) + data
        last = tick
    body += vlq(0) + b"\xff\x2f\x00"
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, ppq))
        f.write(b"MTrk" + struct.pack(">I", len(body)) + body)


MAJOR_PROGS = [
    [(0, "maj"), (9, "min"), (5, "maj"), (7, "7"), (0, "maj"), (5, "maj"), (7, "sus4"),
     (7, "7"), (0, "maj")],
    [(0, "maj"), (5, "maj"), (0, "maj"), (7, "maj"), (9, "min"), (2, "min"), (7, "7"),
     (0, "maj")],
    [(0, "maj"), (0, "sus2"), (5, "maj"), (2, "min"), (7, "sus4"), (7, "7"), (9, "min"),
     (7, "7"), (0, "maj")],
]
MINOR_PROGS = [
    [(0, "min"), (8, "maj"), (3, "maj"), (10, "maj"), (0, "min"), (5, "min"), (7, "7"),
     (0, "min")],
    [(0, "min"), (5, "min"), (0, "min"), (7, "7"), (8, "maj"), (5, "min"), (7, "sus4"),
     (7, "7"), (0, "min")],
    [(0, "min"), (10, "maj"), (8, "maj"), (7, "7"), (0, "min"), (3, "maj"), (5, "min"),
     (7, "7"), (0, "min")],
]
# (chord program, comping rhythm, bass program, bass rhythm)
VOICES = [
    (0, "quarters", 33, "roots"),     # piano, finger bass
    (16, "whole", 32, "root_fifth"),  # drawbar organ, acoustic bass
    (25, "eighths", 34, "roots"),     # steel guitar, pick bass
    (48, "whole", 33, "octaves"),     # strings, finger bass
    (4, "halves", 38, "root_fifth"),  # electric piano, synth bass
    (24, "arpeggio", 32, "roots"),    # nylon guitar, acoustic bass
]


def voicing(root_pc, quality):
    base = 55 + (root_pc - 55) % 12  # root between G3 and F#4
    return [base + s for s in CHORD_STEPS[quality]]


def harmony_events(key_root, prog, voice, n_repeat, ppq=480):
    """MIDI events and per-beat chord truth for a progression, one chord a bar."""
    prog_num, comp, bass_prog, bass_rhythm = voice
    ev = [(0, bytes([0xC0, prog_num])), (0, bytes([0xC1, bass_prog]))]
    chords = []  # (beat index, name)
    onsets = []  # beat-fraction times of note onsets (in beats)
    bar = 0
    bar_len = 4 * ppq

    def note(ch, tick, dur, pitch, vel):
        ev.append((tick, bytes([0x90 | ch, pitch, vel])))
        ev.append((tick + dur, bytes([0x80 | ch, pitch, 0])))
        onsets.append(tick / ppq)

    bars = []
    for _ in range(n_repeat):
        bars += prog
    for offset, quality in bars:
        root = (key_root + offset) % 12
        name = PITCH_NAMES[root] + CHORD_SUFFIX[quality]
        for b in range(4):
            chords.append((bar * 4 + b, name))
        t0 = bar * bar_len
        notes = voicing(root, quality)
        if comp == "whole":
            for p in notes:
                note(0, t0, bar_len - 20, p, 78)
        elif comp == "halves":
            for h in range(2):
                for p in notes:
                    note(0, t0 + h * 2 * ppq, 2 * ppq - 30, p, 80 - 8 * h)
        elif comp == "quarters":
            for q in range(4):
                for p in notes:
                    note(0, t0 + q * ppq, ppq - 60, p, 86 if q % 2 == 0 else 70)
        elif comp == "eighths":
            for e in range(8):
                for p in notes:
                    note(0, t0 + e * ppq // 2, ppq // 2 - 30, p, 84 if e % 2 == 0 else 66)
        else:  # arpeggio: chord tones up and down in eighths
            seq = notes + [notes[0] + 12] + list(reversed(notes))
            for e in range(8):
                note(0, t0 + e * ppq // 2, ppq // 2, seq[e % len(seq)], 80)
        bass_root = 36 + (root - 36) % 12
        fifth = bass_root + 7
        if bass_rhythm == "roots":
            pitches = [bass_root] * 4
        elif bass_rhythm == "root_fifth":
            pitches = [bass_root, bass_root, fifth, bass_root]
        else:
            pitches = [bass_root, bass_root + 12, bass_root, bass_root + 12]
        for q, p in enumerate(pitches):
            note(1, t0 + q * ppq, ppq - 40, p, 96 if q == 0 else 84)
        bar += 1
    return ev, chords, bar * bar_len, onsets


def render_midi(events, end_tick, bpm, tmp):
    ev = list(events) + [(end_tick + 4 * 480, b"\xff\x01\x03end")]  # room for the tail
    mid = os.path.join(tmp, "h.mid")
    wav = os.path.join(tmp, "h.wav")
    write_midi(mid, ev, bpm)
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(RATE), "-F", wav,
                    SOUND_FONT, mid], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return load_audio(wav)


def make_harmony_clip(job):
    name, key_root, minor, prog_idx, voice_idx, bpm, drum_style, drum_kit, seed, \
        n_repeat, category = job
    prog = (MINOR_PROGS if minor else MAJOR_PROGS)[prog_idx]
    voice = VOICES[voice_idx]
    ev, chords, end_tick, note_beats = harmony_events(key_root, prog, voice, n_repeat)
    n_bars = end_tick // (4 * 480)
    beats = beat_times([(0, bpm)], n_bars)
    with tempfile.TemporaryDirectory() as tmp:
        x = render_midi(ev, end_tick, bpm, tmp)
    # The MIDI starts at 0; shift by the lead-in so that beats line up.
    x = np.concatenate([np.zeros(int(round(LEAD_IN_S * RATE))), x])
    spb = 60.0 / bpm
    onsets = sorted(set(round(LEAD_IN_S + b * spb, 6) for b in note_beats))
    classes = ["other"] * len(onsets)
    if drum_style:
        rng = np.random.default_rng(seed)
        kit = Kit(drum_kit)
        strokes = drum_strokes(drum_style, beats, rng)
        d = render_strokes(kit, strokes, beats[-1] + 1.0)
        n = max(len(d), len(x))
        x = np.pad(x, (0, n - len(x)))
        d = np.pad(d, (0, n - len(d)))
        x = normalize(x, -6) + normalize(d, -8)
        d_on, d_cls = drum_truth(strokes)
        merged = sorted(zip(onsets + d_on, classes + d_cls))
        onsets = [t for t, _ in merged]
        classes = [c for _, c in merged]
    x = normalize(x)
    key_name = PITCH_NAMES[key_root] + (" minor" if minor else " major")
    truth = dict(category=category, key=key_name, tempo_bpm=bpm,
                 program=voice[0], bass_program=voice[2], comping=voice[1],
                 drums=drum_style, kit=drum_kit,
                 beats=[round(b, 6) for b in beats[:-1]],
                 downbeats=[round(b, 6) for b in beats[:-1:4]],
                 chords=[dict(time=round(beats[i], 6), name=n) for i, n in chords],
                 onsets=onsets, onset_classes=classes)
    return save(name, x, truth)


# ---------------------------------------------------------------- the corpus


def corpus_jobs():
    drums = []
    seed = 1000
    for style, s in STYLES.items():
        seed += 1
        kit = s["kit"]
        tag = re.sub(r"[^a-z0-9]+", "", kit.lower())[:10]
        drums.append((f"drums_{style}_{s['bpm']}_{tag}", style, kit, [(0, s["bpm"])],
                      bars_for(s["bpm"], 24.0), [], seed, "drums"))
    # Same grooves on other kits and through reverb, compression and noise.
    fx = [("rock", "The Black Pearl 1.0", ["reverb"]),
          ("funk", "ForzeeStereo", ["compand", "noise"]),
          ("house", "ElectricEmpireKit", ["noise"]),
          ("jazz_swing", "The Black Pearl 1.0", ["reverb"]),
          ("hiphop", "Millo_MultiLayered3", ["compand"]),
          ("dnb", "BJA_Pacific", ["reverb", "noise"]),
          ("ballad", "ColomboAcousticDrumkit", ["reverb", "compand"])]
    for style, kit, effects in fx:
        seed += 1
        bpm = STYLES[style]["bpm"]
        tag = re.sub(r"[^a-z0-9]+", "", kit.lower())[:10]
        drums.append((f"fx_{style}_{bpm}_{tag}_{'_'.join(effects)}", style, kit,
                      [(0, bpm)], bars_for(bpm, 24.0), effects, seed, "drums_fx"))
    steps = [("rock", "ForzeeStereo", 100, 130), ("funk", "Millo_MultiLayered2", 90, 115),
             ("house", "HardElectro1", 124, 100), ("dnb", "VariBreaks", 160, 174)]
    for style, kit, a, b in steps:
        seed += 1
        n_a = bars_for(a, 14.0)
        drums.append((f"step_{style}_{a}to{b}", style, kit, [(0, a), (n_a, b)],
                      n_a + bars_for(b, 16.0), [], seed, "tempo_step"))
    harmony = []
    mix_styles = [("rock", "ForzeeStereo"), ("funk", "Millo_MultiLayered2"),
                  ("house", "HardElectro1"), ("hiphop", "rumpf_kit_z01_h2"),
                  ("ballad", "The Black Pearl 1.0"), ("techno", "ElectricEmpireKit"),
                  ("bossa", "ColomboAcousticDrumkit"), ("punk", "ForzeeStereo")]
    i = 0
    for minor in (False, True):
        for root in range(12):
            bpm = 84 + (i * 11) % 56
            drum_style, drum_kit = (None, None)
            category = "harmony"
            if i % 3 == 0:
                drum_style, drum_kit = mix_styles[(i // 3) % len(mix_styles)]
                category = "mix"
            key = PITCH_NAMES[root] + ("m" if minor else "")
            harmony.append((f"{category}_{key.replace('#', 's')}_{bpm}", root, minor,
                            i % 3, i % len(VOICES), bpm, drum_style, drum_kit, 2000 + i,
                            1, category))
            i += 1
    # One 60 s busy mix for the wall-time and per-block cost benchmarks.
    long_job = ("long_mix_60s", 4, True, 0, 0, 104, "funk", "Millo_MultiLayered2", 3000,
                3, "long")
    return drums, harmony + [long_job]


def main():
    global OUT_DIR
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    OUT_DIR = os.path.abspath(args.out_dir)
    os.makedirs(OUT_DIR, exist_ok=True)
    for need in (KIT_ROOT, SOUND_FONT):
        if not os.path.exists(need):
            sys.exit(f"make_corpus: {need} is missing; install hydrogen-drumkits and "
                     "fluid-soundfont-gm")
    drums, harmony = corpus_jobs()
    drums = [j for j in drums if args.only in j[0]]
    harmony = [j for j in harmony if args.only in j[0]]
    with Pool(args.jobs, initializer=_set_out, initargs=(OUT_DIR,)) as pool:
        names = pool.map(make_drum_clip, drums, chunksize=1)
        names += pool.map(make_harmony_clip, harmony, chunksize=1)
    with open(os.path.join(OUT_DIR, "index.json"), "w") as f:
        json.dump(sorted(names), f, indent=1)
    print(f"make_corpus: {len(names)} clips in {OUT_DIR}")


def _set_out(d):
    global OUT_DIR
    OUT_DIR = d


OUT_DIR = None

if __name__ == "__main__":
    main()
