#!/usr/bin/python3
"""Musicality of the pitched parts (bass, chords, melody) of every shipped style.

Runs pitched_gen (tests/bench/pitched_gen.c), which generates each part with
the built-in generator and resolves it to MIDI pitches against a looped
diatonic progression (one chord a bar, four keys, one per seed), and prints per
style and role:

  rep4    the longest run of one 4-bar block repeated verbatim (pitches and
          rhythm) over the looped bars; the rule is <= 2
  n/bar   main (non-ghost) notes per bar
  bass:   median pitch, share below E2 (MIDI 40); for jazz the share of bars
          walking one note on each beat and nothing else, and the share of
          notes that are chromatic approaches (not a tone of their chord, a
          semitone from the next note)
  melody: steps up : steps down, median pitch, share of notes on beats 1 and 3
          a minor 2nd from a chord tone, the same over all notes, the share of
          bars whose first note is on beat 2, and the share of melody notes at
          or below the chords' median pitch
  curves  for complexity (syncopation: onsets off the beat; variation:
          bars whose rhythm differs from the part's first bar), density (notes
          per bar) and energy (mean velocity, notes per bar, and the share of
          the energy-0.5 notes still there at energy 1), each over 0, .25, .5,
          .75, 1 with the rest at .5; "up" when the curve never falls

Usage: musicality_pitched.py PITCHED_GEN STYLES_DIR [--bars 16] [--loops 4]
                             [--seeds 1 2 3 4] [--results FILE]
"""
import argparse
import collections
import statistics
import subprocess
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record  # noqa: E402

KNOB_VALUES = ["0.00", "0.25", "0.50", "0.75", "1.00"]


class Part:
    def __init__(self):
        self.chords = {}  # bar -> (root, set of pcs)
        self.notes = []   # (bar, step, length, pitch, velocity, ghost)


def parse(text):
    parts = {}
    cur = None
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "P":
            cur = Part()
            parts[(f[1], f[2], int(f[3]), f[4], f[5])] = cur
        elif f[0] == "C":
            cur.chords[int(f[1])] = (int(f[2]), {int(x) for x in f[4:]})
        elif f[0] == "N":
            cur.notes.append((int(f[1]), int(f[2]), float(f[3]), int(f[4]), int(f[5]),
                              f[6] == "1"))
    return parts


def main_notes(part):
    return sorted((n for n in part.notes if not n[5]), key=lambda n: (n[0], n[1], n[3]))


def bars_of(part):
    return max(part.chords) + 1 if part.chords else 0


def longest_verbatim_run(part):
    bars = bars_of(part)
    blocks = []
    for b0 in range(0, bars - bars % 4, 4):
        blocks.append(tuple(sorted((n[0] - b0, n[1], n[2], n[3]) for n in part.notes
                                   if b0 <= n[0] < b0 + 4)))
    best = run = 1 if blocks else 0
    for a, b in zip(blocks, blocks[1:]):
        run = run + 1 if a == b else 1
        best = max(best, run)
    return best


def notes_per_bar(part):
    bars = bars_of(part)
    if part is None or bars == 0:
        return 0.0
    # A chord stab counts once.
    onsets = {(n[0], n[1]) for n in main_notes(part)} if part.is_chords else None
    return (len(onsets) if onsets is not None else len(main_notes(part))) / bars


def syncopation(part):
    onsets = {(n[0], n[1]) for n in main_notes(part)}
    return sum(1 for o in onsets if o[1] % 4) / len(onsets) if onsets else 0.0


def variation(part):
    bars = bars_of(part)
    rhythm = collections.defaultdict(set)
    for n in main_notes(part):
        rhythm[n[0]].add(n[1])
    return sum(1 for b in range(1, bars) if rhythm[b] != rhythm[0]) / max(1, bars - 1)


def mean_velocity(part):
    v = [n[4] for n in main_notes(part)]
    return statistics.mean(v) if v else 0.0


def kept_share(low, high):
    a = {(n[0], n[1], n[3]) for n in main_notes(low)}
    b = {(n[0], n[1], n[3]) for n in main_notes(high)}
    return len(a & b) / len(a) if a else 1.0


def walk_stats(part):
    bars = bars_of(part)
    per_bar = collections.defaultdict(list)
    for n in main_notes(part):
        per_bar[n[0]].append(n[1])
    walking = sum(1 for b in range(bars) if sorted(per_bar[b]) == [0, 4, 8, 12])
    notes = main_notes(part)
    chromatic = 0
    for a, b in zip(notes, notes[1:]):
        root, pcs = part.chords[a[0]]
        if a[3] % 12 not in pcs and abs(b[3] - a[3]) == 1:
            chromatic += 1
    return walking / bars, chromatic / max(1, len(notes))


def clash(part, strong_only):
    hits = total = 0
    for n in main_notes(part):
        if strong_only and n[1] not in (0, 8):
            continue
        _, pcs = part.chords[n[0]]
        pc = n[3] % 12
        total += 1
        hits += pc not in pcs and any((pc - c) % 12 in (1, 11) for c in pcs)
    return hits / total if total else 0.0


def melody_stats(part, chords_part):
    notes = main_notes(part)
    up = sum(1 for a, b in zip(notes, notes[1:]) if b[3] > a[3])
    down = sum(1 for a, b in zip(notes, notes[1:]) if b[3] < a[3])
    first = {}
    for n in notes:
        first.setdefault(n[0], n[1])
    beat2 = sum(1 for s in first.values() if s == 4) / max(1, len(first))
    chord_median = statistics.median(n[3] for n in chords_part.notes) \
        if chords_part and chords_part.notes else 0
    below = sum(1 for n in notes if n[3] <= chord_median) / max(1, len(notes))
    return {
        "up_down": up / max(1, down),
        "median": statistics.median(n[3] for n in notes) if notes else 0,
        "clash_strong": clash(part, True),
        "clash_all": clash(part, False),
        "start_beat2": beat2,
        "in_chord_register": below,
    }


def monotonic(values):
    return all(b >= a - 1e-9 for a, b in zip(values, values[1:]))


NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


def name(pitch):
    p = int(round(pitch))
    return f"{NOTE_NAMES[p % 12]}{p // 12 - 1}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pitched_gen")
    ap.add_argument("styles_dir")
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument("--loops", type=int, default=4)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--results")
    args = ap.parse_args()
    out = subprocess.run([args.pitched_gen, args.styles_dir, str(args.bars),
                          str(args.loops)] + [str(s) for s in args.seeds],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"musicality_pitched: {args.pitched_gen} failed: {out.stderr.strip()}")
    parts = parse(out.stdout)
    for key, part in parts.items():
        part.is_chords = key[1] == "chords"
    styles = sorted({k[0] for k in parts})
    lines = [f"{args.bars}-bar parts looped {args.loops} times "
             f"({args.bars * args.loops} bars), seeds {' '.join(map(str, args.seeds))}; "
             "means over seeds", ""]
    summary = collections.Counter()
    for style in styles:
        for role in ("bass", "chords", "melody"):
            neutral = [parts[(style, role, s, "neutral", "0.50")] for s in args.seeds]
            rep = max(longest_verbatim_run(p) for p in neutral)
            summary["parts"] += 1
            summary["rep_ok"] += rep <= 2
            row = f"{style:9s} {role:6s} rep4 {rep:2d}  n/bar " \
                  f"{statistics.mean(notes_per_bar(p) for p in neutral):5.2f}"
            if role == "bass":
                pitches = [n[3] for p in neutral for n in main_notes(p)]
                low = sum(1 for x in pitches if x < 40) / max(1, len(pitches))
                row += f"  median {name(statistics.median(pitches))} below-E2 {low:4.2f}"
                if style == "jazz":
                    walk = [walk_stats(p) for p in neutral]
                    row += f"  walk {statistics.mean(w[0] for w in walk):4.2f} " \
                           f"chromatic {statistics.mean(w[1] for w in walk):4.2f}"
            if role == "melody":
                ms = [melody_stats(p, parts[(style, "chords", s, "neutral", "0.50")])
                      for p, s in zip(neutral, args.seeds)]

                def avg(k):
                    return statistics.mean(m[k] for m in ms)
                row += f"  up:down {avg('up_down'):4.2f} median {name(avg('median'))} " \
                       f"clash strong {avg('clash_strong'):4.2f} all {avg('clash_all'):4.2f}" \
                       f" start-beat2 {avg('start_beat2'):4.2f} " \
                       f"in-chord-register {avg('in_chord_register'):4.2f}"
                summary["clash_free"] += avg("clash_strong") == 0.0
            lines.append(row)
            curves = {}
            for knob, metrics in (("complexity", ("syncopation", "variation")),
                                  ("density", ("notes",)),
                                  ("energy", ("velocity", "notes"))):
                for metric in metrics:
                    values = []
                    for v in KNOB_VALUES:
                        ps = [parts[(style, role, s, knob, v)] for s in args.seeds]
                        fn = {"syncopation": syncopation, "variation": variation,
                              "notes": notes_per_bar, "velocity": mean_velocity}[metric]
                        values.append(statistics.mean(fn(p) for p in ps))
                    curves[(knob, metric)] = values
            text = []
            for (knob, metric), values in curves.items():
                up = monotonic(values)
                summary[f"{knob}/{metric}"] += up
                text.append(f"{knob[:4]}/{metric[:4]} " + " ".join(f"{x:.2f}" for x in values)
                            + (" up" if up else " NOT"))
            kept = statistics.mean(
                kept_share(parts[(style, role, s, "energy", "0.50")],
                           parts[(style, role, s, "energy", "1.00")]) for s in args.seeds)
            summary["kept_sum"] += kept
            lines.append("    " + "; ".join(text) + f"; energy .5->1 keeps {kept:4.2f}")
    n = summary["parts"]
    lines.append("")
    lines.append(f"summary over {n} style/role parts: rep4 <= 2 in {summary['rep_ok']}; "
                 f"melody without strong-beat clashes {summary['clash_free']} of "
                 f"{len(styles)}; monotonic: " +
                 ", ".join(f"{k} {summary[k]}" for k in
                           ("complexity/syncopation", "complexity/variation",
                            "density/notes", "energy/velocity", "energy/notes")) +
                 f"; energy .5->1 keeps {summary['kept_sum'] / n:4.2f} of the notes")
    text = "\n".join(lines)
    print(text)
    record.append(args.results, "Pitched-part musicality", "```\n" + text + "\n```")


if __name__ == "__main__":
    main()
