#!/usr/bin/python3
"""Live section benchmark: what the plugin knows about the song as it plays.

Usage: live_sections.py OUT_DIR --tandem PATH/tandem-analyze [--results FILE] [--jobs N]

Renders drum arrangements of several shapes (make_corpus.py's kits and
renderer; intro and verse lengths of 2, 4, 8 and 16 bars, songs with and
without an intro, bridges of 4 and 8 bars) into OUT_DIR once, then reads
`tandem-analyze --json`'s live view: the section the plugin's tracker names
after each bar (live_sections) and the bars it would end with a fill
(live_fills), exactly as the plugin's worker plans them.  Prints per song and
over all:
  - latency: bars from each true section start until the tracker's current
    section starts within one bar of it (the first start excluded);
  - fills: the share of true section changes whose previous bar ends in a fill
    (a fill planned for the bar that starts within half a bar of one bar before
    the change), and the fills planned anywhere else;
  - live labels: the share of bars whose live label (what the tracker said
    after the bar before) is the true one, and how often the live label
    changes (a song with 7 changes ideally shows 7).
Then through the plugin itself (run_plugin): where its crashes land and from
which bar it plays a part made for each new section.
The analysis views run twice: with bars cut on a host transport's beats (tandem-analyze
--transport, the song's tempo from its first bar, as the plugin has them in a
host that plays) and on the beat tracker's own beats (no transport).
Figures only; exits 0 unless a clip cannot be rendered or analysed.
"""

import argparse
import json
import os
import subprocess
import sys
from multiprocessing import Pool

import numpy as np

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_corpus as mc  # noqa: E402
import sections_bench as sb  # noqa: E402

FULL = {"kick", "snare", "hat", "ohat"}
PAT = {"kick": "x...x...x...x...", "snare": "....x.......x...",
       "hat": "x.x.x.x.x.x.x.x.", "ohat": "..x...x...x...x.", "rim": "..x..x....x..x..",
       "kick2": "x.....x...x.....", "hat16": "xxxxxxxxxxxxxxxx"}
# (label, bars, roles, velocity scale)
SHAPES = {
    "pop": [("intro", 4, {"hat"}, 0.6), ("verse", 8, {"kick", "hat"}, 0.75),
            ("chorus", 8, FULL, 1.0), ("verse", 8, {"kick", "hat"}, 0.75),
            ("chorus", 8, FULL, 1.0), ("bridge", 4, {"kick", "rim"}, 0.7),
            ("chorus", 8, FULL, 1.0), ("outro", 4, {"hat"}, 0.5)],
    "long": [("intro", 8, {"hat", "kick2"}, 0.6), ("verse", 16, {"kick2", "hat", "snare"}, 0.7),
             ("chorus", 8, {"kick", "snare", "hat16", "ohat"}, 1.0),
             ("verse", 16, {"kick2", "hat", "snare"}, 0.7),
             ("chorus", 8, {"kick", "snare", "hat16", "ohat"}, 1.0),
             ("bridge", 8, {"rim", "kick2"}, 0.65),
             ("chorus", 16, {"kick", "snare", "hat16", "ohat"}, 1.0),
             ("outro", 4, {"hat"}, 0.5)],
    "cold": [("verse", 8, {"kick", "hat", "snare"}, 0.7), ("chorus", 8, FULL, 1.0),
             ("verse", 8, {"kick", "hat", "snare"}, 0.7), ("chorus", 8, FULL, 1.0),
             ("bridge", 4, {"rim"}, 0.6), ("chorus", 8, FULL, 1.0)],
    "short": [("intro", 2, {"hat"}, 0.5), ("verse", 4, {"kick2", "hat"}, 0.7),
              ("chorus", 4, FULL, 1.0), ("verse", 4, {"kick2", "hat"}, 0.7),
              ("chorus", 4, FULL, 1.0), ("outro", 2, {"hat"}, 0.5)],
}
SONGS = [("pop", "ForzeeStereo", 118), ("long", "The Black Pearl 1.0", 100),
         ("cold", "Millo_MultiLayered2", 132), ("short", "ColomboAcousticDrumkit", 92),
         ("long", "HardElectro1", 124), ("pop", "Millo-Drums_v.1", 86)]


def render(job):
    name, shape, kit_name, bpm, seed = job
    rng = np.random.default_rng(seed)
    kit = mc.Kit(kit_name)
    plan = SHAPES[shape]
    n_bars = sum(b for _, b, _, _ in plan)
    beats = mc.beat_times([(0, bpm)], n_bars)
    strokes, sections, bar = [], [], 0
    for label, bars, roles, scale in plan:
        sections.append(dict(start_s=round(beats[bar * 4], 6), label=label, bar=bar))
        for b in range(bar * 4, (bar + bars) * 4):
            t0, t1 = beats[b], beats[b + 1]
            for role in sorted(roles):  # a set: hash order differs per process
                kit_role = {"kick2": "kick", "hat16": "hat"}.get(role, role)
                if kit_role not in kit.roles:
                    continue
                steps = PAT[role][(b % 4) * 4:(b % 4) * 4 + 4]
                for k, c in enumerate(steps):
                    if c == "x":
                        t = t0 + k * (t1 - t0) / 4 + rng.normal(0, 0.002)
                        v = min(1.0, scale * (0.85 + rng.normal(0, 0.04)))
                        strokes.append((t, kit_role, v))
        bar += bars
    strokes.sort()
    x = mc.finish(mc.render_strokes(kit, strokes, beats[-1] + 1.0), [], seed)
    onsets, classes = mc.drum_truth(strokes)
    truth = dict(category="arrangement", style="arrangement", kit=kit_name, effects=[],
                 tempo_bpm=bpm, beats=[round(b, 6) for b in beats[:-1]],
                 downbeats=[round(b, 6) for b in beats[:-1:4]], onsets=onsets,
                 onset_classes=classes, sections=sections, n_bars=n_bars, shape=shape)
    return mc.save(name, x, truth)


def score(truth, res):
    bar_s = 240.0 / truth["tempo_bpm"]
    secs = truth["sections"]
    live = res["live_sections"]
    fills = res["live_fills"]
    # latency
    lat = []
    for s in secs[1:]:
        t0 = s["start_s"]
        found = None
        for b in live:
            if b["bar"] >= t0 - 0.5 * bar_s and abs(b["since"] - t0) <= bar_s:
                found = b["bar"] + bar_s  # known once that bar has been heard
                break
        lat.append(None if found is None else (found - t0) / bar_s)
    # fills before changes
    used = set()
    hits = 0
    for s in secs[1:]:
        want = s["start_s"] - bar_s
        for i, f in enumerate(fills):
            if i not in used and abs(f - want) <= 0.5 * bar_s:
                used.add(i)
                hits += 1
                break
    others = len(fills) - len(used)
    # live labels: the label said after the bar before
    agree = 0
    first = secs[0]["start_s"]
    for b in range(truth["n_bars"]):
        t = first + (b + 0.5) * bar_s
        true_label = [s["label"] for s in secs if s["start_s"] <= t][-1]
        said = [x["label"] for x in live if x["bar"] + bar_s <= t - 0.25 * bar_s]
        agree += bool(said) and said[-1] == true_label
    flips = sum(1 for x, y in zip(live, live[1:]) if x["label"] != y["label"])
    return lat, hits, len(secs) - 1, others, agree, truth["n_bars"], flips


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--tandem", required=True)
    ap.add_argument("--results")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    out = os.path.abspath(a.out_dir)
    os.makedirs(out, exist_ok=True)
    jobs = [(f"live_{i}_{shape}_{bpm}", shape, kit, bpm, 9100 + i)
            for i, (shape, kit, bpm) in enumerate(SONGS)]
    todo = [j for j in jobs if not os.path.exists(os.path.join(out, j[0] + ".json"))]
    if todo:
        with Pool(a.jobs, initializer=mc._set_out, initargs=(out,)) as pool:
            pool.map(render, todo, chunksize=1)
    for transport in (True, False):
        run_mode(a, out, jobs, transport)
    render_tool = os.path.join(os.path.dirname(os.path.abspath(a.tandem)), "tandem-render")
    bundle = os.path.dirname(os.path.dirname(os.path.abspath(a.tandem)))
    if os.path.exists(render_tool) and os.path.isdir(os.path.join(bundle, "tandem.lv2")):
        run_plugin(a, out, jobs, render_tool, bundle)


def run_plugin(a, out, jobs, render, bundle):
    """Through the plugin: tandem-render plays each song (the lead before the
    first bar cut, a host transport at the song's tempo from bar 0, rock drums,
    fill 0.5, synchronous worker).  Per change: whether a crash lands on its
    first bar, and from which bar a part made for its label plays (the status
    line naming it; 0 when it was sent ahead to play from the first bar)."""
    import groove_bench as gb  # its MIDI reader
    rows, crash_all, changes_all, lat_all = [], 0, 0, []
    for job in jobs:
        with open(os.path.join(out, job[0] + ".json")) as f:
            truth = json.load(f)
        bpm, secs = truth["tempo_bpm"], truth["sections"]
        bar_s = 240.0 / bpm
        x = mc.load_audio(os.path.join(out, job[0] + ".wav"))
        lead = int(round(secs[0]["start_s"] * mc.RATE))
        wav = os.path.join(out, job[0] + "-from-bar-0.wav")
        mc.write_wav(wav, x[lead:])
        mid, rep = wav[:-4] + ".mid", wav[:-4] + ".report.json"
        subprocess.run([render, wav, "-o", mid, "--bpm", str(bpm), "--role", "drums",
                        "--style", "rock", "--set", "fill=0.5", "--freewheel", "--report", rep,
                        "-q"], check=True, env=dict(os.environ, LV2_PATH=bundle))
        with open(rep) as f:
            status = json.load(f)["status_changes"]
        crash_bars = {int(round(t / bar_s)) for t, pitch, _ in gb.midi_notes(mid)
                      if pitch == 49 and abs(t / bar_s - round(t / bar_s)) < 0.02}
        starts = [s_["bar"] for s_ in secs[1:]]
        crashes = sum(1 for b in starts if b in crash_bars)
        lats = []
        for s_ in secs[1:]:
            t0 = s_["bar"] * bar_s
            said = next((c for c in status if c["time_s"] >= t0 - 0.5 * bar_s and
                         " for the " + s_["label"] in c["text"]), None)
            if said is None:
                lats.append(None)
            elif "from its first bar" in said["text"]:
                lats.append(0)
            else:
                lats.append(int(np.ceil(said["time_s"] / bar_s)) - s_["bar"])
        crash_all += crashes
        changes_all += len(starts)
        lat_all += lats
        lat_s = " ".join("-" if v is None else str(v) for v in lats)
        rows.append(f"{job[0]:24s} crash on the change's first bar {crashes}/{len(starts)}; "
                    f"its part plays from bar +{lat_s}")
    known = [v for v in lat_all if v is not None]
    summary = (f"Live sections, through the plugin (tandem-render, host transport): "
               f"{len(jobs)} songs, {changes_all} changes: crash on the first bar "
               f"{crash_all}/{changes_all} ({crash_all / changes_all:.2f}); the new section's "
               f"part plays from bar +{np.median(known):.0f} (median; from its first bar "
               f"{sum(1 for v in known if v == 0)}, at most 2 bars late "
               f"{sum(1 for v in known if v <= 2)}, never {len(lat_all) - len(known)})")
    sb.print_and_record(a.results, "Live sections", summary, rows)


def run_mode(a, out, jobs, transport):
    rows = []
    all_lat, hits_all, changes_all, others_all, agree_all, bars_all = [], 0, 0, 0, 0, 0
    flips_all = 0
    for job in jobs:
        with open(os.path.join(out, job[0] + ".json")) as f:
            truth = json.load(f)
        cmd = [a.tandem, "--json", os.path.join(out, job[0] + ".wav")]
        if transport:
            cmd[1:1] = ["--transport", f"{truth['tempo_bpm']}@{truth['sections'][0]['start_s']}"]
        res = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL).stdout)
        lat, hits, changes, others, agree, n_bars, flips = score(truth, res)
        flips_all += flips
        all_lat += lat
        hits_all += hits
        changes_all += changes
        others_all += others
        agree_all += agree
        bars_all += n_bars
        lat_s = " ".join("-" if x is None else f"{x:.1f}" for x in lat)
        rows.append(f"{job[0]:24s} fills before changes {hits}/{changes}, elsewhere {others}; "
                    f"latency (bars) {lat_s}; live labels {agree / n_bars:.2f}, "
                    f"{flips} label changes")
    known = [x for x in all_lat if x is not None]
    mode = ("bars on the host transport's beats (--transport)" if transport
            else "bars on the beat tracker's beats (no transport)")
    summary = (f"Live sections, {mode}: {len(jobs)} songs, {changes_all} changes: fill in the bar "
               f"before {hits_all}/{changes_all} ({hits_all / changes_all:.2f}), fills elsewhere "
               f"{others_all}; change known after median {np.median(known):.1f} bars "
               f"(max {max(known):.1f}, never {len(all_lat) - len(known)}); live label "
               f"agreement {agree_all / bars_all:.3f}; live label changes {flips_all} "
               f"(the songs change {changes_all} times)")
    sb.print_and_record(a.results, "Live sections", summary, rows)


if __name__ == "__main__":
    main()
