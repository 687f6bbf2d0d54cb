#!/usr/bin/env python3
"""Summarises meson testlog.json files: 'N passed, N failed' (and skipped)."""
import json
import sys

args = sys.argv[1:]
total = False
if args and args[0] == "--total":
    total = True
    args = args[1:]
passed = failed = skipped = 0
for path in args:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                result = json.loads(line).get("result", "")
                if result in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif result == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    except OSError as e:
        print(f"testlog-summary: cannot read {path}: {e.strerror}", file=sys.stderr)
        failed += 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(("tests: " if total else "") + line)
