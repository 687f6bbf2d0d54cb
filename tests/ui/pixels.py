#!/usr/bin/env python3
"""Pixel checks on a screenshot of Tandem's window (a binary PPM, P6), at scale 1.

  pixels.py SHOT.ppm roll       the window is not blank, and the piano roll holds
                                coloured notes and a playhead (a white column)
  pixels.py SHOT.ppm status-ok  the model status chip is green (llm_status ok)

The rectangles are the window's layout in ui/tandem_ui.c (r_roll, r_chip).
Exits 0 when the check passes, 1 with the figures that failed it."""
import sys

ROLL = (12, 154, 560, 218)
CHIP = (12, 76, 16, 18)
OK_GREEN = (0x30, 0xC0, 0x50)


def read_ppm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise SystemExit("not an 8-bit binary PPM: " + path)
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos:pos + 3 * w * h]


def pixel(img, x, y):
    w, _, px = img
    i = 3 * (y * w + x)
    return px[i], px[i + 1], px[i + 2]


def check_roll(img):
    w, h, px = img
    colours = len({px[i:i + 3] for i in range(0, len(px), 3 * 7)})
    x0, y0, rw, rh = ROLL
    notes = 0
    white_columns = 0
    for x in range(x0, min(x0 + rw, w)):
        white = 0
        for y in range(y0, min(y0 + rh, h)):
            r, g, b = pixel(img, x, y)
            if max(r, g, b) >= 150 and max(r, g, b) - min(r, g, b) >= 80:
                notes += 1
            if min(r, g, b) >= 230:
                white += 1
        if white >= 0.9 * rh:
            white_columns += 1
    print("window: %d colours; roll: %d note pixels, %d playhead columns"
          % (colours, notes, white_columns))
    return colours >= 20 and notes >= 200 and 1 <= white_columns <= 3


def check_status_ok(img):
    x0, y0, cw, ch = CHIP
    r, g, b = pixel(img, x0 + cw // 2, y0 + ch // 2)
    print("status chip: #%02x%02x%02x (ok is #%02x%02x%02x)" % ((r, g, b) + OK_GREEN))
    return all(abs(a - e) <= 12 for a, e in zip((r, g, b), OK_GREEN))


def main():
    img = read_ppm(sys.argv[1])
    what = sys.argv[2]
    ok = {"roll": check_roll, "status-ok": check_status_ok}[what](img)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
