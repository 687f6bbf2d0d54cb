#!/usr/bin/python3
"""Scores Tandem's listening (and aubio's) on the unseen corpus, per split.

Usage: score_unseen.py CORPUS_DIR BUILD_DIR [--splits train,dev] [--record FILE]
                       [--follow] [--jobs N] [--details FILE]
       score_unseen.py --self-test

Runs BUILD_DIR/tools/tandem-analyze --json, aubioonset (hfc, complex,
specflux) and aubiotrack on every clip of the chosen splits and prints one
table with the splits side by side.  The test split is scored only when
--splits names it: fit on train, choose on dev, score test once.  --record
appends the table, the date, the commit and the command line (paths relative
to the repository) to FILE as a Markdown block.  --follow also plays each drum
clip through the plugin (tandem-render --role drums --set follow=1 at the true
tempo, the host grid starting at 0 s) and counts the true kicks met by a
generated kick.  The metrics are in README.md; score.py's matching, tempo and
key functions are used as they are.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(BENCH))
sys.path.insert(0, BENCH)
sys.path.insert(0, HERE)
import record  # noqa: E402  (the shared results-block format)
import score as sc  # noqa: E402
import genre_bench as gbench  # noqa: E402
import groove_bench as gb  # noqa: E402  (MIDI reader for --follow)

SPLITS = ("train", "dev", "test")
TOL_ONSET, TOL_DRUM, TOL_BEAT = 0.050, 0.030, 0.070
# An unmatched detection from 30 ms before to 150 ms after a slow attack
# (strings, pads, brass: no sharp onset to place) is neither hit nor miss.
SOFT_BEFORE, SOFT_AFTER = 0.030, 0.150
DRUM_CLASSES = ("kick", "snare", "hat")
LEVEL_BUCKETS = ((-40.0, -25.0, "[-40,-25)"), (-25.0, -10.0, "[-25,-10)"),
                 (-10.0, 0.01, "[-10,0]"))
KEY_NULL_MAX_CONFIDENCE = 0.2

# ---------------------------------------------------------------- metrics


def drop_soft(ref, est, soft, tol=TOL_ONSET):
    """est without the detections that match no true onset and fall in the
    don't-care window of a slow attack."""
    matched = {j for _, j in sc.match_pairs(ref, est, tol)}
    soft = sorted(soft)
    keep = []
    for j, t in enumerate(est):
        near = any(s - SOFT_BEFORE <= t <= s + SOFT_AFTER for s in soft)
        if j in matched or not near:
            keep.append(t)
    return keep


def onset_f(truth, est):
    """F at ±50 ms against the merged hard onsets; None without any."""
    ref = sc.merge_close(truth["onsets"])
    if not ref:
        return None
    return sc.f_measure(ref, drop_soft(ref, sorted(est), truth.get("soft_onsets") or []),
                        TOL_ONSET)


def drum_lists(result):
    """Tandem's per-drum onsets: its `drums` field when it has one, else the
    onsets of each class in onsets + onset_classes."""
    d = result.get("drums")
    if isinstance(d, dict):
        return {c: sorted(sc.times_of(d.get(c), "time", "time_s")) for c in DRUM_CLASSES}
    out = {c: [] for c in DRUM_CLASSES}
    for t, c in zip(result.get("onsets") or [], result.get("onset_classes") or []):
        if c in out:
            out[c].append(float(t))
    return {c: sorted(v) for c, v in out.items()}


def drum_counts(ref, est, tol=TOL_DRUM):
    """(matched, detections, true strokes) for one class of one clip; strokes
    of a class within 30 ms merge (flams)."""
    ref = sc.merge_close(ref)
    return sc.match_count(ref, est, tol), len(est), len(ref)


def pooled_f(counts):
    tp = sum(c[0] for c in counts)
    n_est = sum(c[1] for c in counts)
    n_ref = sum(c[2] for c in counts)
    if n_ref == 0 and n_est == 0:
        return None
    return 2 * tp / (n_est + n_ref) if (n_est + n_ref) else None


def key_is_null(result):
    key = result.get("key")
    none = key is None or str(key).strip().lower() in ("", "none", "n", "null")
    return none and float(result.get("key_confidence") or 0.0) <= KEY_NULL_MAX_CONFIDENCE


def level_bucket(peak_dbfs):
    for lo, hi, name in LEVEL_BUCKETS:
        if lo <= peak_dbfs < hi:
            return name
    return LEVEL_BUCKETS[0][2] if peak_dbfs < LEVEL_BUCKETS[0][0] else LEVEL_BUCKETS[-1][2]


def same_answers(results):
    """For the copies of one clip at several levels: (tempo within 1 % of the
    loudest copy's, same key, same genre) as 0/1."""
    ref = results[-1]
    bpm0 = ref.get("tempo_bpm") or 0.0
    tempo = all(abs((r.get("tempo_bpm") or 0.0) - bpm0) <= 0.01 * max(bpm0, 1e-9)
                for r in results)
    key = len({str(r.get("key")) for r in results}) == 1
    genre = len({str(r.get("genre")) for r in results}) == 1
    return int(tempo), int(key), int(genre)


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


# ---------------------------------------------------------------- running


def run_tandem(tandem, path):
    d = json.loads(sc.run([tandem, "--json", path]))
    d["beats"] = sc.times_of(d.get("beats"), "time", "time_s")
    d["chords_parsed"] = sorted((float(c["time"]), str(c.get("name") or ""))
                                for c in d.get("chords") or [] if isinstance(c, dict))
    return d


def follow_kicks(render, build, clip):
    """Share of true kicks met (±30 ms) by a kick the plugin generates with
    follow=1 at the true tempo; the host grid starts at 0 s."""
    ref = sc.merge_close(clip["drums"]["kick"])
    if not ref:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        mid = os.path.join(tmp, "follow.mid")
        subprocess.run([render, clip["path"], "-o", mid, "--role", "drums", "--set", "follow=1",
                        "--bpm", f"{clip['tempo_bpm']:.3f}", "--freewheel", "-q"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, LV2_PATH=build), timeout=300)
        kicks = sorted(t for t, pitch, _ in gb.midi_notes(mid) if pitch in (35, 36))
    return len(sc.match_pairs(ref, kicks, TOL_DRUM)) / len(ref)


def analyse(clip, tools, follow):
    path = clip["path"]
    out = {"name": clip["name"], "tandem": run_tandem(tools["analyze"], path)}
    for m in sc.AUBIO_ONSET_METHODS:
        out["aubio_" + m] = sc.aubio_onsets(path, m)
    out["aubio_beats"] = sc.aubio_beats(path)
    if follow and clip.get("has_drums") and clip.get("tempo_bpm") and not clip.get("ladder_of"):
        try:
            out["follow"] = follow_kicks(tools["render"], tools["build"], clip)
        except (OSError, subprocess.SubprocessError) as e:
            out["follow_error"] = f"{type(e).__name__}: {e}"
    return out


# ---------------------------------------------------------------- scoring


def score_split(clips, raw):
    """{metric key: (tandem value, aubio value or None, n clips)} for one split."""
    by = {r["name"]: r for r in raw}
    base = [c for c in clips if not c.get("ladder_of")]
    res = {}
    # Onsets
    on_clips = [c for c in base if sc.merge_close(c["onsets"])]
    aubio_means = {m: mean([onset_f(c, by[c["name"]]["aubio_" + m]) for c in on_clips])
                   for m in sc.AUBIO_ONSET_METHODS}
    best = max(aubio_means, key=lambda m: aubio_means[m] or 0.0)
    res["aubio_best_method"] = best
    res["onset"] = (mean([onset_f(c, by[c["name"]]["tandem"]["onsets"]) for c in on_clips]),
                    aubio_means[best], len(on_clips))
    # Drums
    drum_clips = [c for c in base if c.get("has_drums")]
    for cls in DRUM_CLASSES:
        counts = [drum_counts(c["drums"][cls], drum_lists(by[c["name"]]["tandem"])[cls])
                  for c in drum_clips]
        res["drum_" + cls] = (pooled_f(counts), None, len(drum_clips))
    # Tempo (one tempo) and beats
    tempo_clips = [c for c in base if c.get("tempo_bpm")]
    t_acc = [sc.tempo_acc(by[c["name"]]["tandem"].get("tempo_bpm") or 0.0, c["tempo_bpm"])
             for c in tempo_clips]
    a_acc = [sc.tempo_acc(sc.bpm_from_beats(by[c["name"]]["aubio_beats"]), c["tempo_bpm"])
             for c in tempo_clips]
    res["acc1"] = (mean([a[0] for a in t_acc]), mean([a[0] for a in a_acc]), len(tempo_clips))
    res["acc2"] = (mean([a[1] for a in t_acc]), mean([a[1] for a in a_acc]), len(tempo_clips))
    beat_clips = [c for c in base if c.get("beats")]
    res["beat"] = (mean([sc.f_measure(c["beats"], by[c["name"]]["tandem"]["beats"], TOL_BEAT)
                         for c in beat_clips]),
                   mean([sc.f_measure(c["beats"], by[c["name"]]["aubio_beats"], TOL_BEAT)
                         for c in beat_clips]), len(beat_clips))
    # Key and chords
    stated = [c for c in base if c.get("key_stated") and c.get("has_pitched")]
    res["key_stated"] = (mean([sc.key_score(by[c["name"]]["tandem"].get("key") or "", c["key"])
                               for c in stated]), None, len(stated))
    pitched = [c for c in base if c.get("has_pitched") and c.get("key")]
    res["key_all"] = (mean([sc.key_score(by[c["name"]]["tandem"].get("key") or "", c["key"])
                            for c in pitched]), None, len(pitched))
    res["chords"] = (mean([sc.chord_accuracy(by[c["name"]]["tandem"]["chords_parsed"], c["chords"],
                                             statistics.median(b - a for a, b in
                                                               zip(c["beats"], c["beats"][1:])))
                           for c in pitched if c.get("chords") and len(c["beats"]) > 1]),
                     None, len(pitched))
    drums_only = [c for c in base if c.get("has_drums") and not c.get("has_pitched")]
    res["key_null"] = (mean([float(key_is_null(by[c["name"]]["tandem"])) for c in drums_only]),
                       None, len(drums_only))
    # Genre
    genre_clips = [c for c in base if c.get("style") and c.get("has_drums")]
    scored = []
    for c in genre_clips:
        t = by[c["name"]]["tandem"]
        cands = [g.get("genre") for g in t.get("genre_candidates") or [] if isinstance(g, dict)]
        scored.append((None, c["style"], t.get("genre") or "", cands))
    res["genre_scored"] = scored
    res["top1"] = (mean([float(got == want) for _, want, got, _ in scored]), None, len(scored))
    res["top3"] = (mean([float(want in cands[:3]) for _, want, _, cands in scored]), None,
                   len(scored))
    others = {}
    for c in base:
        if c.get("has_drums") and not c.get("style") and c.get("family"):
            g = by[c["name"]]["tandem"].get("genre") or "-"
            others.setdefault(c["family"], []).append(g)
    res["other_families"] = others
    # Level buckets
    for lo, hi, name in LEVEL_BUCKETS:
        sub = [c for c in on_clips if level_bucket(c["peak_dbfs"]) == name]
        res["onset@" + name] = (mean([onset_f(c, by[c["name"]]["tandem"]["onsets"]) for c in sub]),
                                mean([onset_f(c, by[c["name"]]["aubio_" + best]) for c in sub]),
                                len(sub))
        sub = [c for c in tempo_clips if level_bucket(c["peak_dbfs"]) == name]
        res["acc1@" + name] = (
            mean([sc.tempo_acc(by[c["name"]]["tandem"].get("tempo_bpm") or 0.0, c["tempo_bpm"])[0]
                  for c in sub]),
            mean([sc.tempo_acc(sc.bpm_from_beats(by[c["name"]]["aubio_beats"]), c["tempo_bpm"])[0]
                  for c in sub]), len(sub))
    # Level ladder: the same clip at -40, -27, -14 and -1 dBFS
    groups = {}
    for c in clips:
        if c.get("ladder_of"):
            groups.setdefault(c["ladder_of"], []).append(c)
    agree, spreads = [], []
    for members in groups.values():
        members.sort(key=lambda c: c["ladder_level"])
        results = [by[c["name"]]["tandem"] for c in members]
        agree.append(same_answers(results))
        fs = [onset_f(c, by[c["name"]]["tandem"]["onsets"]) for c in members]
        fs = [f for f in fs if f is not None]
        if fs:
            spreads.append(max(fs) - min(fs))
    for k, label in enumerate(("ladder_tempo", "ladder_key", "ladder_genre")):
        res[label] = (mean([a[k] for a in agree]), None, len(agree))
    res["ladder_onset_spread"] = (max(spreads) if spreads else None, None, len(spreads))
    fol = [by[c["name"]].get("follow") for c in base if by[c["name"]].get("follow") is not None]
    res["follow"] = (mean(fol), None, len(fol)) if fol else None
    res["follow_errors"] = sum(1 for c in base if "follow_error" in by[c["name"]])
    return res


ROWS = [
    # (key, label, target text)
    ("onset", "onset F ±50 ms (aubio: best of hfc/complex/specflux)", ">= aubio best"),
    ("drum_kick", "kick F ±30 ms (pooled)", ">= 0.92"),
    ("drum_snare", "snare F ±30 ms (pooled)", ">= 0.85"),
    ("drum_hat", "hat/cymbal F ±30 ms (pooled)", ">= 0.80"),
    ("acc1", "tempo Acc1 (tandem tempo_bpm; aubiotrack median IBI)", ">= 0.95"),
    ("acc2", "tempo Acc2", ">= 0.99"),
    ("beat", "beat F ±70 ms (tandem beats; aubiotrack)", ">= aubio + 0.05"),
    ("key_stated", "key MIREX, progression states its tonic", ">= 0.90"),
    ("key_all", "key MIREX, every pitched clip", ""),
    ("chords", "chord beats correct (root + family)", ""),
    ("key_null", "drums only: key null, confidence <= 0.2", "1.00"),
    ("top1", "genre top-1 (clips of a shipped style)", ">= 0.80"),
    ("top3", "genre top-3", ">= 0.95"),
] + [("onset@" + n, f"onset F ±50 ms, peak {n} dBFS", "same at every level")
     for _, _, n in LEVEL_BUCKETS] + [
    ("acc1@" + n, f"tempo Acc1, peak {n} dBFS", "same at every level") for _, _, n in LEVEL_BUCKETS
] + [
    ("ladder_tempo", "level ladder -40..-1 dBFS: same tempo (±1 %)", "1.00"),
    ("ladder_key", "level ladder: same key", "1.00"),
    ("ladder_genre", "level ladder: same genre", "1.00"),
    ("ladder_onset_spread", "level ladder: largest onset F spread", "0"),
    ("follow", "kicks met at follow=1 (±30 ms, host grid from 0 s)", ""),
]


def fmt(v):
    if v is None:
        return "n/a"
    return f"{v:.3f}"


def table(per_split, sizes):
    splits = list(per_split)
    head = "| metric | target | " + " | ".join(
        f"{s} tandem | {s} aubio" for s in splits) + " |"
    lines = [head, "|---|---|" + "---|---|" * len(splits)]
    lines.append("| clips (level-ladder copies), minutes | | " + " | ".join(
        f"{sizes[s]['clips']} ({sizes[s]['ladder']}), {sizes[s]['minutes']:.1f} min | "
        for s in splits) + "|")
    for key, label, target in ROWS:
        if all(per_split[s].get(key) is None for s in splits):
            continue
        cells = []
        for s in splits:
            v = per_split[s].get(key)
            if v is None:
                cells += ["n/a", ""]
                continue
            t, a, n = v
            cells += [f"{fmt(t)} (n={n})", fmt(a) if a is not None else ""]
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    errors = {s: per_split[s].get("follow_errors") for s in splits
              if per_split[s].get("follow_errors")}
    if errors:
        lines.append("")
        lines.append("tandem-render failed on " + ", ".join(
            f"{n} {s} clips" for s, n in errors.items()) + " (left out of the follow figure)")
    lines.append("")
    lines.append("aubio's best onset method per split: " + ", ".join(
        f"{s} {per_split[s]['aubio_best_method']}" for s in splits))
    return lines


def genre_lines(per_split, splits):
    out = []
    for s in splits:
        scored = per_split[s]["genre_scored"]
        if s in ("dev", "test") and scored:
            out.append("")
            out += gbench.summary(scored, f", {s} split")
        others = per_split[s]["other_families"]
        if others:
            out.append("")
            out.append(f"{s}: families with no shipped style (clips with drums; Tandem's "
                       "top-1 calls): " + "; ".join(
                           f"{fam} {len(g)} ({', '.join(sorted(set(g)))})"
                           for fam, g in sorted(others.items(), key=lambda kv: -len(kv[1]))))
    return out


def load(corpus_dir, splits):
    """corpus.json and the truth of each clip of the given splits, with its
    path and name (as score.py's load_corpus gives them)."""
    with open(os.path.join(corpus_dir, "corpus.json")) as f:
        corpus = json.load(f)
    clips = []
    for entry in corpus["clips"]:
        if entry["split"] not in splits:
            continue
        with open(os.path.join(corpus_dir, entry["name"] + ".json")) as f:
            truth = json.load(f)
        truth.update(path=os.path.join(corpus_dir, entry["name"] + ".wav"), name=entry["name"])
        clips.append(truth)
    return corpus, clips


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", nargs="?")
    ap.add_argument("build", nargs="?")
    ap.add_argument("--splits", default="train,dev")
    ap.add_argument("--record")
    ap.add_argument("--follow", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--details", help="JSON file for the raw per-clip outputs")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.corpus or not args.build:
        ap.error("CORPUS_DIR and BUILD_DIR are required")
    splits = [s for s in SPLITS if s in args.splits.split(",")]
    unknown = set(args.splits.split(",")) - set(SPLITS)
    if unknown or not splits:
        ap.error(f"--splits takes train, dev and/or test, not {','.join(sorted(unknown))}")
    build = os.path.abspath(args.build)
    tools = {"analyze": os.path.join(build, "tools", "tandem-analyze"),
             "render": os.path.join(build, "tools", "tandem-render"), "build": build}
    if not os.access(tools["analyze"], os.X_OK):
        sys.exit(f"score_unseen: no {tools['analyze']}")
    corpus, clips = load(args.corpus, splits)
    commit_at_start = record.commit()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        raw = list(pool.map(lambda c: analyse(c, tools, args.follow), clips))
    took = time.perf_counter() - t0
    if args.details:
        with open(args.details, "w") as f:
            json.dump(raw, f)
    per_split, sizes = {}, {}
    for s in splits:
        sub = [c for c in clips if c["split"] == s]
        names = {c["name"] for c in sub}
        per_split[s] = score_split(sub, [r for r in raw if r["name"] in names])
        sizes[s] = dict(clips=len(sub), ladder=sum(1 for c in sub if c.get("ladder_of")),
                        minutes=sum(c["duration_s"] for c in sub) / 60)
    lines = table(per_split, sizes) + genre_lines(per_split, splits)
    summ = corpus.get("summary", {})
    lines.append("")
    for s in splits:
        if s in summ:
            m = summ[s]
            lines.append(f"{s} sources: {len(m['groove_files'])} MMA groove files, "
                         f"{len(m['hydrogen_songs'])} Hydrogen songs, kits "
                         f"{', '.join(m['kits'])}; sound fonts {', '.join(m['soundfonts'])}")
    lines.append(f"analysis of {len(clips)} clips took {took:.0f} s ({args.jobs} processes)")
    if record.commit() != commit_at_start:
        lines.append(f"the repository was at {commit_at_start} when the analysis started and at "
                     f"{record.commit()} when it ended")
    text = "\n".join(lines)
    print(text)
    if args.record:
        # heading with the date, the commit and whether the tree had
        # uncommitted changes; the command; paths relative to the repository
        record.append(args.record, f"Unseen corpus, splits {','.join(splits)}", text)
    return 0


# ---------------------------------------------------------------- self-test


def self_test():
    """Checks the metrics on cases worked out by hand; exits non-zero on failure."""
    import make_unseen as mu
    failures = []

    def check(what, got, want, tol=1e-9):
        ok = got == want if not isinstance(want, float) else (
            got is not None and abs(got - want) <= tol)
        if not ok:
            failures.append(f"{what}: got {got!r}, want {want!r}")

    ref = [1.0, 2.0]
    check("an unmatched detection in a slow attack is dropped",
          drop_soft(ref, [1.0, 2.0, 3.05], [3.0]), [1.0, 2.0])
    check("a detection 200 ms into a slow attack is kept",
          drop_soft(ref, [1.0, 2.0, 3.2], [3.0]), [1.0, 2.0, 3.2])
    check("a detection that matches a true onset is kept even near a slow attack",
          drop_soft([3.0], [3.01], [3.0]), [3.01])
    truth = {"onsets": [1.0, 1.01, 2.0], "soft_onsets": [3.0]}
    check("onset F merges flams and ignores slow attacks", onset_f(truth, [1.0, 2.0, 3.1]), 1.0)
    # P = 2/3, R = 1 -> F = 0.8
    check("a stray detection counts", onset_f(truth, [1.0, 2.0, 5.0]), 0.8)
    check("no hard onsets: not scored", onset_f({"onsets": []}, [1.0]), None)
    res = {"onsets": [1.0, 1.5, 2.0], "onset_classes": ["kick", "hat", "snare"]}
    check("per-drum lists from onset classes", drum_lists(res),
          {"kick": [1.0], "snare": [2.0], "hat": [1.5]})
    res["drums"] = {"kick": [1.0, 3.0], "snare": [], "hat": [1.5]}
    check("the drums field wins over onset classes", drum_lists(res)["kick"], [1.0, 3.0])
    # clip 1: 2 of 2 kicks found, 1 extra; clip 2: 1 of 2 found -> tp 3, est 4, ref 4
    c1 = drum_counts([1.0, 2.0], [1.01, 2.02, 3.0])
    c2 = drum_counts([1.0, 2.0], [1.0])
    check("drum counts at ±30 ms", c1, (2, 3, 2))
    check("a kick 40 ms off is a miss at ±30 ms", drum_counts([1.0], [1.04]), (0, 1, 1))
    check("pooled F sums matches over clips", pooled_f([c1, c2]), 2 * 3 / 8)
    check("pooled F with nothing true and nothing found is not scored", pooled_f([(0, 0, 0)]),
          None)
    check("beats 60 ms late match at ±70 ms",
          sc.f_measure([1.0, 2.0], [1.06, 2.06], TOL_BEAT), 1.0)
    check("beats 80 ms late miss at ±70 ms",
          sc.f_measure([1.0, 2.0], [1.08, 2.08], TOL_BEAT), 0.0)
    check("no key, confidence 0.1 is a null key",
          key_is_null({"key": None, "key_confidence": 0.1}), True)
    check("empty key, confidence 0.2 is a null key",
          key_is_null({"key": "", "key_confidence": 0.2}), True)
    check("a named key is not null",
          key_is_null({"key": "C major", "key_confidence": 0.1}), False)
    check("no key but confidence 0.3 is not null",
          key_is_null({"key": None, "key_confidence": 0.3}), False)
    check("-40 dBFS is in the quietest bucket", level_bucket(-40.0), "[-40,-25)")
    check("-25 dBFS is in the middle bucket", level_bucket(-25.0), "[-25,-10)")
    check("-10 dBFS is in the loudest bucket", level_bucket(-10.0), "[-10,0]")
    check("0 dBFS is in the loudest bucket", level_bucket(0.0), "[-10,0]")
    same = [{"tempo_bpm": 120.5, "key": "A minor", "genre": "rock"},
            {"tempo_bpm": 120.0, "key": "A minor", "genre": "rock"}]
    check("tempo within 1 %, same key and genre agree", same_answers(same), (1, 1, 1))
    same[0]["tempo_bpm"], same[0]["genre"] = 60.0, "funk"
    check("half tempo and another genre disagree", same_answers(same), (0, 1, 0))
    check("recorded text keeps no absolute path into the repository",
          record.relative(f"corpus {os.path.join(REPO, 'build', 'c')} and {REPO}"),
          "corpus build/c and .")
    # Splits: a family of five files goes 3/1/1; three sound fonts, one pinned
    # to train, reach every split.
    fam = mu.split_stratified({"rock": [f"r{i}" for i in range(5)]})
    check("a family of five files splits 3/1/1",
          sorted(list(fam.values()).count(s) for s in SPLITS), [1, 1, 3])
    small = mu.split_small_set(["a", "b", "c"], {"a": "train"})
    check("three sound fonts, one pinned, cover every split", sorted(small.values()),
          ["dev", "test", "train"])
    check("the pinned one stays", small["a"], "train")
    kits = mu.split_small_set([f"k{i}" for i in range(14)])
    check("14 kits split 8/3/3", sorted(list(kits.values()).count(s) for s in SPLITS),
          [3, 3, 8])
    check("split assignment is stable", mu.split_small_set([f"k{i}" for i in range(14)]), kits)
    check("a chart that starts and ends on the tonic states it",
          mu.is_stated(mu.make_chart("ii-V-I", 2, 8, True)[0], 2), True)
    check("an unstated loop of I-vi-IV-V ends on V",
          mu.is_stated(mu.make_chart("I-vi-IV-V", 0, 8, False)[0], 0), False)
    check("GM 37 side stick is a snare", mu.gm_class(37), "snare")
    check("GM 53 ride bell is a cymbal (hat class)", mu.gm_class(53), "hat")
    check("GM 45 low tom is a tom", mu.gm_class(45), "tom")
    check("GM 56 cowbell is percussion", mu.gm_class(56), "perc")
    check("'Hat Pedal' is a pedal hat", mu.role_of_name("Hat Pedal"), "pedal")
    check("'Ride Bell' is a bell", mu.role_of_name("Ride Bell"), "bell")
    check("'Floor Tom' is a low tom", mu.role_of_name("Floor Tom"), "tom_lo")
    check("'Cowbell' is a cowbell", mu.role_of_name("Cowbell"), "cowbell")
    check("'Snare Rimshot' is a snare", mu.role_of_name("Snare Rimshot"), "snare")
    tm = mu.TempoMap(192, [(0, 500000), (768, 400000)])
    check("tempo map: 4 beats at 120 bpm take 2 s", tm.seconds(768), 2.0)
    check("tempo map: then 150 bpm", tm.seconds(768 + 192), 2.4)
    for f in failures:
        print("FAIL", f)
    print(f"score_unseen self-test: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
