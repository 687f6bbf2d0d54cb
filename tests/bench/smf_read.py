"""The benchmarks' Standard MIDI File reader: the notes and tempo changes of
every track, in time order, with their times in seconds.

    ppq, events = smf_read.read(path)      # (tick, kind, value), sorted
    for t, kind, value in smf_read.timed(ppq, events): ...

Kinds: TEMPO (value: microseconds per quarter note), OFF and ON (value:
(channel, pitch, velocity)); a note-on of velocity 0 is an OFF.  At one tick the
tempo changes come first, then the note-offs, then the note-ons, each in file
order.  Other events (controllers, programs, SysEx, other meta events) are
skipped.  A caller may drop events before timed(): the times are summed over
the events it is given."""
import struct

TEMPO, OFF, ON = 0, 1, 2


def read_varlen(data, i):
    """The variable-length number at data[i], and the index after it."""
    value = 0
    while True:
        b = data[i]
        i += 1
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            return value, i


def read(path):
    """(ticks per quarter note, events (tick, kind, value) in time order)."""
    data = open(path, "rb").read()
    if data[:4] != b"MThd":
        raise SystemExit(f"{path}: not a MIDI file")
    ppq = struct.unpack(">H", data[12:14])[0]
    i = 8 + struct.unpack(">I", data[4:8])[0]
    events = []
    while i < len(data):
        size = struct.unpack(">I", data[i + 4:i + 8])[0]
        j, end, tick, status = i + 8, i + 8 + size, 0, 0
        while j < end:
            delta, j = read_varlen(data, j)
            tick += delta
            b = data[j]
            if b == 0xFF:
                kind = data[j + 1]
                length, j = read_varlen(data, j + 2)
                if kind == 0x51:
                    events.append((tick, TEMPO, int.from_bytes(data[j:j + 3], "big")))
                j += length
                continue
            if b in (0xF0, 0xF7):
                length, j = read_varlen(data, j + 1)
                j += length
                continue
            if b & 0x80:
                status = b
                j += 1
            kind = status & 0xF0
            if kind in (0x80, 0x90):
                on = kind == 0x90 and data[j + 1] > 0
                events.append((tick, ON if on else OFF, (status & 15, data[j], data[j + 1])))
            j += 1 if kind in (0xC0, 0xD0) else 2
        i = end
    events.sort(key=lambda e: (e[0], e[1]))
    return ppq, events


def timed(ppq, events):
    """The events as (seconds, kind, value), by the tempo changes among them
    (120 bpm until the first)."""
    tempo, last, t = 500000, 0, 0.0
    for tick, kind, value in events:
        t += (tick - last) * tempo / 1e6 / ppq
        last = tick
        if kind == TEMPO:
            tempo = value
        yield t, kind, value
