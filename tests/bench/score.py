#!/usr/bin/python3
"""Scores onset, tempo, key and chord detection on the benchmark corpus.

Runs aubio's command-line tools and, when given, tandem-analyze on the same
files in the same run, prints one table, and (with --results) appends it as a
dated block to tests/bench/results.md.

Usage: score.py CORPUS_DIR [--tandem PATH] [--results FILE] [--extra FILE ...]
       score.py --self-test
"""

import argparse
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys

import record  # tests/bench/record.py: one block format for every benchmark
import time
from concurrent.futures import ThreadPoolExecutor

ONSET_CATEGORIES = ("drums", "drums_fx")
TEMPO_CATEGORIES = ("drums", "drums_fx", "harmony", "mix", "long")
KEY_CATEGORIES = ("harmony", "mix", "long")
AUBIO_ONSET_METHODS = ("hfc", "complex", "specflux")
MERGE_S = 0.030
TEMPO_TOL = 0.04
TEMPO_FACTORS = (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0)
PITCH = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# ---------------------------------------------------------------- metrics


def merge_close(times, window=MERGE_S):
    """Strokes closer than `window` to the previous kept one count as one onset
    (flams and kick+hat pairs are heard, and detected, as one)."""
    out = []
    for t in sorted(times):
        if not out or t - out[-1] > window:
            out.append(t)
    return out


def match_pairs(ref, est, tol):
    """Greedy one-to-one matching: closest pairs first, each onset used once.
    Returns the matched (ref index, est index) pairs."""
    pairs = []
    j0 = 0
    for i, r in enumerate(ref):
        while j0 < len(est) and est[j0] < r - tol:
            j0 += 1
        j = j0
        while j < len(est) and est[j] <= r + tol:
            pairs.append((abs(est[j] - r), i, j))
            j += 1
    pairs.sort()
    used_r, used_e = set(), set()
    matched = []
    for _, i, j in pairs:
        if i not in used_r and j not in used_e:
            used_r.add(i)
            used_e.add(j)
            matched.append((i, j))
    return matched


def match_count(ref, est, tol):
    return len(match_pairs(ref, est, tol))


def merge_classes(times, classes, window=MERGE_S):
    """Like merge_close, with the set of instrument classes in each merged onset."""
    out_t, out_c = [], []
    for t, c in sorted(zip(times, classes)):
        if not out_t or t - out_t[-1] > window:
            out_t.append(t)
            out_c.append({c})
        else:
            out_c[-1].add(c)
    return out_t, out_c


def class_accuracy(ref_t, ref_c, est_t, est_c, tol=0.050):
    """Of the matched onsets, the fraction whose class is one of those struck."""
    pairs = match_pairs(ref_t, est_t, tol)
    if not pairs:
        return None
    return sum(1 for i, j in pairs if est_c[j] in ref_c[i]) / len(pairs)


def f_measure(ref, est, tol):
    if not ref and not est:
        return 1.0
    if not ref or not est:
        return 0.0
    tp = match_count(ref, est, tol)
    if tp == 0:
        return 0.0
    p = tp / len(est)
    r = tp / len(ref)
    return 2 * p * r / (p + r)


def tempo_acc(est, true):
    """(Acc1, Acc2) as 0/1 for one clip."""
    if not est or est <= 0 or not true:
        return 0, 0
    acc1 = abs(est - true) <= TEMPO_TOL * true
    acc2 = any(abs(est - true * f) <= TEMPO_TOL * true * f for f in TEMPO_FACTORS)
    return int(acc1), int(acc2)


def bpm_from_beats(beats):
    ibis = [b - a for a, b in zip(beats, beats[1:]) if b > a]
    if len(ibis) < 2:
        return 0.0
    return 60.0 / statistics.median(ibis)


def relock_bars(beats, step_s, new_bpm, factors=(1.0,)):
    """Bars (at the new tempo) from the step until the inter-beat interval stays
    within 4% of the new period (times one of `factors`) to the end; None if it
    never does."""
    period = 60.0 / new_bpm
    after = [b for b in beats if b >= step_s]
    if len(after) < 3:
        return None
    ok_from = None
    for k in range(len(after) - 1):
        ibi = after[k + 1] - after[k]
        good = any(abs(ibi - period * f) <= TEMPO_TOL * period * f for f in factors)
        if good and ok_from is None:
            ok_from = k
        elif not good:
            ok_from = None
    if ok_from is None:
        return None
    return (after[ok_from] - step_s) / (4 * period)


def parse_root(text):
    m = re.match(r"^\s*([A-Ga-g])([#b♯♭]?)", text)
    if not m:
        return None, ""
    pc = PITCH[m.group(1).upper()]
    if m.group(2) in ("#", "♯"):
        pc += 1
    elif m.group(2) in ("b", "♭"):
        pc -= 1
    return pc % 12, text[m.end():].strip()


def parse_key(text):
    """'A minor', 'A min', 'Am', 'F# major' -> (pitch class, 'major'|'minor')."""
    if not text:
        return None
    root, rest = parse_root(text)
    if root is None:
        return None
    rest = rest.lower()
    minor = rest.startswith("min") or rest == "m" or rest.startswith("m ")
    return root, "minor" if minor else "major"


def key_score(est, true):
    """MIREX weighted key score: 1 same, .5 fifth, .3 relative, .2 parallel."""
    e, t = parse_key(est), parse_key(true)
    if e is None or t is None:
        return 0.0
    if e == t:
        return 1.0
    if e[1] == t[1] and (e[0] - t[0]) % 12 in (5, 7):
        return 0.5
    if t[1] == "major" and e[1] == "minor" and (e[0] - t[0]) % 12 == 9:
        return 0.3
    if t[1] == "minor" and e[1] == "major" and (e[0] - t[0]) % 12 == 3:
        return 0.3
    if e[0] == t[0]:
        return 0.2
    return 0.0


def chord_family(name):
    """'Am7' -> (9, 'min'); families maj, min, 7, sus; None for no chord."""
    if not name or name.strip().upper() in ("N", "NC", "N.C.", "NONE", "-"):
        return None
    root, rest = parse_root(name)
    if root is None:
        return None
    s = rest.lower().replace(":", "")
    if "sus" in s:
        fam = "sus"
    elif s.startswith(("maj", "^", "add", "6")) or s == "" or s.startswith("M"):
        fam = "maj"
    elif s.startswith(("m", "min", "-")) and not s.startswith("maj"):
        fam = "min"
    elif s.startswith(("7", "9", "13", "11", "dom")):
        fam = "7"
    else:
        fam = s  # dim, aug, ...: only match themselves
    return root, fam


def chord_accuracy(est_chords, truth_chords, beat_period):
    """Fraction of ground-truth beats whose chord (read at mid-beat) matches."""
    if not truth_chords:
        return None
    est = sorted(est_chords)
    hits = 0
    for tc in truth_chords:
        t = tc["time"] + 0.5 * beat_period
        name = None
        for et, en in est:
            if et <= t:
                name = en
            else:
                break
        if name is not None and chord_family(name) == chord_family(tc["name"]):
            hits += 1
    return hits / len(truth_chords)


# ---------------------------------------------------------------- detectors


def run(cmd, timeout=300):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): "
                           f"{p.stderr.strip()[:200]}")
    return p.stdout


def floats(text):
    out = []
    for line in text.split():
        try:
            out.append(float(line))
        except ValueError:
            pass
    return out


def aubio_onsets(path, method):
    return sorted(floats(run(["aubioonset", "-O", method, "-i", path])))


def aubio_beats(path):
    return sorted(floats(run(["aubiotrack", "-i", path])))


def aubio_tempo(path):
    m = re.search(r"([0-9.]+)\s*bpm", run(["aubio", "tempo", path]))
    return float(m.group(1)) if m else 0.0


def times_of(items, *keys):
    out = []
    for it in items or []:
        if isinstance(it, (int, float)):
            out.append(float(it))
        elif isinstance(it, dict):
            for k in keys:
                if k in it:
                    out.append(float(it[k]))
                    break
        elif isinstance(it, (list, tuple)) and it:
            out.append(float(it[0]))
    return sorted(out)


def tandem_result(tandem, path):
    d = json.loads(run([tandem, "--json", path]))
    chords = []
    for c in d.get("chords") or []:
        if isinstance(c, dict):
            t = c.get("time", c.get("time_s", c.get("start_s")))
            chords.append((float(t), c.get("name") or c.get("chord") or ""))
        elif isinstance(c, (list, tuple)) and len(c) >= 2:
            chords.append((float(c[0]), str(c[1])))
    onsets = d.get("onsets") or []
    classes = d.get("onset_classes") or []
    if len(classes) != len(onsets):
        classes = ["?"] * len(onsets)
    paired = sorted((t if isinstance(t, (int, float)) else times_of([t], "time", "time_s")[0],
                     str(c)) for t, c in zip(onsets, classes))
    return dict(onsets=[t for t, _ in paired], onset_classes=[c for _, c in paired],
                beats=times_of(d.get("beats"), "time", "time_s"),
                tempo_bpm=float(d.get("tempo_bpm") or 0.0), key=d.get("key") or "",
                chords=chords)


# ---------------------------------------------------------------- scoring


def load_corpus(corpus):
    with open(os.path.join(corpus, "index.json")) as f:
        names = json.load(f)
    clips = []
    for n in names:
        with open(os.path.join(corpus, n + ".json")) as f:
            truth = json.load(f)
        truth["path"] = os.path.join(corpus, n + ".wav")
        truth["name"] = n
        clips.append(truth)
    return clips


def analyse(clip, tandem):
    """Runs every detector on one clip; returns raw outputs."""
    path = clip["path"]
    out = {"name": clip["name"]}
    if clip["category"] in ONSET_CATEGORIES + ("mix",):
        for m in AUBIO_ONSET_METHODS:
            out["aubio_" + m] = aubio_onsets(path, m)
    out["aubio_beats"] = aubio_beats(path)
    out["aubio_tempo"] = aubio_tempo(path)
    if tandem:
        out["tandem"] = tandem_result(tandem, path)
    return out


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else float("nan")


def clip_details(clips, raw, tandem):
    """Per-clip figures, to find what a mean hides."""
    by = {r["name"]: r for r in raw}
    out = []
    for c in clips:
        r = by[c["name"]]
        d = {"name": c["name"], "category": c["category"], "true_bpm": c.get("tempo_bpm"),
             "aubiotrack_bpm": round(bpm_from_beats(r["aubio_beats"]), 2),
             "aubio_tempo_bpm": r["aubio_tempo"]}
        ref = merge_close(c["onsets"])
        for m in AUBIO_ONSET_METHODS:
            if "aubio_" + m in r:
                d["F50_aubio_" + m] = round(f_measure(ref, r["aubio_" + m], 0.05), 4)
        if tandem:
            t = r["tandem"]
            d["F50_tandem"] = round(f_measure(ref, t["onsets"], 0.05), 4)
            d["F25_tandem"] = round(f_measure(ref, t["onsets"], 0.025), 4)
            d["tandem_bpm"] = t["tempo_bpm"]
            if c.get("key"):
                d["true_key"] = c["key"]
                d["tandem_key"] = t["key"]
                d["chord_acc"] = chord_accuracy(t["chords"], c["chords"],
                                                60.0 / c["tempo_bpm"])
        out.append(d)
    return out


def score(clips, raw, tandem):
    rows = []  # (metric, detector, value, target)
    by = {r["name"]: r for r in raw}
    onset_sets = {"drums": [c for c in clips if c["category"] in ONSET_CATEGORIES],
                  "mix": [c for c in clips if c["category"] == "mix"]}
    detectors = ["aubio_" + m for m in AUBIO_ONSET_METHODS] + (["tandem"] if tandem else [])
    onset_f = {}
    for set_name, subset in onset_sets.items():
        for det in detectors:
            for tol in (0.050, 0.025):
                fs = []
                for c in subset:
                    ref = merge_close(c["onsets"])
                    r = by[c["name"]]
                    est = r["tandem"]["onsets"] if det == "tandem" else r[det]
                    fs.append(f_measure(ref, est, tol))
                onset_f[(set_name, det, tol)] = mean(fs)
                rows.append((f"onset F ±{int(tol * 1000)} ms ({set_name}, {len(subset)} clips)",
                             det, mean(fs), None))
    if tandem:
        accs = []
        for c in onset_sets["drums"]:
            ref_t, ref_c = merge_classes(c["onsets"], c["onset_classes"])
            t = by[c["name"]]["tandem"]
            accs.append(class_accuracy(ref_t, ref_c, t["onsets"], t["onset_classes"]))
        rows.append((f"onset class correct, of matched ({len(accs)} drum clips)", "tandem",
                     mean(accs), None))
    tempo_clips = [c for c in clips if c["category"] in TEMPO_CATEGORIES and c.get("tempo_bpm")]
    tempo_dets = {"aubiotrack (median IBI)": lambda r: bpm_from_beats(r["aubio_beats"]),
                  "aubio tempo": lambda r: r["aubio_tempo"]}
    if tandem:
        tempo_dets["tandem tempo_bpm"] = lambda r: r["tandem"]["tempo_bpm"]
    for det, get in tempo_dets.items():
        accs = [tempo_acc(get(by[c["name"]]), c["tempo_bpm"]) for c in tempo_clips]
        rows.append((f"tempo Acc1 ({len(tempo_clips)} clips)", det, mean([a[0] for a in accs]), None))
        rows.append((f"tempo Acc2 ({len(tempo_clips)} clips)", det, mean([a[1] for a in accs]), None))
    step_clips = [c for c in clips if c["category"] == "tempo_step"]
    beat_dets = {"aubiotrack": lambda r: r["aubio_beats"]}
    if tandem:
        beat_dets["tandem beats"] = lambda r: r["tandem"]["beats"]
    for det, get in beat_dets.items():
        for c in step_clips:
            bars = relock_bars(get(by[c["name"]]), c["tempo_step_s"],
                               c["tempo_segments"][-1]["bpm"])
            rows.append((f"relock bars {c['name']}", det, bars, None))
            loose = relock_bars(get(by[c["name"]]), c["tempo_step_s"],
                                c["tempo_segments"][-1]["bpm"], (1.0, 2.0, 0.5))
            rows.append((f"relock bars {c['name']} (x2, x1/2 allowed)", det, loose, None))
    if tandem:
        key_clips = [c for c in clips if c["category"] in KEY_CATEGORIES]
        ks = [key_score(by[c["name"]]["tandem"]["key"], c["key"]) for c in key_clips]
        rows.append((f"key MIREX score ({len(key_clips)} clips)", "tandem", mean(ks), None))
        cs = [chord_accuracy(by[c["name"]]["tandem"]["chords"], c["chords"],
                             60.0 / c["tempo_bpm"]) for c in key_clips]
        rows.append((f"chord beats correct ({len(key_clips)} clips)", "tandem", mean(cs), None))
    return rows, onset_f


def fmt(v):
    if v is None:
        return "never"
    if isinstance(v, float) and math.isnan(v):
        return "n/a"
    return f"{v:.3f}"


def target_lines(onset_f, tandem):
    lines = []
    best = {tol: max(onset_f[("drums", "aubio_" + m, tol)] for m in AUBIO_ONSET_METHODS)
            for tol in (0.050, 0.025)}
    lines.append(f"aubio best onset F: {best[0.050]:.3f} at ±50 ms, {best[0.025]:.3f} at ±25 ms")
    if tandem:
        f50 = onset_f[("drums", "tandem", 0.050)]
        f25 = onset_f[("drums", "tandem", 0.025)]
        lines.append(f"target ours >= 0.96 at ±50 ms: {f50:.3f} "
                     f"{'MET' if f50 >= 0.96 else 'MISSED'}")
        lines.append(f"target ours > aubio best at ±50 ms: {f50:.3f} vs {best[0.050]:.3f} "
                     f"{'MET' if f50 > best[0.050] else 'MISSED'}")
        lines.append(f"target ours > aubio best at ±25 ms: {f25:.3f} vs {best[0.025]:.3f} "
                     f"{'MET' if f25 > best[0.025] else 'MISSED'}")
    else:
        lines.append("tandem-analyze not available: Tandem not scored")
    return lines


def wall_time(cmds, repeats=3):
    """Median wall and CPU (user + sys) time of running the commands one after
    another.  The machine is shared, so CPU time is the fairer comparison."""
    walls, cpus = [], []
    for _ in range(repeats):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        for c in cmds:
            run(c)
        walls.append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", nargs="?")
    ap.add_argument("--tandem", help="path to tandem-analyze")
    ap.add_argument("--results", help="markdown file to append the dated block to")
    ap.add_argument("--extra", nargs="*", default=[],
                    help="text files (benchmark outputs) to include in the block")
    ap.add_argument("--details", help="JSON file for per-clip figures")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.corpus:
        ap.error("CORPUS_DIR is required")
    tandem = args.tandem if args.tandem and os.access(args.tandem, os.X_OK) else None
    if args.tandem and not tandem:
        print(f"score: {args.tandem} is not an executable; scoring aubio only",
              file=sys.stderr)
    clips = load_corpus(args.corpus)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        raw = list(pool.map(lambda c: analyse(c, tandem), clips))
    analysis_s = time.perf_counter() - t0
    rows, onset_f = score(clips, raw, tandem)
    if args.details:
        with open(args.details, "w") as f:
            json.dump(clip_details(clips, raw, tandem), f, indent=1)

    long_clip = next((c for c in clips if c["category"] == "long"), None)
    wall = []
    if long_clip:
        theirs, theirs_cpu = wall_time([["aubioonset", "-i", long_clip["path"]],
                                        ["aubiotrack", "-i", long_clip["path"]]])
        wall.append(f"time on the {long_clip['duration_s']:.0f} s file, aubioonset+aubiotrack: "
                    f"wall {theirs:.3f} s, CPU {theirs_cpu:.3f} s (median of 3)")
        if tandem:
            ours, ours_cpu = wall_time([[tandem, "--json", long_clip["path"]]])
            ratio = ours / theirs
            ratio_cpu = ours_cpu / theirs_cpu if theirs_cpu > 0 else float("nan")
            wall.append(f"time on the same file, tandem-analyze: wall {ours:.3f} s = "
                        f"{ratio:.2f}x theirs, CPU {ours_cpu:.3f} s = {ratio_cpu:.2f}x theirs "
                        f"(target <= 1.5x: wall {'MET' if ratio <= 1.5 else 'MISSED'}, "
                        f"CPU {'MET' if ratio_cpu <= 1.5 else 'MISSED'})")

    lines = ["| metric | detector | value |", "|---|---|---|"]
    lines += [f"| {m} | {d} | {fmt(v)} |" for m, d, v, _ in rows]
    lines.append("")
    lines += target_lines(onset_f, tandem) + wall
    lines.append(f"analysis of {len(clips)} clips took {analysis_s:.1f} s")
    for path in args.extra:
        if os.path.exists(path):
            with open(path) as f:
                lines.append("")
                lines += ["```", f.read().rstrip(), "```"]
    text = "\n".join(lines)
    print(text)
    record.append(args.results, "Analysis benchmark",
                  f"Corpus: {len(clips)} clips ({args.corpus}); "
                  f"tandem-analyze: {'yes' if tandem else 'not available'}.\n\n" + text)
    return 0


# ---------------------------------------------------------------- self-test


def self_test():
    """Checks the scoring on cases worked out by hand; exits non-zero on failure."""
    failures = []

    def check(what, got, want, tol=1e-9):
        ok = (got is None and want is None) or (
            got is not None and want is not None and abs(got - want) <= tol)
        if not ok:
            failures.append(f"{what}: got {got}, want {want}")

    ref = [1.0, 2.0, 3.0, 4.0]
    check("perfect detections score 1", f_measure(ref, ref, 0.05), 1.0)
    check("no detections score 0", f_measure(ref, [], 0.05), 0.0)
    check("detections 40 ms late count at ±50 ms",
          f_measure(ref, [t + 0.04 for t in ref], 0.05), 1.0)
    check("detections 40 ms late miss at ±25 ms",
          f_measure(ref, [t + 0.04 for t in ref], 0.025), 0.0)
    # Two detections near one onset: only one matches (P = 4/5, R = 1).
    check("a double detection is a false positive",
          f_measure(ref, [1.0, 1.01, 2.0, 3.0, 4.0], 0.05), 2 * 0.8 / 1.8)
    # Closest pair first: est 1.03 takes ref 1.04 (10 ms), leaving est 0.99 for
    # ref 1.0; matching in time order would pair 0.99-1.0 and 1.03-1.04 too, but
    # a nearest-first search from 1.0 alone would have to skip 1.03.
    check("greedy matching takes closest pairs first",
          match_count([1.0, 1.04], [0.99, 1.03], 0.05), 2)
    check("strokes within 30 ms merge", len(merge_close([1.0, 1.02, 1.029, 1.2])), 2)
    check("strokes 31 ms apart stay apart", len(merge_close([1.0, 1.031])), 2)
    check("tempo within 4% is Acc1", tempo_acc(124.0, 120.0)[0], 1)
    check("tempo 5% off is not Acc1", tempo_acc(126.0, 120.0)[0], 0)
    check("double tempo is Acc2 not Acc1", tempo_acc(240.0, 120.0)[1] - tempo_acc(240.0, 120.0)[0], 1)
    check("a third of the tempo is Acc2", tempo_acc(40.5, 120.0)[1], 1)
    check("1.5x tempo is not Acc2", tempo_acc(180.0, 120.0)[1], 0)
    check("bpm from beats", bpm_from_beats([0.5 * i for i in range(10)]), 120.0)
    check("same key scores 1", key_score("A minor", "A minor"), 1.0)
    check("flat spelling is the same key", key_score("Bb major", "A# major"), 1.0)
    check("fifth above scores .5", key_score("E minor", "A minor"), 0.5)
    check("fifth below scores .5", key_score("F major", "C major"), 0.5)
    check("relative minor scores .3", key_score("A minor", "C major"), 0.3)
    check("relative major scores .3", key_score("C major", "A minor"), 0.3)
    check("parallel scores .2", key_score("C minor", "C major"), 0.2)
    check("unrelated key scores 0", key_score("F# major", "C major"), 0.0)
    check("Am7 is in the minor family",
          float(chord_family("Am7") == (9, "min")), 1.0)
    check("Cmaj7 is in the major family", float(chord_family("Cmaj7") == (0, "maj")), 1.0)
    check("G7 is its own family", float(chord_family("G7") == (7, "7")), 1.0)
    check("Dsus4 and Dsus2 share the sus family",
          float(chord_family("Dsus4") == chord_family("Dsus2")), 1.0)
    truth = [{"time": 0.0, "name": "C"}, {"time": 0.5, "name": "C"},
             {"time": 1.0, "name": "Am"}, {"time": 1.5, "name": "Am"}]
    check("chords read at mid-beat",
          chord_accuracy([(0.0, "C"), (1.1, "Am")], truth, 0.5), 1.0)
    check("a late chord change loses a beat",
          chord_accuracy([(0.0, "C"), (1.3, "Am")], truth, 0.5), 0.75)
    beats = [0.5 * i for i in range(21)] + [10 + 0.4 * i for i in range(1, 30)]
    # After the step at 10 s the interval is 0.4 s at once: relock 0 bars...
    check("instant relock is 0 bars", relock_bars(beats, 10.0, 150.0), 0.0)
    # ... and after three wrong intervals it counts from the first good beat.
    slow = [0.5 * i for i in range(21)] + [10.5 + 0.45 * i for i in range(1, 4)]
    slow += [slow[-1] + 0.4 * i for i in range(1, 30)]
    check("relock counts bars at the new tempo", relock_bars(slow, 10.0, 150.0),
          (slow[23] - 10.0) / 1.6)
    check("never relocking gives None", relock_bars([0.5 * i for i in range(60)], 10.0, 150.0),
          None)
    check("doubled beats relock only when x2 is allowed",
          relock_bars(beats[:21] + [10 + 0.2 * i for i in range(1, 60)], 10.0, 150.0,
                      (1.0, 2.0, 0.5)), 0.0)
    check("doubled beats never relock at the strict tempo",
          relock_bars(beats[:21] + [10 + 0.2 * i for i in range(1, 60)], 10.0, 150.0), None)
    rt, rc = merge_classes([1.0, 1.01, 2.0], ["kick", "hat", "snare"])
    check("merged strokes keep all their classes", float(rc[0] == {"kick", "hat"}), 1.0)
    check("class accuracy counts a class of the merged strokes",
          class_accuracy(rt, rc, [1.005, 2.0], ["hat", "kick"]), 0.5)
    for f in failures:
        print("FAIL", f)
    print(f"score self-test: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
