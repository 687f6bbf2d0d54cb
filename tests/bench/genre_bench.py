#!/usr/bin/python3
"""Scores tandem-analyze's genre detection on rendered drum clips.

Usage: genre_bench.py CORPUS_DIR --tandem PATH/tandem-analyze [--results FILE]
                      [--jobs N]

Every clip whose ground-truth `style` has a shipped counterpart (STYLE_MAP) is
analysed with `tandem-analyze --json`; top-1 and top-3 accuracy and the
confusion matrix (truth rows, top-1 columns) are printed and, with --results,
appended to that Markdown file under a dated heading.  Clips of styles with no
shipped counterpart among the 12 indexed styles (breakbeat, punk, shuffle) are
listed but not scored.  When the clips name a held-out set (`heldout_set`,
genre_corpus.py), the figures and matrix are printed for all of them and then
for each set alone (set 1 is the original 24 scored clips, comparable with
earlier records).
"""

import argparse
import glob
import json
import os
import subprocess
import sys

import record  # tests/bench/record.py: one block format for every benchmark
from concurrent.futures import ThreadPoolExecutor

# corpus style (make_corpus.py / genre_corpus.py) -> shipped style name
STYLE_MAP = {
    "ballad": "ballad", "reggae_onedrop": "reggae", "hiphop": "boombap",
    "funk": "funk", "rock": "rock", "house": "house",
    "techno": "techno", "bossa": "bossa", "trap": "trap", "jazz_swing": "jazz",
    "dnb": "dnb", "hardcore": "hardcore",
}
SHIPPED = ["rock", "funk", "boombap", "trap", "house", "techno", "dnb", "jazz", "bossa",
           "reggae", "ballad", "hardcore", "shuffle"]


def analyse(args):
    tandem, wav = args
    out = subprocess.run([tandem, "--json", wav], check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout
    return json.loads(out)


def summary(scored, label):
    """Top-1, top-3 and the confusion matrix (Markdown lines) of scored clips:
    (set, truth, top-1, candidates) tuples."""
    n = len(scored)
    top1 = sum(got == want for _, want, got, _ in scored)
    top3 = sum(want in cands[:3] for _, want, _, cands in scored)
    confusion = {}
    for _, want, got, _ in scored:
        confusion.setdefault(want, {}).setdefault(got or "-", 0)
        confusion[want][got or "-"] += 1
    cols = [s for s in SHIPPED if any(s in row for row in confusion.values())]
    cols += ["-"] if any("-" in row for row in confusion.values()) else []
    out = [f"Genre detection{label}: {n} clips, top-1 {top1 / n:.3f} ({top1}/{n}), "
           f"top-3 {top3 / n:.3f} ({top3}/{n})", ""]
    out.append("| truth \\ top-1 | " + " | ".join(cols) + " |")
    out.append("|---|" + "---|" * len(cols))
    for want in SHIPPED:
        if want not in confusion:
            continue
        row = confusion[want]
        out.append(f"| {want} | " + " | ".join(str(row.get(c, "")) for c in cols) + " |")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--tandem", required=True)
    ap.add_argument("--results")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--min-top1", type=float, default=None,
                    help="exit 1 if top-1 accuracy is below this")
    a = ap.parse_args()

    clips = []
    for truth_path in sorted(glob.glob(os.path.join(a.corpus, "*.json"))):
        if truth_path.endswith("index.json"):
            continue
        with open(truth_path) as f:
            truth = json.load(f)
        if truth.get("category") not in ("drums", "drums_fx", "genre"):
            continue
        clips.append((truth_path[:-5] + ".wav", truth))
    if not clips:
        sys.exit(f"genre_bench.py: no drum clips in {a.corpus}")
    with ThreadPoolExecutor(a.jobs) as pool:
        results = list(pool.map(analyse, [(a.tandem, wav) for wav, _ in clips]))

    scored = []
    unscored = []
    lines = []
    for (wav, truth), res in zip(clips, results):
        want = STYLE_MAP.get(truth["style"])
        got = res.get("genre", "")
        cands = [c["genre"] for c in res.get("genre_candidates", [])]
        name = os.path.basename(wav)
        if want is None:
            unscored.append(f"{name}: {got} ({res.get('genre_confidence', 0):.2f})")
            continue
        scored.append((truth.get("heldout_set"), want, got, cands))
        lines.append(f"{name:52s} truth {want:9s} got {got or '-':9s} "
                     f"{res.get('genre_confidence', 0):.2f}  top3 {','.join(cands)}")
    out = summary(scored, "")
    sets = sorted({s for s, _, _, _ in scored if s is not None})
    if sets:
        out[0] = out[0].replace("Genre detection:", "Genre detection, all held-out sets:")
        for k in sets:
            out.append("")
            out += summary([c for c in scored if c[0] == k], f", held-out set {k} only")
    if unscored:
        out.append("")
        out.append("Not scored (no shipped counterpart): " + "; ".join(unscored))
    print("\n".join(lines))
    print()
    print("\n".join(out))
    record.append(a.results, "Genre detection, "
                  + os.path.basename(os.path.normpath(a.corpus)), "\n".join(out))
    top1 = sum(got == want for _, want, got, _ in scored) / len(scored)
    if a.min_top1 is not None and top1 < a.min_top1:
        sys.exit(1)


if __name__ == "__main__":
    main()
