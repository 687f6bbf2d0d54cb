#!/usr/bin/python3
"""Groove capture benchmark: learns a style profile from rendered loops of
each shipped style and checks which shipped style it is nearest to.

For every style profile in STYLES_DIR:
  1. tandem-render plays the style's drums through the plugin (host transport
     at the middle of the style's tempo range, 16 bars);
  2. the MIDI is rendered to audio with a Hydrogen sample kit
     (make_corpus.py's renderer: velocity layers, choke groups);
  3. tandem-profile learns a profile from the audio and names the nearest
     shipped style (tandem_style_similarity);
  4. groove_gen plays the learned profile through the built-in generator,
     that too is rendered and learned again: the swing measured then is
     compared with the learned profile's swing.

Usage: groove_bench.py BUILD_DIR STYLES_DIR [--results FILE] [--keep DIR]
                       [--only STYLE,...] [--tempo-known] [--runs N] [--sources DIR]
(--only runs the named styles with the same kits and seeds as a full run;
--sources takes each run's source MIDI from DIR, a --keep folder of an earlier
run, instead of rendering it: the plugin's generator changes as the tree does,
and this measures a change to the learning on the very same loops.)
Prints the table and the summary; exits 0 (figures only, no thresholds).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_corpus as mc  # noqa: E402
import record  # noqa: E402  (tests/bench/record.py)
import smf_read  # noqa: E402  (tests/bench/smf_read.py)

BARS = 16
LEAD_S = 0.5
# Kits with all three classes; several velocity layers where the kit has them.
KITS = ["Millo_MultiLayered2", "ForzeeStereo", "The Black Pearl 1.0", "Millo-Drums_v.1",
        "ColomboAcousticDrumkit", "rumpf_kit_z01_h2"]
# General MIDI drum notes -> make_corpus kit roles.
GM_ROLE = {35: "kick", 36: "kick", 37: "rim", 38: "snare", 40: "snare", 39: "clap",
           42: "hat", 44: "pedal", 46: "ohat", 49: "ohat", 57: "ohat", 51: "ride",
           59: "ride", 53: "ride", 41: "snare", 43: "snare", 45: "snare", 47: "snare",
           48: "snare", 50: "snare"}


# unseen/make_unseen.py reads its MIDI with gb.read_varlen.
read_varlen = smf_read.read_varlen


def midi_notes(path):
    """Note-ons of a Standard MIDI File as (seconds, pitch, velocity)."""
    ppq, events = smf_read.read(path)
    # Times summed over the tempo changes and note-ons only, as they always were.
    events = [e for e in events if e[1] != smf_read.OFF]
    return [(t, value[1], value[2]) for t, kind, value in smf_read.timed(ppq, events)
            if kind == smf_read.ON]


def render(notes, kit, wav):
    strokes = sorted((LEAD_S + t, GM_ROLE.get(p, "snare"), v / 127.0) for t, p, v in notes)
    length = (strokes[-1][0] if strokes else 1.0) + 1.0
    x = mc.normalize(mc.render_strokes(kit, strokes, length))
    mc.write_wav(wav, x)


def ttl_number(path, prop):
    m = re.search(r"sty:" + prop + r"\s+\"?([-0-9.]+)", open(path).read())
    return float(m.group(1)) if m else float("nan")


def learn(build, styles, wav, out, bpm=None):
    extra = ["--bpm", str(bpm)] if bpm else []
    r = subprocess.run([os.path.join(build, "tools", "tandem-profile"), "learn", wav, "-o",
                        out, "--styles", styles] + extra, capture_output=True, text=True)
    if r.returncode != 0:
        return None, 0.0, r.stderr.strip()
    m = re.search(r"nearest shipped style: (\S+) \(similarity ([0-9.]+)\)", r.stdout)
    return (m.group(1), float(m.group(2)), r.stdout.strip()) if m else (None, 0.0, r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("styles")
    ap.add_argument("--results")
    ap.add_argument("--keep")
    ap.add_argument("--only")
    ap.add_argument("--tempo-known", action="store_true",
                    help="tell tandem-profile the tempo (--bpm), as a host would")
    ap.add_argument("--runs", type=int, default=2,
                    help="renders per style, each with another kit and seed")
    ap.add_argument("--sources",
                    help="take the source MIDI from this --keep folder of an earlier run")
    args = ap.parse_args()
    build, styles = os.path.abspath(args.build), os.path.abspath(args.styles)
    # The style control's values (worker/style.c's shipped list): tandem-render
    # takes the index, and only these are what the nearest-style lookup knows.
    shipped = ["rock", "funk", "boombap", "trap", "house", "techno", "dnb", "jazz",
               "bossa", "reggae", "ballad", "hardcore"]
    names = [n for n in shipped if os.path.exists(os.path.join(styles, n + ".ttl"))]
    env = dict(os.environ, LV2_PATH=build + ":/usr/lib/lv2")
    work = args.keep or tempfile.mkdtemp(prefix="tandem-groove-bench-")
    os.makedirs(work, exist_ok=True)
    kits = {}
    rows = []
    # k indexes the full list so that --only picks the same kit and seed as a full run.
    jobs = [(run, k, name) for run in range(args.runs) for k, name in enumerate(names)
            if not args.only or name in args.only.split(",")]
    for run, k, name in jobs:
        src_ttl = os.path.join(styles, name + ".ttl")
        bpm = round(0.5 * (ttl_number(src_ttl, "tempoMin") + ttl_number(src_ttl, "tempoMax")))
        kit_name = KITS[(k + 5 * run) % len(KITS)]
        kit = kits.setdefault(kit_name, mc.Kit(kit_name))
        silent = os.path.join(work, f"silent-{bpm}.wav")
        if not os.path.exists(silent):
            mc.write_wav(silent, np.zeros(int((BARS * 240.0 / bpm + 1.0) * mc.RATE)))
        stem = f"{name}-{run}"
        src_mid = os.path.join(work, stem + "-src.mid")
        if args.sources:
            shutil.copyfile(os.path.join(args.sources, stem + "-src.mid"), src_mid)
        else:
            r = subprocess.run([os.path.join(build, "tools", "tandem-render"), silent, "-o",
                                src_mid, "--role", "drums", "--style",
                                str(shipped.index(name) + 1), "--bpm", str(bpm), "--bars", "4",
                                "--seed", str(100 + k + 50 * run), "--freewheel", "-q"],
                               env=env, capture_output=True, text=True)
            if r.returncode != 0:
                print(f"{name}: tandem-render failed: {r.stderr.strip()}")
                continue
        src_wav = os.path.join(work, stem + "-src.wav")
        render(midi_notes(src_mid), kit, src_wav)
        learned = os.path.join(work, stem + "-learned.ttl")
        hint = bpm if args.tempo_known else None
        nearest, sim, text = learn(build, styles, src_wav, learned, hint)
        if nearest is None:
            print(f"{name}: tandem-profile failed: {text}")
            rows.append((name, bpm, kit_name, None, 0.0) + (float("nan"),) * 5)
            continue
        swing_src = ttl_number(src_ttl, "swing")
        swing_learned = ttl_number(learned, "swing")
        ghost = ttl_number(learned, "ghostProbability")
        gen_mid = os.path.join(work, stem + "-gen.mid")
        subprocess.run([os.path.join(build, "tests", "groove_gen"), learned, gen_mid,
                        str(bpm), str(BARS), str(200 + k + 50 * run)], check=True)
        gen_wav = os.path.join(work, stem + "-gen.wav")
        render(midi_notes(gen_mid), kit, gen_wav)
        again_ttl = os.path.join(work, stem + "-again.ttl")
        again_nearest, _, _ = learn(build, styles, gen_wav, again_ttl, hint)
        swing_again = ttl_number(again_ttl, "swing") if again_nearest else float("nan")
        rows.append((name, bpm, kit_name, nearest, sim, swing_src, swing_learned, swing_again,
                     ghost, ttl_number(src_ttl, "ghostProbability")))
        print(f"{name:9s} {bpm:4d} bpm  nearest {nearest:9s} ({sim:.2f})  swing src "
              f"{swing_src:5.1f} learned {swing_learned:5.1f} regenerated {swing_again:5.1f}  "
              f"ghost {ghost:.2f} (profile {rows[-1][9]:.2f})", flush=True)
    right = sum(1 for r in rows if r[3] == r[0])
    # A style counts as learned when at least half of its runs are nearest to it.
    names = [n for n in names if any(r[0] == n for r in rows)]
    styles_right = sum(1 for n in names
                       if 2 * sum(1 for r in rows if r[0] == n and r[3] == n)
                       >= sum(1 for r in rows if r[0] == n))
    swing_err = [abs(r[7] - r[6]) for r in rows if r[3] is not None and r[7] == r[7]]
    # The regenerated audio could not be learned again (too few bars on the grid).
    not_relearned = sum(1 for r in rows if r[3] is not None and r[7] != r[7])
    src_err = [abs(r[6] - r[5]) for r in rows if r[3] is not None]
    within = sum(1 for e in swing_err if e <= 3.0)
    lines = ["", "| style | bpm | kit | nearest | similarity | swing profile | learned | "
             "regenerated, learned again | ghost learned (profile) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r[3] is None:
            lines.append(f"| {r[0]} | {r[1]} | {r[2]} | (failed) | | | | | |")
            continue
        mark = "" if r[3] == r[0] else " ✗"
        lines.append(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]}{mark} | {r[4]:.2f} | {r[5]:.1f} | "
                     f"{r[6]:.1f} | {r[7]:.1f} | {r[8]:.2f} ({r[9]:.2f}) |")
    lines.append("")
    lines.append(f"Nearest to the source style: {right} of {len(rows)} runs; styles with "
                 f"at least half of their runs nearest to themselves: {styles_right} of {len(names)}.  Swing of the profile "
                 f"generated from the learned one, learned again, within 3 points: {within} of "
                 f"{len(swing_err) + not_relearned} ({not_relearned} not learned again; "
                 f"mean error {np.mean(swing_err) if swing_err else 0:.2f}, "
                 f"max {max(swing_err) if swing_err else 0:.2f}).  Learned swing against the "
                 f"source profile's: mean error {np.mean(src_err) if src_err else 0:.2f}, max "
                 f"{max(src_err) if src_err else 0:.2f}.")
    lines.insert(0, "tandem-profile told the tempo (--bpm)" if args.tempo_known
                 else "tandem-profile detecting the tempo")
    text = "\n".join(lines)
    print(text)
    mode = "tempo given (--bpm)" if args.tempo_known else "tempo detected"
    record.append(args.results, f"Groove capture, {mode}", text)


if __name__ == "__main__":
    main()
