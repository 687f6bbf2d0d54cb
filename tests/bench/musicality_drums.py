#!/usr/bin/python3
"""Musicality of the built-in drum parts, per shipped style: form, style
signature and parameter curves, judged from the generator's notes.

    musicality_drums.py GEN_NOTES STYLES_DIR [--results FILE]

GEN_NOTES is the bench helper built from tests/bench/gen_notes.c (ninja -C
BUILD tests/gen_notes).  Every figure comes from 16-bar parts (the longest
pattern) for seeds 1..4, i.e. 64 bars per setting, heard as the plugin plays
them: looped.

Form (plugin defaults: complexity, density, energy 0.5, fill 0.25; and fill 0):
  repeat  the longest run of 4-bar blocks that repeat note for note (same
          ticks and pitches), counted around the loop; the target is <= 2
  keeper  share of bars whose hats or ride play every step the part's usual
          bar plays, except where a fill or a roll stands in; target 100%
  fills   bars (mod 4) where fill notes fall: phrase ends only (3), plus the
          mid-phrase pickup (1) above fill 0.75
Signature: share of bars that keep the style's signature (below), checked on
  the steps no fill covers; target >= 95%.  Trap's signature is hat rolls in
  >= 25% of bars.
Curves over 0, .25, .5, .75, 1 of one control, the others at their defaults:
  complexity -> syncopation (share of main kick, snare and hat hits on the
                16th grid that fall off the beat) and variation (onsets per
                bar that differ from the part's usual bar)
  density    -> notes per bar
  energy     -> mean velocity, notes per bar, and the share of the energy-0
                groove still played (must stay 100%)
  fill       -> fill notes per bar and fills per 16 bars
  A curve is monotonic when it never falls (by more than 0.1%: velocities
  saturate at 127) and ends above where it starts.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record  # noqa: E402

STYLES = ["rock", "funk", "boombap", "trap", "house", "techno", "dnb", "jazz",
          "bossa", "reggae", "ballad", "hardcore"]
STEP = 480  # ticks per 16th (TANDEM_PPQ / 4)
SEEDS = [1, 2, 3, 4]
BARS = 16
SETTINGS = [0.0, 0.25, 0.5, 0.75, 1.0]
DEFAULTS = {"complexity": 0.5, "density": 0.5, "energy": 0.5, "fill": 0.25}
KEEPERS = {42, 46, 51, 53}
GHOST, FILL = 1, 4


def render(gen, styles_dir, requests):
    """{request: (bar_ticks, [(tick, pitch, velocity, flags)])}"""
    text = "".join(" ".join(str(x) for x in r) + "\n" for r in requests)
    out = subprocess.run([gen, styles_dir], input=text, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"musicality_drums: {gen} failed: {out.stderr.strip()}")
    parts = []
    notes = None
    for line in out.stdout.splitlines():
        f = line.split()
        if f[0] == "pattern":
            bar_ticks = int(f[-1])
            notes = []
        elif f[0] == "end":
            parts.append((bar_ticks, notes))
        else:
            notes.append(tuple(int(x) for x in f))
    return dict(zip(requests, parts))


def request(style, seed, **knobs):
    k = dict(DEFAULTS, **knobs)
    return (style, "drums", BARS, seed, k["complexity"], k["density"], k["energy"],
            k["fill"])


def bars_of(part):
    """Per bar: notes with ticks relative to the bar."""
    bar_ticks, notes = part
    bars = [[] for _ in range(BARS)]
    for t, p, v, fl in notes:
        bars[t // bar_ticks].append((t % bar_ticks, p, v, fl))
    return bar_ticks, bars


def fill_from(bar, bar_ticks):
    """First step a fill covers in this bar (the bar's steps when none); a crash
    on the 1 marks the phrase, it is no fill."""
    ticks = [t for t, p, v, fl in bar if fl & FILL and not (t == 0 and p == 49)]
    return min(ticks) // STEP if ticks else bar_ticks // STEP


def longest_repeat(part):
    bar_ticks, bars = bars_of(part)
    blocks = []
    for b in range(0, BARS, 4):
        blocks.append(frozenset((t + (i - b) * bar_ticks, p)
                                for i in range(b, b + 4) for t, p, v, fl in bars[i]))
    n = len(blocks)
    if all(blk == blocks[0] for blk in blocks):
        return float("inf")
    best = 1
    for start in range(n):
        run = 1
        while run < n and blocks[(start + run) % n] == blocks[start]:
            run += 1
        best = max(best, run)
    return best


def keeper_steps(bar):
    return {t // STEP for t, p, v, fl in bar if p in KEEPERS and not fl & (FILL | GHOST)}


def keeper_steady(part):
    """Bars whose keeper covers the usual bar's steps before any fill."""
    bar_ticks, bars = bars_of(part)
    sets = [frozenset(keeper_steps(b)) for b in bars]
    # the usual bar is one without a roll (a roll may cover a 16th the hats skip)
    plain = [s for b, s in zip(bars, sets) if not rolls(b)] or sets
    usual = max(set(plain), key=plain.count)
    ok = 0
    for b, s in zip(bars, sets):
        limit = fill_from(b, bar_ticks)
        missing = {x for x in usual if x < limit} - s
        # the crash on the 1 stands in for the hat there
        if any(t == 0 and p == 49 for t, p, v, fl in b):
            missing.discard(0)
        ok += not missing
    return ok, len(bars)


def fill_positions(part):
    bar_ticks, bars = bars_of(part)
    return [i % 4 for i, b in enumerate(bars) if fill_from(b, bar_ticks) < bar_ticks // STEP]


def has(bar, step, pitches):
    return any(t == step * STEP and p in pitches and not fl & GHOST for t, p, v, fl in bar)


def rolls(bar):
    """Hat strokes off the 16th grid: a roll or a triplet."""
    return any(t % STEP and p in KEEPERS for t, p, v, fl in bar)


def signature(style, bar, limit):
    """Does this bar keep the style's signature on the steps before `limit`?"""
    need = []
    if style in ("rock", "funk", "boombap", "dnb", "ballad"):
        need = [(0, {36}), (4, {38}), (12, {38})]
    elif style in ("house", "techno", "hardcore"):
        need = [(0, {36}), (4, {36}), (8, {36}), (12, {36})]
    elif style == "trap":
        need = [(0, {36}), (8, {39})]
    elif style == "reggae":
        if limit > 0 and has(bar, 0, {36}):
            return False
        need = [(8, {36}), (8, {37})]
    elif style == "bossa":
        clave = [0, 3, 6, 10, 13]
        inside = [s for s in clave if s < limit]
        got = sum(has(bar, s, {37}) for s in inside)
        return got >= len(inside) - (1 if len(inside) >= 4 else 0)
    elif style == "jazz":
        # the crash after a fill stands in for the ride on the 1
        need = [(s, {49, 51, 53}) for s in (0, 4, 8, 12)] + [(4, {44}), (12, {44})]
        kicks = [v for t, p, v, fl in bar if p == 36 and not fl & FILL]
        rides = sorted(v for t, p, v, fl in bar if p == 51)
        if kicks and rides and max(kicks) >= rides[len(rides) // 2]:
            return False
    return all(has(bar, s, ps) for s, ps in need if s < limit)


def signature_share(style, parts):
    ok = total = roll_bars = 0
    for part in parts:
        bar_ticks, bars = bars_of(part)
        for b in bars:
            total += 1
            roll_bars += rolls(b)
            ok += signature(style, b, fill_from(b, bar_ticks))
    if style == "trap":
        return roll_bars / total, "hat rolls"
    return ok / total, "signature"


def main_onsets(bar):
    # the ride standing in for the hat (bossa's second half) is the same stroke
    same = {51: 42, 53: 46}
    return {(t // STEP, same.get(p, p)) for t, p, v, fl in bar
            if not fl & (GHOST | FILL) and t % STEP == 0}


def curve_stats(parts):
    notes = fills = fill_bars = vel = vel_n = off = on = 0
    dist_sum = dist_n = 0
    for part in parts:
        bar_ticks, bars = bars_of(part)
        onsets = [frozenset(main_onsets(b)) for b in bars]
        usual = max(set(onsets), key=onsets.count)
        for i, b in enumerate(bars):
            for t, p, v, fl in b:
                if fl & FILL:
                    fills += 1
                    continue
                notes += 1
                if not fl & GHOST:
                    vel += v
                    vel_n += 1
                    if t % STEP == 0 and p in {36, 37, 38, 39} | KEEPERS:
                        off += (t // STEP) % 4 != 0
                        on += (t // STEP) % 4 == 0
            fill_bars += fill_from(b, bar_ticks) < bar_ticks // STEP
            limit = fill_from(b, bar_ticks)
            dist_sum += len({x for x in onsets[i] ^ usual if x[0] < limit})
            dist_n += 1
    n_bars = BARS * len(parts)
    return {"notes/bar": notes / n_bars, "fill notes/bar": fills / n_bars,
            "fills/16 bars": 16.0 * fill_bars / n_bars, "velocity": vel / vel_n,
            "syncopation": off / max(1, off + on), "variation": dist_sum / max(1, dist_n)}


def monotonic(values):
    return (all(b >= a - 1e-3 * abs(a) for a, b in zip(values, values[1:]))
            and values[-1] > values[0])


CURVES = [("complexity", "syncopation"), ("complexity", "variation"),
          ("density", "notes/bar"), ("energy", "velocity"), ("energy", "notes/bar"),
          ("fill", "fill notes/bar"), ("fill", "fills/16 bars")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("gen_notes")
    ap.add_argument("styles_dir")
    ap.add_argument("--results", help="append the figures to this results file")
    args = ap.parse_args()

    reqs = set()
    for s in STYLES:
        for seed in SEEDS:
            reqs.add(request(s, seed))
            reqs.add(request(s, seed, fill=0.0))
            reqs.add(request(s, seed, fill=1.0))
            for knob in DEFAULTS:
                for x in SETTINGS:
                    reqs.add(request(s, seed, **{knob: x}))
    parts = render(args.gen_notes, args.styles_dir, sorted(reqs))

    lines = []
    out = lines.append
    out("Drums, 16-bar parts, seeds 1-4 (64 bars a setting), looped as played.")
    out("")
    out("| style | longest verbatim 4-bar run (fill .25 / 0) | keeper steady | "
        "fill bars mod 4 (fill 1) | signature | share |")
    out("|---|---|---|---|---|---|")
    summary = {"repeat": 0, "keeper": 0, "signature": 0, "curves": 0, "curves_total": 0}
    curve_rows = []
    for s in STYLES:
        base = [parts[request(s, seed)] for seed in SEEDS]
        nofill = [parts[request(s, seed, fill=0.0)] for seed in SEEDS]
        full = [parts[request(s, seed, fill=1.0)] for seed in SEEDS]
        rep = max(longest_repeat(p) for p in base)
        rep0 = max(longest_repeat(p) for p in nofill)
        kept = [keeper_steady(p) for p in base + nofill]
        keeper = sum(k for k, n in kept) / sum(n for k, n in kept)
        pos = sorted(set(x for p in full for x in fill_positions(p)))
        share, what = signature_share(s, base)
        target = 0.25 if s == "trap" else 0.95
        summary["repeat"] += rep <= 2 and rep0 <= 2
        summary["keeper"] += keeper >= 0.999
        summary["signature"] += share >= target
        out(f"| {s} | {rep} / {rep0} | {100 * keeper:.0f}% | {pos} | {what} | "
            f"{100 * share:.0f}% {'ok' if share >= target else 'BELOW'} |")
        for knob, metric in CURVES:
            vals = [curve_stats([parts[request(s, seed, **{knob: x})] for seed in SEEDS])[metric]
                    for x in SETTINGS]
            mono = monotonic(vals)
            summary["curves"] += mono
            summary["curves_total"] += 1
            curve_rows.append(f"| {s} | {knob} | {metric} | "
                              + " | ".join(f"{v:.2f}" for v in vals)
                              + f" | {'yes' if mono else 'NO'} |")
        kept_groove = []
        for seed in SEEDS:
            lo = {(t, p) for t, p, v, fl in parts[request(s, seed, energy=0.0)][1]}
            for x in SETTINGS[1:]:
                hi = {(t, p) for t, p, v, fl in parts[request(s, seed, energy=x)][1]}
                kept_groove.append(len(lo & hi) / len(lo))
        curve_rows.append(f"| {s} | energy | groove kept from energy 0 | "
                          f"min {100 * min(kept_groove):.0f}% | | | | | "
                          f"{'yes' if min(kept_groove) == 1.0 else 'NO'} |")
    out("")
    out("| style | control | measure | 0 | .25 | .5 | .75 | 1 | monotonic |")
    out("|---|---|---|---|---|---|---|---|---|")
    lines.extend(curve_rows)
    out("")
    n = len(STYLES)
    out(f"Summary: repeats <= 2 in {summary['repeat']}/{n} styles, steady keeper in "
        f"{summary['keeper']}/{n}, signature held in {summary['signature']}/{n}, "
        f"monotonic curves {summary['curves']}/{summary['curves_total']}.")
    body = "\n".join(lines)
    print(body)
    record.append(args.results, "Drum musicality (tests/bench/musicality_drums.py)", body)


if __name__ == "__main__":
    main()
