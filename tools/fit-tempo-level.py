#!/usr/bin/python3
"""Fits the metrical-level model of plugin/tempo.c on the training split of the
unseen corpus and chooses its regularisation on the development split.

Usage: tools/fit-tempo-level.py CORPUS_DIR --analyze build/tools/tandem-analyze
           [--out plugin/tempo_level_model.h] [--jobs 2]

CORPUS_DIR is what tests/bench/unseen/make_unseen.py rendered.  At every update
the tempo tracker's comb picks a candidate beat period; tandem-analyze
--tempo-features writes what the level is read from (tempo.c: level_features).
Each update is labelled with the level the truth asks for: the candidate's tempo
halved (slower), kept, or doubled (faster), within 4 %; updates that match none
(a 3:2 reading, a wrong tempo) and those in the first 4 s after a tempo change
are left out.  Updates without a drum kit are kept, although tempo.c's ODF
rules decide those: fitted on kit updates alone, dev beat F fell from 0.703 to
0.688 at the same Acc1.  A softmax over the three choices is trained on the train clips
with L2 regularisation chosen where the dev clips' accuracy is best; every clip
weighs the same, however many updates it has.  The test split is never read.
Train and dev figures are printed side by side with the comb's own choice
(always keep) for comparison.
"""

import numpy as np

import unseen_fit as uf

TOOL = "fit-tempo-level"
TOL = 0.04          # tempo tolerance of a label, as the benchmark's Acc1
SETTLE_S = 4.0      # updates this soon after a tempo change are not labelled
CHOICES = ("slower", "keep", "faster")
FACTORS = (0.5, 1.0, 2.0)  # truth / candidate tempo for each choice


def fail(msg):
    uf.fail(TOOL, msg)


def segments_of(truth):
    """The clip's tempo segments, or one for its whole length, or none."""
    return truth.get("tempo_segments") or (
        [{"start_s": 0.0, "bpm": truth["tempo_bpm"]}] if truth.get("tempo_bpm") else [])


def label(time_s, bpm, segments):
    """The choice index the truth asks for at time_s, or -1."""
    seg = None
    for s in segments:
        if s["start_s"] <= time_s:
            seg = s
    if seg is None or time_s - seg["start_s"] < SETTLE_S or bpm <= 0:
        return -1
    for k, f in enumerate(FACTORS):
        if abs(bpm * f - seg["bpm"]) <= TOL * seg["bpm"]:
            return k
    return -1


def fit_softmax(x, y, w, l2, epochs=600):
    """Multinomial logistic regression by gradient descent (Adam) on the weighted
    mean cross-entropy; x is standardised already."""
    n, d = x.shape
    W = np.zeros((d, 3))
    b = np.zeros(3)
    onehot = np.eye(3)[y]
    m = [np.zeros_like(W), np.zeros_like(b)]
    v = [np.zeros_like(W), np.zeros_like(b)]
    lr, b1, b2 = 0.05, 0.9, 0.999
    wsum = w.sum()
    for epoch in range(1, epochs + 1):
        z = x @ W + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * (w / wsum)[:, None]
        grads = [x.T @ g + l2 * W, g.sum(axis=0)]
        for i, (q, gr) in enumerate(zip((W, b), grads)):
            m[i] = b1 * m[i] + (1 - b1) * gr
            v[i] = b2 * v[i] + (1 - b2) * gr * gr
            q -= lr * (m[i] / (1 - b1 ** epoch)) / (np.sqrt(v[i] / (1 - b2 ** epoch)) + 1e-8)
    return W, b


def accuracy(pred, y, w):
    return float(np.sum(w * (pred == y)) / np.sum(w))


def main():
    a = uf.parse_args(TOOL, __doc__, "tempo_level_model.h")
    clips = [(split, wav, segments_of(truth))
             for split, wav, truth in uf.train_dev_truths(TOOL, a.corpus) if segments_of(truth)]
    if not any(s == "train" for s, _, _ in clips) or not any(s == "dev" for s, _, _ in clips):
        fail(f"{a.corpus} has no train or no dev clips with a tempo")
    rows = uf.feature_rows(TOOL, a.analyze, "--tempo-features", [c[1] for c in clips], a.jobs)
    data = {}
    for (split, _, segments), r in zip(clips, rows):
        if r is None:
            continue
        ys = np.array([label(t, bpm, segments) for t, bpm in r[:, :2]])
        keep = ys >= 0
        if not keep.any():
            continue
        xs, yl, ws = data.setdefault(split, ([], [], []))
        xs.append(r[keep, 2:])
        yl.append(ys[keep])
        ws.append(np.full(int(keep.sum()), 1.0 / keep.sum()))  # every clip weighs the same
    x = {s: np.vstack(v[0]) for s, v in data.items()}
    y = {s: np.concatenate(v[1]).astype(int) for s, v in data.items()}
    w = {s: np.concatenate(v[2]) for s, v in data.items()}
    mean, std = x["train"].mean(axis=0), x["train"].std(axis=0) + 1e-6
    xs = {s: (x[s] - mean) / std for s in x}
    results = []
    for l2 in (1e-4, 1e-3, 1e-2, 3e-2, 1e-1):
        W, b = fit_softmax(xs["train"], y["train"], w["train"], l2)
        acc = {s: accuracy(np.argmax(xs[s] @ W + b, axis=1), y[s], w[s]) for s in xs}
        results.append((acc["dev"], l2, W, b, acc))
        print(f"l2 {l2:g}: accuracy train {acc['train']:.3f} dev {acc['dev']:.3f}")
    best = max(results, key=lambda r: r[0])
    _, l2, W, b, acc = best
    keep_acc = {s: accuracy(np.ones_like(y[s]), y[s], w[s]) for s in y}
    share = {s: [float(np.sum(w[s] * (y[s] == k)) / np.sum(w[s])) for k in range(3)] for s in y}
    print(f"updates: train {len(y['train'])} ({len(data['train'][0])} clips), "
          f"dev {len(y['dev'])} ({len(data['dev'][0])} clips)")
    print("| level chosen right (clip-weighted) | train | dev |")
    print("|---|---|---|")
    print(f"| the comb's candidate kept | {keep_acc['train']:.3f} | {keep_acc['dev']:.3f} |")
    print(f"| fitted model (l2 {l2:g}) | {acc['train']:.3f} | {acc['dev']:.3f} |")
    print("truth wants slower/keep/faster: train " +
          "/".join(f"{v:.2f}" for v in share["train"]) + ", dev " +
          "/".join(f"{v:.2f}" for v in share["dev"]))

    # fold the standardisation in: ((x - mean) / std) @ W + b = x @ Wf + bf
    Wf = W / std[:, None]
    bf = b - (mean / std) @ W
    provenance = uf.git_head()
    n_feat = x["train"].shape[1]
    with open(a.out, "w") as f:
        f.write("/* Tandem — the metrical-level model of tempo.c.  Written by\n"
                " * tools/fit-tempo-level.py; do not edit.  Fitted on the train split of\n"
                f" * tests/bench/unseen ({len(data['train'][0])} clips, {len(y['train'])} updates), "
                f"L2 {l2:g} chosen on\n * the dev split ({len(data['dev'][0])} clips), at commit "
                f"{provenance}.  Level right\n * (clip-weighted) train/dev: "
                f"{acc['train']:.3f}/{acc['dev']:.3f}; keeping the comb's candidate: "
                f"{keep_acc['train']:.3f}/{keep_acc['dev']:.3f}. */\n")

        def floats(vals):
            return ", ".join(f"{v:.7e}f" for v in vals)

        f.write("/* scores of: slower (period doubled), keep, faster (period halved) */\n")
        f.write(f"static const float tandem_level_w[3][{n_feat}] = {{\n")
        for k in range(3):
            f.write(f"    {{{floats(Wf[:, k])}}},\n")
        f.write("};\n")
        f.write(f"static const float tandem_level_b[3] = {{{floats(bf)}}};\n")
    print(f"fit-tempo-level: wrote {a.out}")


if __name__ == "__main__":
    main()
