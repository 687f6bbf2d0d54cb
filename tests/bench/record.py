"""How every benchmark appends its figures to a results file: one dated block
whose heading names the commit measured (and says so when the tree had
uncommitted changes, which makes the block no record to quote) and whose first
line is the command that made it.  Paths inside the repository are written
relative to it, so that no block holds the folders of the machine that ran it."""
import datetime
import os
import shlex
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def commit():
    """'abc1234', or 'abc1234 (plus uncommitted changes)', or 'unknown'."""
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", REPO, "status", "--porcelain",
                                 "--untracked-files=no"],
                                capture_output=True, text=True, check=True).stdout
        # The results files themselves grow as a run appends its blocks.
        dirty = [line for line in status.splitlines()
                 if not os.path.basename(line[3:]).startswith("results")]
        return head + (" (plus uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def relative(text):
    """The text with the repository's absolute path taken out."""
    return text.replace(REPO + os.sep, "").replace(REPO, ".")


def command():
    """The command line of this process, as run from the repository."""
    argv = [os.path.relpath(sys.argv[0], REPO) if os.path.isabs(sys.argv[0]) else sys.argv[0]]
    return relative(" ".join(shlex.quote(a) for a in argv + sys.argv[1:]))


def append(results, title, body):
    """Appends a block to the results file: heading with title, UTC time and
    commit, the command, then the body."""
    if not results:
        return
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(results, "a") as f:
        f.write(f"\n## {title}, {stamp}, commit {commit()}\n\n")
        f.write(f"Command: `{command()}`\n\n")
        f.write(relative(body).rstrip("\n") + "\n")
