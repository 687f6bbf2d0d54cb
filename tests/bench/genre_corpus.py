#!/usr/bin/python3
"""Renders the genre and section benchmark corpus (held-out kits and tempi).

Usage: genre_corpus.py OUT_DIR [--jobs N]

Reuses make_corpus.py's kits, style patterns and renderer.  Genre clips
(category "genre"), 16 s each, in two sets: set 1 ("genre_*", the original 26)
plays every style of STYLES on two kits other than the one make_corpus.py uses
for it, at 0.93x and 1.07x its tempo; set 2 ("genre2_*", 26 more) plays each
style on two further kits (neither its own nor a set-1 kit of that style) at
0.9x and 1.1x, with fresh seeds.  Each clip's truth names its set
(`heldout_set`), so genre_bench.py can score set 1 alone and stay comparable
with earlier records.  tools/genre-train.py leaves every (style, kit) pair and
tempo factor used here out of training.  Arrangement clips (category "arrangement"): intro,
verse, chorus, verse, chorus, bridge, chorus, outro with changes in
instrumentation and energy, and ground truth `sections` (start_s, label, bar).
"""

import argparse
import json
import os
import sys
from multiprocessing import Pool

import numpy as np

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_corpus as mc  # noqa: E402

KITS = ["ForzeeStereo", "The Black Pearl 1.0", "Millo_MultiLayered2", "Millo_MultiLayered3",
        "Millo-Drums_v.1", "ColomboAcousticDrumkit", "BJA_Pacific", "VariBreaks",
        "HardElectro1", "ElectricEmpireKit", "rumpf_kit_z01_h2", "Audiophob"]
STYLES = ["ballad", "reggae_onedrop", "hiphop", "shuffle", "funk", "rock", "house",
          "techno", "bossa", "trap", "jazz_swing", "dnb", "hardcore"]


SET1_FACTORS = (0.93, 1.07)
SET2_FACTORS = (0.9, 1.1)
TEMPO_FACTORS = SET1_FACTORS + SET2_FACTORS  # every tempo factor held out


def genre_jobs():
    """(name, style, kit, tempo map, bars, effects, seed, category, set)."""
    jobs = []
    seed = 5000
    set1 = {}
    for si, style in enumerate(STYLES):
        own = mc.STYLES[style]["kit"]
        others = [k for k in KITS if k != own]
        for j, factor in enumerate(SET1_FACTORS):
            kit = others[(si * 5 + j * 7) % len(others)]
            set1.setdefault(style, []).append(kit)
            bpm = round(mc.STYLES[style]["bpm"] * factor)
            seed += 1
            tag = "".join(ch for ch in kit.lower() if ch.isalnum())[:10]
            jobs.append((f"genre_{style}_{bpm}_{tag}", style, kit, [(0, bpm)],
                         mc.bars_for(bpm, 16.0), [], seed, "genre", 1))
    # Set 2: as hard as set 1 (no effects, the same clip length, tempi further
    # from the style's own), on kits that set 1 did not give the style.
    seed = 5100
    for si, style in enumerate(STYLES):
        own = mc.STYLES[style]["kit"]
        others = [k for k in KITS if k != own and k not in set1[style]]
        for j, factor in enumerate(SET2_FACTORS):
            kit = others[(si * 3 + j * 5 + 1) % len(others)]
            bpm = round(mc.STYLES[style]["bpm"] * factor)
            seed += 1
            tag = "".join(ch for ch in kit.lower() if ch.isalnum())[:10]
            jobs.append((f"genre2_{style}_{bpm}_{tag}", style, kit, [(0, bpm)],
                         mc.bars_for(bpm, 16.0), [], seed, "genre", 2))
    return jobs


def genre_clip(job):
    """Renders one genre clip and records its held-out set in the truth file."""
    name = mc.make_drum_clip(job[:8])
    path = os.path.join(mc.OUT_DIR, name + ".json")
    with open(path) as f:
        truth = json.load(f)
    truth["heldout_set"] = job[8]
    with open(path, "w") as f:
        json.dump(truth, f, indent=1)
    return name


# Arrangement: (label, bars, which roles play, velocity scale)
ARRANGEMENT = [("intro", 4, {"hat"}, 0.6), ("verse", 8, {"kick", "hat"}, 0.75),
               ("chorus", 8, {"kick", "snare", "hat", "ohat"}, 1.0),
               ("verse", 8, {"kick", "hat"}, 0.75),
               ("chorus", 8, {"kick", "snare", "hat", "ohat"}, 1.0),
               ("bridge", 4, {"kick", "rim"}, 0.7),
               ("chorus", 8, {"kick", "snare", "hat", "ohat"}, 1.0),
               ("outro", 4, {"hat"}, 0.5)]
ARR_PAT = {"kick": "x...x...x...x...", "snare": "....x.......x...",
           "hat": "x.x.x.x.x.x.x.x.", "ohat": "..x...x...x...x.", "rim": "..x..x....x..x.."}


def arrangement_job(job):
    name, kit_name, bpm, seed = job
    rng = np.random.default_rng(seed)
    kit = mc.Kit(kit_name)
    n_bars = sum(b for _, b, _, _ in ARRANGEMENT)
    beats = mc.beat_times([(0, bpm)], n_bars)
    strokes = []
    sections = []
    bar = 0
    for label, bars, roles, scale in ARRANGEMENT:
        sections.append(dict(start_s=round(beats[bar * 4], 6), label=label, bar=bar))
        for b in range(bar * 4, (bar + bars) * 4):
            t0, t1 = beats[b], beats[b + 1]
            for role in sorted(roles):  # a set: hash order differs per process
                if role not in kit.roles:
                    continue
                ch = ARR_PAT[role][(b % 4) * 4:(b % 4) * 4 + 4]
                for k, c in enumerate(ch):
                    if c == ".":
                        continue
                    t = t0 + k * (t1 - t0) / 4 + rng.normal(0, 0.002)
                    strokes.append((t, role, min(1.0, scale * (0.85 + rng.normal(0, 0.04)))))
        bar += bars
    strokes.sort()
    x = mc.render_strokes(kit, strokes, beats[-1] + 1.0)
    x = mc.finish(x, [], seed)
    onsets, classes = mc.drum_truth(strokes)
    truth = dict(category="arrangement", style="arrangement", kit=kit_name, effects=[],
                 tempo_bpm=bpm, beats=[round(b, 6) for b in beats[:-1]],
                 downbeats=[round(b, 6) for b in beats[:-1:4]], onsets=onsets,
                 onset_classes=classes, sections=sections, n_bars=n_bars)
    return mc.save(name, x, truth)


def arrangement_jobs():
    return [(f"arr_{i}_{bpm}", kit, bpm, 7000 + i) for i, (kit, bpm) in enumerate(
        [("ForzeeStereo", 118), ("The Black Pearl 1.0", 96), ("HardElectro1", 126),
         ("Millo_MultiLayered2", 104), ("ColomboAcousticDrumkit", 88),
         ("ElectricEmpireKit", 140)])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    out = os.path.abspath(args.out_dir)
    os.makedirs(out, exist_ok=True)
    gj = [j for j in genre_jobs() if args.only in j[0]]
    aj = [j for j in arrangement_jobs() if args.only in j[0]]
    with Pool(args.jobs, initializer=mc._set_out, initargs=(out,)) as pool:
        names = pool.map(genre_clip, gj, chunksize=1)
        names += pool.map(arrangement_job, aj, chunksize=1)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(sorted(names), f, indent=1)
    print(f"genre_corpus: {len(names)} clips in {out}")


if __name__ == "__main__":
    main()
