#!/usr/bin/python3
"""Draws a piano roll of one or more Standard MIDI Files as a PNG.

  tools/pianoroll.py FILE.mid [FILE.mid ...] -o OUT.png [--title T] [--bars N]
                     [--start BAR] [--labels A,B,...] [--bar-width IN]

Each file is one lane, stacked top to bottom in the order given, on one time axis in
bars.  A file with both drum notes (channel 10) and pitched notes gets a lane for each.
Drum lanes have one row per drum played, named by its General MIDI name (kick at the
bottom, then snares, toms, hi-hats, ride, crash, percussion); pitched lanes have one row
per semitone with note names (C4 = MIDI 60), the black keys shaded.  Notes are
coloured by velocity (the colour bar on the right).  Thin lines mark the beats, thicker
ones the bars and thickest ones every 4 bars (the generator's phrase blocks).

--start BAR is the first bar shown (1 = the file's first bar; default: the bar of the
first note), --bars N how many (default: up to the last note).  Bars follow the file's
first time signature (4/4 without one); tempo changes do not matter, the axis is in beats.

Needs python3-mido and python3-matplotlib (Debian 12).  Exit status: 0 drawn, 1 failed
(a missing or unreadable file, nothing to draw), 2 bad usage.
"""
import argparse
import os
import sys

PROG = "pianoroll"


def fail(msg, status=1):
    print(f"{PROG}: {msg}", file=sys.stderr)
    sys.exit(status)


try:
    import mido
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle
    from matplotlib import colors as mcolors
except ImportError as e:
    fail(f"needs python3-mido and python3-matplotlib ({e}); "
         "install them: apt-get install python3-mido python3-matplotlib")

GM_DRUMS = {
    35: "Acoustic Bass Drum", 36: "Bass Drum 1", 37: "Side Stick", 38: "Acoustic Snare",
    39: "Hand Clap", 40: "Electric Snare", 41: "Low Floor Tom", 42: "Closed Hi-Hat",
    43: "High Floor Tom", 44: "Pedal Hi-Hat", 45: "Low Tom", 46: "Open Hi-Hat",
    47: "Low-Mid Tom", 48: "Hi-Mid Tom", 49: "Crash Cymbal 1", 50: "High Tom",
    51: "Ride Cymbal 1", 52: "Chinese Cymbal", 53: "Ride Bell", 54: "Tambourine",
    55: "Splash Cymbal", 56: "Cowbell", 57: "Crash Cymbal 2", 58: "Vibraslap",
    59: "Ride Cymbal 2", 60: "Hi Bongo", 61: "Low Bongo", 62: "Mute Hi Conga",
    63: "Open Hi Conga", 64: "Low Conga", 65: "High Timbale", 66: "Low Timbale",
    67: "High Agogo", 68: "Low Agogo", 69: "Cabasa", 70: "Maracas", 71: "Short Whistle",
    72: "Long Whistle", 73: "Short Guiro", 74: "Long Guiro", 75: "Claves",
    76: "Hi Wood Block", 77: "Low Wood Block", 78: "Mute Cuica", 79: "Open Cuica",
    80: "Mute Triangle", 81: "Open Triangle",
}
# Bottom to top: kicks, snares and claps, toms low to high, hi-hats, rides, crashes;
# everything else (percussion) above them by note number.
DRUM_ORDER = [35, 36, 37, 38, 40, 39, 41, 43, 45, 47, 48, 50, 42, 44, 46,
              51, 59, 53, 49, 57, 55, 52]
NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


def note_name(n):
    return f"{NOTE_NAMES[n % 12]}{n // 12 - 1}"


def drum_rank(n):
    return DRUM_ORDER.index(n) if n in DRUM_ORDER else len(DRUM_ORDER) + n


class Lane:
    def __init__(self, label, drums):
        self.label = label
        self.drums = drums
        self.notes = []  # (start_beat, length_beats, note, velocity)


def read_file(path):
    """Returns (lanes, beats_per_bar, meter_text, last_beat) of one file."""
    if not os.path.isfile(path):
        fail(f"{path}: no such file")
    try:
        mid = mido.MidiFile(path)
    except Exception as e:  # mido raises OSError, EOFError, ValueError, KeyError...
        why = str(e) or ("the file ends early" if isinstance(e, EOFError) else type(e).__name__)
        fail(f"{path}: not a readable Standard MIDI File ({why})")
    if mid.type == 2:
        fail(f"{path}: a type 2 MIDI file (independent sequences) is not supported")
    tpb = mid.ticks_per_beat
    num, den = 4, 4
    meter_seen = False
    names = []
    notes = {True: [], False: []}
    last = 0.0
    for track in mid.tracks:
        tick = 0
        open_notes = {}
        for msg in track:
            tick += msg.time
            if msg.type == "time_signature" and not meter_seen:
                num, den, meter_seen = msg.numerator, msg.denominator, True
            elif msg.type == "track_name" and msg.name.strip():
                names.append(msg.name.strip())
            elif msg.type == "note_on" and msg.velocity > 0:
                open_notes.setdefault((msg.channel, msg.note), []).append((tick, msg.velocity))
            elif msg.type in ("note_off", "note_on"):
                starts = open_notes.get((msg.channel, msg.note))
                if starts:
                    t0, vel = starts.pop(0)
                    notes[msg.channel == 9].append(
                        (t0 / tpb, (tick - t0) / tpb, msg.note, vel))
                    last = max(last, tick / tpb)
        for (ch, note), starts in open_notes.items():  # never closed: to the track's end
            for t0, vel in starts:
                notes[ch == 9].append((t0 / tpb, max(tick - t0, tpb / 8) / tpb, note, vel))
                last = max(last, tick / tpb)
    base = os.path.splitext(os.path.basename(path))[0]
    # The first track name that is not the tempo track's names the part.
    part = next((n for n in names if "tempo" not in n.lower()), base)
    lanes = []
    for drums in (True, False):
        if notes[drums]:
            lane = Lane(part if not (notes[True] and notes[False]) else
                        f"{part} ({'drums' if drums else 'pitched'})", drums)
            lane.notes = sorted(notes[drums])
            lanes.append(lane)
    return lanes, num * 4.0 / den, f"{num}/{den}", last


def main():
    ap = argparse.ArgumentParser(
        prog=PROG, description="Draws a piano roll of Standard MIDI Files as a PNG.")
    ap.add_argument("files", nargs="+", metavar="FILE.mid")
    ap.add_argument("-o", "--output", required=True, metavar="OUT.png")
    ap.add_argument("--title", default=None)
    ap.add_argument("--bars", type=int, default=None, help="how many bars to show")
    ap.add_argument("--start", type=int, default=None,
                    help="first bar shown, 1 = the file's first bar (default: first note's)")
    ap.add_argument("--labels", default=None,
                    help="lane names, comma-separated (default: the track names)")
    ap.add_argument("--bar-width", type=float, default=None,
                    help="inches per bar (default: fits the picture in about 16 inches)")
    ap.add_argument("--dpi", type=int, default=100)
    args = ap.parse_args()
    if args.bars is not None and args.bars < 1:
        fail("--bars must be at least 1", 2)
    if args.start is not None and args.start < 1:
        fail("--start must be at least 1", 2)

    lanes = []
    beats_per_bar = meter = None
    last = 0.0
    for path in args.files:
        file_lanes, bpb, m, file_last = read_file(path)
        if beats_per_bar is None:
            beats_per_bar, meter = bpb, m
        elif abs(bpb - beats_per_bar) > 1e-9:
            fail(f"{path}: meter {m} differs from the first file's {meter}")
        if not file_lanes:
            print(f"{PROG}: warning: {path} has no notes", file=sys.stderr)
            file_lanes = [Lane(os.path.splitext(os.path.basename(path))[0], False)]
        lanes.extend(file_lanes)
        last = max(last, file_last)
    if not any(lane.notes for lane in lanes):
        fail("no notes in " + ", ".join(args.files))
    if args.labels:
        labels = [s.strip() for s in args.labels.split(",")]
        if len(labels) != len(lanes):
            fail(f"--labels names {len(labels)} lanes, the files make {len(lanes)}", 2)
        for lane, label in zip(lanes, labels):
            lane.label = label

    first_note = min(n[0] for lane in lanes for n in lane.notes)
    start_bar = (args.start - 1) if args.start else int(first_note // beats_per_bar + 1e-9)
    if args.bars:
        n_bars = args.bars
    else:
        n_bars = max(1, int(-(-(last - start_bar * beats_per_bar) // beats_per_bar)))
    x0 = start_bar * beats_per_bar
    x1 = x0 + n_bars * beats_per_bar

    # Rows of each lane and the lane heights (inches), from the notes in view.
    rows = []
    for lane in lanes:
        shown = [n for n in lane.notes if n[0] < x1 and n[0] + n[1] > x0]
        lane.shown = shown
        if lane.drums:
            keys = sorted({n[2] for n in shown}, key=drum_rank)
            rows.append(keys)
        else:
            if shown:
                lo = min(n[2] for n in shown) - 1
                hi = max(n[2] for n in shown) + 1
            else:
                lo, hi = 59, 61
            rows.append(list(range(lo, hi + 1)))
    row_in = 0.15
    heights = [max(1.2, len(r) * row_in + 0.3) for r in rows]
    bar_width = args.bar_width or max(0.8, min(3.0, 15.0 / n_bars))
    fig_w = n_bars * bar_width + 2.6
    fig_h = sum(heights) + 0.9 + (0.35 if args.title else 0)
    fig, axes = plt.subplots(len(lanes), 1, sharex=True, squeeze=False,
                             figsize=(fig_w, fig_h), dpi=args.dpi,
                             gridspec_kw={"height_ratios": heights, "hspace": 0.08})
    axes = axes[:, 0]
    cmap = plt.get_cmap("plasma_r")
    norm = mcolors.Normalize(vmin=1, vmax=127)

    drum_w = 0.08 if n_bars <= 8 else 0.12
    for ax, lane, keys in zip(axes, lanes, rows):
        index = {k: i for i, k in enumerate(keys)}
        # Row shading: black keys on pitched lanes, every other drum row on drum lanes.
        for i, k in enumerate(keys):
            shade = (k % 12) in (1, 3, 6, 8, 10) if not lane.drums else i % 2 == 1
            if shade:
                ax.axhspan(i - 0.5, i + 0.5, color="#ececec", zorder=0, lw=0)
            if not lane.drums and k % 12 == 0:
                ax.axhline(i - 0.5, color="#b0b0b0", lw=0.6, zorder=0.5)
        # Grid: beats, bars, 4-bar phrases.
        b = 0
        while x0 + b <= x1 + 1e-9:
            x = x0 + b
            bar_idx = round(b / beats_per_bar, 6)
            if abs(bar_idx - round(bar_idx)) < 1e-6:
                phrase = (start_bar + round(bar_idx)) % 4 == 0
                ax.axvline(x, color="#303030" if phrase else "#707070",
                           lw=1.6 if phrase else 0.9, zorder=1)
            else:
                ax.axvline(x, color="#c8c8c8", lw=0.5, zorder=1)
            b += 1
        rects, vels = [], []
        for t, length, note, vel in lane.shown:
            if note not in index:
                continue
            # Drum hits are drawn as short strokes (their length means nothing), thin
            # enough that a roll of 32nd notes stays apart; very short notes get a
            # visible minimum width.
            w = drum_w if lane.drums else max(length, 0.06)
            rects.append(Rectangle((t, index[note] - 0.4), w, 0.8))
            vels.append(vel)
        if rects:
            pc = PatchCollection(rects, cmap=cmap, norm=norm, edgecolor="#202020",
                                 linewidth=0.3, zorder=2)
            pc.set_array(vels)
            ax.add_collection(pc)
        else:
            ax.text((x0 + x1) / 2, (len(keys) - 1) / 2, "(no notes in these bars)",
                    ha="center", va="center", color="#808080")
        ax.set_ylim(-0.5, len(keys) - 0.5)
        ax.set_yticks(range(len(keys)))
        if lane.drums:
            ax.set_yticklabels([f"{GM_DRUMS.get(k, 'note')} {k}" for k in keys], fontsize=7)
        else:
            ax.set_yticklabels([note_name(k) for k in keys], fontsize=6)
        ax.tick_params(axis="y", length=0)
        ax.set_ylabel(lane.label, fontsize=10, fontweight="bold")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    ax = axes[-1]
    ax.set_xlim(x0, x1)
    ticks = [x0 + (i + 0.5) * beats_per_bar for i in range(n_bars)]
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(start_bar + i + 1) for i in range(n_bars)], fontsize=8)
    ax.tick_params(axis="x", length=0)
    ax.set_xlabel(f"bar ({meter}; thin lines: beats, thick: bars, thickest: every 4 bars)",
                  fontsize=8)
    if args.title:
        fig.suptitle(args.title, fontsize=12, fontweight="bold")
    fig.subplots_adjust(left=1.9 / fig_w, right=1 - 0.7 / fig_w,
                        top=1 - (0.6 if args.title else 0.2) / fig_h, bottom=0.55 / fig_h)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=norm)
    cax = fig.add_axes([1 - 0.55 / fig_w, 0.55 / fig_h, 0.12 / fig_w,
                        1 - (0.55 + (0.6 if args.title else 0.2)) / fig_h])
    cb = fig.colorbar(sm, cax=cax)
    cb.set_label("velocity", fontsize=8)
    cb.ax.tick_params(labelsize=7)
    try:
        fig.savefig(args.output, dpi=args.dpi)
    except Exception as e:
        fail(f"could not write {args.output}: {e}")
    plt.close(fig)


if __name__ == "__main__":
    main()
