#!/usr/bin/python3
"""Scores tandem-analyze's section detection on rendered arrangements.

Usage: sections_bench.py CORPUS_DIR --tandem PATH/tandem-analyze [--results FILE]

Every clip of category "arrangement" (genre_corpus.py) is analysed with
`tandem-analyze --json`.  Boundaries: F-measure of the detected section starts
against the true ones (the start of the clip excluded), a hit within +-1 bar,
one-to-one.  Labels: the share of true bars whose detected label is the true
one (intro, verse, chorus, bridge, outro; a group letter A-D is never right).
"""

import argparse
import glob
import json
import os
import subprocess
import sys

import record  # tests/bench/record.py: one block format for every benchmark


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--tandem", required=True)
    ap.add_argument("--results")
    a = ap.parse_args()
    rows = []
    tp_all = fp_all = fn_all = 0
    agree_all = bars_all = 0
    for truth_path in sorted(glob.glob(os.path.join(a.corpus, "arr_*.json"))):
        with open(truth_path) as f:
            truth = json.load(f)
        wav = truth_path[:-5] + ".wav"
        res = json.loads(subprocess.run([a.tandem, "--json", wav], check=True,
                                        stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL).stdout)
        bar_s = 240.0 / truth["tempo_bpm"]
        want = [s["start_s"] for s in truth["sections"][1:]]
        got = [s["start"] for s in res["sections"][1:]]
        used = set()
        tp = 0
        for w in want:
            best = None
            for i, g in enumerate(got):
                if i not in used and abs(g - w) <= bar_s and (
                        best is None or abs(g - w) < abs(got[best] - w)):
                    best = i
            if best is not None:
                used.add(best)
                tp += 1
        fp = len(got) - tp
        fn = len(want) - tp
        tp_all += tp
        fp_all += fp
        fn_all += fn
        # label agreement, bar by bar at each bar's middle
        starts = [(s["start"], s["label"]) for s in res["sections"]]
        agree = 0
        n_bars = truth["n_bars"]
        first = truth["sections"][0]["start_s"]
        for b in range(n_bars):
            t = first + (b + 0.5) * bar_s
            true_label = [s["label"] for s in truth["sections"] if s["start_s"] <= t][-1]
            got_label = ([lab for st, lab in starts if st <= t] or [""])[-1]
            agree += got_label == true_label
        agree_all += agree
        bars_all += n_bars
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
        rows.append(f"{os.path.basename(wav):24s} boundary F {f1:.2f} (tp {tp} fp {fp} "
                    f"fn {fn})  labels {agree / n_bars:.2f}  got "
                    + " ".join(f"{lab}@{st:.0f}" for st, lab in starts))
    if not rows:
        sys.exit(f"sections_bench.py: no arrangement clips in {a.corpus}")
    f_all = 2 * tp_all / (2 * tp_all + fp_all + fn_all)
    summary = (f"Section detection: {len(rows)} arrangements, boundary F-measure (+-1 bar) "
               f"{f_all:.3f}, label agreement {agree_all / bars_all:.3f}")
    print_and_record(a.results, "Section detection", summary, rows)


def print_and_record(results, heading, summary, rows):
    """Prints the per-item rows and the summary; appends both, under a dated
    heading, to the results file when one is given."""
    print("\n".join(rows))
    print(summary)
    record.append(results, heading, summary + "\n\n" + "\n".join("    " + r for r in rows))


if __name__ == "__main__":
    main()
