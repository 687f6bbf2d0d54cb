#!/usr/bin/python3
"""Fits the drum model of plugin/drums.c on the training split of the unseen
corpus and chooses its thresholds on the development split.

Usage: tools/fit-drums.py CORPUS_DIR --analyze build/tools/tandem-analyze
           [--out plugin/drum_model.h] [--jobs 2]

CORPUS_DIR is what tests/bench/unseen/make_unseen.py rendered: corpus.json lists
the clips with their split; each clip's truth JSON names every drum hit by
instrument.  tandem-analyze --drum-features writes the features of each onset
the plugin reports; an onset is labelled with every drum struck within 30 ms of
it.  One logistic model per drum (kick, snare, hat) is fitted on the train
clips (Newton's method, a little L2), the threshold of each on the dev clips
(best onset-level F), and the model is written as a C header.  The test split
is never read.  Train and dev figures are printed side by side.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

DRUMS = ("kick", "snare", "hat")
TOL_S = 0.030
L2 = 1e-2


def fail(msg):
    print(f"fit-drums: {msg}", file=sys.stderr)
    sys.exit(1)


def load_clips(corpus):
    index = os.path.join(corpus, "corpus.json")
    try:
        with open(index) as f:
            listing = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"cannot read {index}: {e}")
    clips = listing["clips"] if isinstance(listing, dict) else listing
    out = []
    for c in clips:
        if c.get("split") not in ("train", "dev"):
            continue
        truth_path = os.path.join(corpus, c["truth"])
        with open(truth_path) as f:
            truth = json.load(f)
        if not truth.get("has_drums", True) or not truth.get("drums"):
            continue
        out.append((c["split"], os.path.join(corpus, c["wav"]), truth["drums"]))
    return out


def features_of(analyze, wav):
    with tempfile.NamedTemporaryFile(suffix=".tsv") as tmp:
        r = subprocess.run([analyze, "--drum-features", tmp.name, wav],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail(f"tandem-analyze failed on {wav}: {r.stderr.strip()}")
        rows = np.loadtxt(tmp.name, ndmin=2) if os.path.getsize(tmp.name) else np.zeros((0, 4))
    return rows


def labels_for(times, hits):
    """1 where a true hit of the drum lies within TOL_S of the onset."""
    hits = np.sort(np.asarray(hits, dtype=float))
    if hits.size == 0 or times.size == 0:
        return np.zeros(times.size)
    i = np.searchsorted(hits, times)
    after = np.abs(hits[np.minimum(i, hits.size - 1)] - times)
    before = np.abs(times - hits[np.maximum(i - 1, 0)])
    return (np.minimum(after, before) <= TOL_S).astype(float)


def fit_logistic(x, y):
    """Weights (features..., bias) by Newton's method with L2 on the weights."""
    xb = np.hstack([x, np.ones((x.shape[0], 1))])
    w = np.zeros(xb.shape[1])
    reg = L2 * np.eye(xb.shape[1])
    reg[-1, -1] = 0.0
    for _ in range(50):
        z = np.clip(xb @ w, -30, 30)
        p = 1.0 / (1.0 + np.exp(-z))
        grad = xb.T @ (p - y) + reg @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return w


def prob(x, w):
    z = np.clip(x @ w[:-1] + w[-1], -30, 30)
    return 1.0 / (1.0 + np.exp(-z))


def f_measure(pred, y):
    tp = float(np.sum(pred * y))
    fp = float(np.sum(pred * (1 - y)))
    fn = float(np.sum((1 - pred) * y))
    return 2 * tp / (2 * tp + fp + fn) if tp > 0 else 0.0


def git_head(repo):
    try:
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" plus uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "plugin",
                                                  "drum_model.h"))
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    if not os.access(a.analyze, os.X_OK):
        fail(f"{a.analyze} is not an executable")
    clips = load_clips(a.corpus)
    if not any(s == "train" for s, _, _ in clips) or not any(s == "dev" for s, _, _ in clips):
        fail(f"{a.corpus} has no train or no dev clips with drums")
    with ThreadPoolExecutor(a.jobs) as pool:
        rows = list(pool.map(lambda c: features_of(a.analyze, c[1]), clips))
    data = {}
    for (split, _, drums), r in zip(clips, rows):
        if r.shape[0] == 0:
            continue
        y = np.stack([labels_for(r[:, 0], drums.get(d, [])) for d in DRUMS], axis=1)
        xs, ys = data.setdefault(split, ([], []))
        xs.append(r[:, 4:])
        ys.append(y)
    x = {s: np.vstack(v[0]) for s, v in data.items()}
    y = {s: np.vstack(v[1]) for s, v in data.items()}
    n_clips = {s: sum(1 for c in clips if c[0] == s) for s in ("train", "dev")}
    weights, thresholds, report = [], [], []
    for k, name in enumerate(DRUMS):
        w = fit_logistic(x["train"], y["train"][:, k])
        p_dev = prob(x["dev"], w)
        best = max(np.arange(0.2, 0.81, 0.025),
                   key=lambda t: f_measure((p_dev >= t).astype(float), y["dev"][:, k]))
        weights.append(w)
        thresholds.append(float(best))
        f_tr = f_measure((prob(x["train"], w) >= best).astype(float), y["train"][:, k])
        f_dev = f_measure((p_dev >= best).astype(float), y["dev"][:, k])
        report.append((name, f_tr, f_dev, best))
    print(f"onsets: train {x['train'].shape[0]} ({n_clips['train']} clips), "
          f"dev {x['dev'].shape[0]} ({n_clips['dev']} clips)")
    print("| drum | onset-level F train | onset-level F dev | threshold (dev) |")
    print("|---|---|---|---|")
    for name, f_tr, f_dev, t in report:
        print(f"| {name} | {f_tr:.3f} | {f_dev:.3f} | {t:.3f} |")

    repo = os.path.dirname(os.path.abspath(os.path.join(os.path.dirname(__file__))))
    n_feat = x["train"].shape[1]
    with open(a.out, "w") as f:
        f.write("/* Tandem — the drum model of drums.c.  Written by tools/fit-drums.py; do not\n"
                " * edit.  Fitted on the train split of tests/bench/unseen "
                f"({n_clips['train']} clips,\n * {x['train'].shape[0]} onsets), thresholds "
                f"chosen on the dev split ({n_clips['dev']} clips), at\n * commit "
                f"{git_head(repo)}.  Onset-level F train/dev: "
                + ", ".join(f"{n} {ft:.3f}/{fd:.3f}" for n, ft, fd, _ in report) + ". */\n")
        f.write(f"static const float tandem_drum_weights[3][{n_feat} + 1] = {{\n")
        for w in weights:
            vals = ", ".join(f"{v:.6g}f" for v in w)
            f.write(f"    {{{vals}}},\n")
        f.write("};\n")
        f.write("static const float tandem_drum_thresholds[3] = {"
                + ", ".join(f"{t:.3f}f" for t in thresholds) + "};\n")
    print(f"fit-drums: wrote {a.out}")


if __name__ == "__main__":
    main()
