#!/usr/bin/python3
"""Harmony on the downbeat: does Tandem's bass and chords part play the input's
chord from beat 1 of each bar of a looped progression?

Inputs are made with MMA (Debian `mma`) from chord sheets, grooves of its
library in 4/4 and 3/4 (waltzes), rendered to audio by FluidSynth with a GM
soundfont.  The grooves are split in two: a tuning set (the learner's
constants were chosen on it) and a scored set no tuning ever saw.  Each input
is rendered through the plugin (`tandem-render`, host transport at the
input's tempo and meter) for the roles bass and chords.

Measured per bar from the second cycle of the progression on:
- beat 1: the chord played on beat 1 (struck within the first eighth of the
  bar, else sounding at its start) against the input's chord: root and family
  (maj incl. maj7, min incl. m7, 7, sus, dim, aug) for chords, root for bass.
  Bars where the part plays nothing on beat 1 are counted apart.
- change <= 1 beat: for each change of the input's chord root, whether the part
  strikes a note (bass) or stab (chords) with the new root within one beat of
  it (an eighth of slack), among the changes where it strikes anything then.
- break bars: the same for bars that break the loop (a chord the pattern does
  not have), which no prediction can know.
- bass = chords: the bars where both parts play beat 1 and their roots agree.

    tests/bench/harmony_bench.py BUILD [--out DIR] [--record FILE] [--label TEXT]
                                       [--tuning-only]
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record  # noqa: E402
import smf_read  # noqa: E402  (tests/bench/smf_read.py)

SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
QUALITY_STEPS = {
    "": (0, 4, 7), "m": (0, 3, 7), "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10), "sus2": (0, 2, 7), "sus4": (0, 5, 7), "dim": (0, 3, 6),
    "aug": (0, 4, 8),
}
FAMILY = {"": "maj", "maj7": "maj", "m": "min", "m7": "min", "7": "7", "sus2": "sus",
          "sus4": "sus", "dim": "dim", "aug": "aug"}
# MMA's spelling of each quality.
MMA_QUALITY = {"": "", "m": "m", "7": "7", "maj7": "M7", "m7": "m7", "sus2": "sus2",
               "sus4": "sus4", "dim": "dim", "aug": "aug"}

# Progressions in C as (semitones above the key, quality) per bar; the loop
# length is their length.
PROGRESSIONS = {
    "pop": [(0, ""), (9, "m"), (5, ""), (7, "")],
    "axis": [(9, "m"), (5, ""), (0, ""), (7, "")],
    "two-five": [(2, "m7"), (7, "7"), (0, "maj7"), (0, "maj7")],
    "vamp": [(0, ""), (5, "")],
    "minor": [(9, "m"), (9, "m"), (2, "m"), (4, "")],
    "eight": [(0, ""), (7, ""), (9, "m"), (5, ""), (0, ""), (7, ""), (5, ""), (5, "")],
    "rock": [(4, "m"), (0, ""), (7, ""), (2, "")],
    "blues": [(0, "7"), (5, "7"), (0, "7"), (7, "7")],
}

# (groove file, meter, bpm, progression, key, break) -- grooves in one split only.
TUNING = [
    ("8beat", 4, 100, "axis", 0, False),
    ("8beat", 4, 112, "two-five", 5, True),
    ("bossanova", 4, 120, "pop", 2, False),
    ("bossanova", 4, 128, "eight", 7, False),
    ("R&B", 4, 92, "minor", 4, False),
    ("R&B", 4, 96, "vamp", 10, True),
    ("waltz", 3, 132, "pop", 9, False),
    ("waltz", 3, 140, "minor", 1, True),
    ("countrywaltz", 3, 120, "rock", 3, False),
    ("countrywaltz", 3, 126, "blues", 8, False),
    ("jazzcombo", 4, 132, "two-five", 3, False),
    ("jazzcombo", 4, 120, "blues", 10, True),
    ("swing", 4, 140, "axis", 6, False),
    ("pianoballad", 4, 72, "minor", 11, True),
    ("frenchwaltz", 3, 150, "pop", 4, False),
    ("modernjazzwaltz", 3, 132, "two-five", 9, True),
]
SCORED = [
    ("60srock", 4, 116, "pop", 7, False),
    ("60srock", 4, 124, "rock", 2, True),
    ("ballad", 4, 76, "axis", 4, False),
    ("ballad", 4, 84, "two-five", 10, False),
    ("folk", 4, 104, "eight", 9, False),
    ("folk", 4, 108, "minor", 6, True),
    ("jazzwaltz", 3, 150, "two-five", 0, False),
    ("jazzwaltz", 3, 144, "vamp", 5, True),
    ("rockwaltz", 3, 120, "axis", 11, False),
    ("rockwaltz", 3, 112, "eight", 3, False),
    ("latinwaltz", 3, 138, "blues", 1, False),
]
CYCLES = 4
STYLE = {4: "rock", 3: "ballad"}


def chord_name(root, quality):
    return NAMES[root % 12] + quality


def chart(prog, key, with_break):
    """The chords per bar over CYCLES cycles, and the set of bars that break the
    loop (in the third cycle, one bar gets a chord a tritone away)."""
    bars = []
    breaks = set()
    for c in range(CYCLES):
        for i, (step, q) in enumerate(PROGRESSIONS[prog]):
            root = (key + step) % 12
            if with_break and c == 2 and i == len(PROGRESSIONS[prog]) // 2:
                root = (root + 6) % 12
                breaks.add(len(bars))
            bars.append((root, q))
    return bars, breaks


def make_input(work, name, groove, meter, bpm, bars):
    mid = os.path.join(work, name + ".mid")
    wav = os.path.join(work, name + ".wav")
    if os.path.exists(wav):
        return wav
    mma = os.path.join(work, name + ".mma")
    with open(mma, "w") as f:
        # MMA varies timing and velocity at random: seeded, the same input each run.
        f.write(f"RndSeed 1\nTempo {bpm}\nGroove {groove}\n")
        for i, (root, q) in enumerate(bars):
            f.write(f"{i + 1} {NAMES[root]}{MMA_QUALITY[q]}\n")
    subprocess.run(["mma", "-f", mid, mma], check=True, capture_output=True)
    subprocess.run(["fluidsynth", "-ni", "-F", wav, "-r", "48000", "-g", "0.6", SOUNDFONT,
                    mid], check=True, capture_output=True)
    return wav


def midi_notes(path):
    """Notes of a Standard MIDI File as (start s, end s, pitch), by start."""
    notes, sounding = [], {}  # sounding: (channel, pitch) -> start times
    for t, kind, value in smf_read.timed(*smf_read.read(path)):
        if kind == smf_read.TEMPO:
            continue
        key = value[:2]
        if kind == smf_read.ON:
            sounding.setdefault(key, []).append(t)
        elif sounding.get(key):
            notes.append((sounding[key].pop(0), t, key[1]))
    return sorted(notes)


def identify(pcs):
    """(root, quality) of the smallest chord whose tones hold every pitch class
    played and whose root and third (or suspended tone) are among them."""
    best = None
    for root in sorted(pcs):
        for q, steps in QUALITY_STEPS.items():
            tones = {(root + s) % 12 for s in steps}
            if pcs <= tones and (root + steps[1]) % 12 in pcs:
                if best is None or len(steps) < len(QUALITY_STEPS[best[1]]):
                    best = (root, q)
    return best


def beat1(notes, start, beat_s):
    """The notes played on beat 1: the first struck within an eighth of the bar
    line (all struck within 30 ms of it), else those sounding at it."""
    struck = [n for n in notes if start - beat_s / 8 <= n[0] < start + beat_s / 2]
    if struck:
        first = struck[0][0]
        return [n for n in struck if n[0] - first < 0.03]
    return [n for n in notes if n[0] < start and n[1] > start + 0.02]


def score(notes_by_role, bars, breaks, loop, meter, bpm):
    beat_s = 60.0 / bpm
    bar_s = beat_s * meter
    res = {role: {"hit": 0, "bars": 0, "silent": 0, "chg_ok": 0, "chg": 0,
                  "brk_ok": 0, "brk": 0} for role in notes_by_role}
    agree = [0, 0]
    for b in range(loop, len(bars)):
        start = b * bar_s
        root, q = bars[b]
        roots = {}
        for role, notes in notes_by_role.items():
            r = res[role]
            played = beat1(notes, start, beat_s)
            if b not in breaks:
                if not played:
                    r["silent"] += 1
                else:
                    r["bars"] += 1
                    if role == "bass":
                        got = (min(n[2] for n in played) % 12, None)
                        r["hit"] += got[0] == root
                    else:
                        got = identify({n[2] % 12 for n in played})
                        r["hit"] += got is not None and got[0] == root and \
                            FAMILY[got[1]] == FAMILY[q]
                    roots[role] = got[0] if got else None
            if root != bars[b - 1][0] or b in breaks:
                window = [n for n in notes
                          if start - beat_s / 8 <= n[0] <= start + beat_s * 9 / 8]
                if window:
                    if role == "bass":
                        ok = any(n[2] % 12 == root for n in window)
                    else:
                        ok = False
                        for n in window:
                            stab = {m[2] % 12 for m in window if abs(m[0] - n[0]) < 0.03}
                            got = identify(stab)
                            ok = ok or (got is not None and got[0] == root)
                    key = "brk" if b in breaks else "chg"
                    r[key] += 1
                    r[key + "_ok"] += ok
        if len(roots) == 2:
            agree[1] += 1
            agree[0] += roots["bass"] == roots["chords"]
    return res, agree


def render(build, wav, out, role, meter, bpm):
    subprocess.run([os.path.join(build, "tools", "tandem-render"), "-q", "--freewheel",
                    "--bpm", str(bpm), "--meter", f"{meter}/4", "--role", role,
                    "--style", STYLE[meter], "--seed", "1", wav, "-o", out], check=True)
    return midi_notes(out)


def pct(a, b):
    return f"{100.0 * a / b:5.1f}% ({a}/{b})" if b else "    n/a"


def run_set(build, work, items, label, lines):
    keys = ("hit", "bars", "silent", "chg_ok", "chg", "brk_ok", "brk")
    total = {role: dict.fromkeys(keys, 0) for role in ("bass", "chords")}
    agree = [0, 0]
    for groove, meter, bpm, prog, key, brk in items:
        bars, breaks = chart(prog, key, brk)
        name = f"{groove.replace('&', 'n')}-{prog}-{NAMES[key].replace('#', 's')}-{bpm}{'-break' if brk else ''}"
        wav = make_input(work, name, groove, meter, bpm, bars)
        notes = {role: render(build, wav, os.path.join(work, f"{name}-{role}.mid"), role,
                              meter, bpm) for role in ("bass", "chords")}
        res, ag = score(notes, bars, breaks, len(PROGRESSIONS[prog]), meter, bpm)
        agree[0] += ag[0]
        agree[1] += ag[1]
        for role in res:
            for k, v in res[role].items():
                total[role][k] += v
        lines.append(f"  {label:7s} {name:36s} {meter}/4 bass {pct(res['bass']['hit'], res['bass']['bars'])}"
                     f"  chords {pct(res['chords']['hit'], res['chords']['bars'])}")
    return total, agree


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--out", help="work folder (default BUILD/harmony-bench)")
    ap.add_argument("--record", help="append the figures to this results file")
    ap.add_argument("--label", default="", help="what is measured, for the record")
    ap.add_argument("--tuning-only", action="store_true",
                    help="render the tuning set alone (while choosing constants)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    work = os.path.abspath(args.out or os.path.join(build, "harmony-bench"))
    os.makedirs(work, exist_ok=True)
    detail = []
    sets = {"tuning": run_set(build, work, TUNING, "tuning", detail),
            "scored": run_set(build, work, [] if args.tuning_only else SCORED, "scored",
                              detail)}
    rows = [
        ("bass root on beat 1", "bass", "hit", "bars"),
        ("chords root+family on beat 1", "chords", "hit", "bars"),
        ("bass: change heard <= 1 beat", "bass", "chg_ok", "chg"),
        ("chords: change heard <= 1 beat", "chords", "chg_ok", "chg"),
        ("bass: break bar <= 1 beat", "bass", "brk_ok", "brk"),
        ("chords: break bar <= 1 beat", "chords", "brk_ok", "brk"),
    ]
    out = [f"Bars from the second cycle on; tuning grooves: "
           f"{', '.join(sorted({t[0] for t in TUNING}))}; scored grooves: "
           f"{', '.join(sorted({t[0] for t in SCORED}))}.", "",
           "| measure | tuning | scored |", "|---|---|---|"]
    for title, role, a, b in rows:
        out.append(f"| {title} | {pct(sets['tuning'][0][role][a], sets['tuning'][0][role][b])}"
                   f" | {pct(sets['scored'][0][role][a], sets['scored'][0][role][b])} |")
    out.append(f"| bars silent on beat 1 (bass / chords) | "
               f"{sets['tuning'][0]['bass']['silent']} / {sets['tuning'][0]['chords']['silent']} | "
               f"{sets['scored'][0]['bass']['silent']} / {sets['scored'][0]['chords']['silent']} |")
    out.append(f"| bass root = chords root on beat 1 | {pct(*sets['tuning'][1])} | "
               f"{pct(*sets['scored'][1])} |")
    out.append("")
    out.append("Per input (beat 1):")
    out.append("")
    out.extend("    " + line.strip() for line in detail)
    text = "\n".join(out) + "\n"
    print(text)
    if args.record:
        record.append(args.record, "Harmony on the downbeat" +
                      (f" ({args.label})" if args.label else ""), text)


if __name__ == "__main__":
    main()
