"""What tools/fit-drums.py and tools/fit-tempo-level.py share: reading the
unseen corpus's train and dev clips, running tandem-analyze's feature dumps on
them, the common command line, and naming the commit a model was fitted at.
The test split is never read."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def fail(tool, msg):
    print(f"{tool}: {msg}", file=sys.stderr)
    sys.exit(1)


def parse_args(tool, doc, model_header):
    """CORPUS --analyze EXE [--out plugin/MODEL_HEADER] [--jobs N], checked."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--analyze", required=True)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "plugin",
                                                  model_header))
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    if not os.access(a.analyze, os.X_OK):
        fail(tool, f"{a.analyze} is not an executable")
    return a


def train_dev_truths(tool, corpus):
    """(split, wav, truth) of every train and dev clip but the level ladder's
    copies (they repeat a clip at other gains); each clip's truth JSON beside its
    WAV names its split."""
    out = []
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".json") or name in ("corpus.json", "calibration.json"):
            continue
        try:
            with open(os.path.join(corpus, name)) as f:
                truth = json.load(f)
        except (OSError, ValueError) as e:
            fail(tool, f"cannot read {name}: {e}")
        if not isinstance(truth, dict) or truth.get("split") not in ("train", "dev"):
            continue
        if truth.get("ladder_of"):
            continue
        out.append((truth["split"], os.path.join(corpus, truth.get("file") or name[:-5] + ".wav"),
                    truth))
    return out


def feature_rows(tool, analyze, option, wavs, jobs):
    """The TSV that `tandem-analyze OPTION FILE WAV` writes, for every WAV (in
    parallel), as arrays of rows."""
    def one(wav):
        with tempfile.NamedTemporaryFile(suffix=".tsv") as tmp:
            r = subprocess.run([analyze, option, tmp.name, wav], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                fail(tool, f"tandem-analyze failed on {wav}: {r.stderr.strip()}")
            return np.loadtxt(tmp.name, ndmin=2) if os.path.getsize(tmp.name) else None

    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(one, wavs))


def git_head():
    """The commit of this checkout, and whether tracked files differ from it."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" plus uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
