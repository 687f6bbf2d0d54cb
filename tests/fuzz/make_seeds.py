#!/usr/bin/env python3
"""Writes the seed corpora of Tandem's fuzz harnesses (tests/fuzz/corpus_atom,
corpus_state, corpus_style).  Run it from anywhere; it rewrites those folders'
seed_* files.  URIs in atom seeds are written as 0xFEED00nn tokens that
fuzz_atom.c replaces by the URID of TOKENS[nn], so the seeds do not depend on
the order the plugin maps URIs in."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENS = ["Object", "Blank", "Position", "Set", "Get", "property", "value", "Float",
          "Double", "Int", "Long", "String", "Path", "URID", "Bool", "bar", "barBeat",
          "beatsPerMinute", "beatsPerBar", "beatUnit", "speed", "frame", "MidiEvent",
          "status", "prompt", "styleFile", "exportPath", "send", "llmUrl", "llmModel",
          "llmProvider", "llmTimeout", "llmTemperature", "llmMaxTokens", "subject",
          "Sequence", "Tuple", "Vector", "Chunk", "Literal"]


def tok(name):
    return 0xFEED0000 | TOKENS.index(name)


def pad8(b):
    return b + b"\0" * ((8 - len(b) % 8) % 8)


def atom(type_name, body):
    return struct.pack("<II", len(body), tok(type_name)) + body


def value(kind, v):
    if kind == "Float":
        return atom("Float", struct.pack("<f", v))
    if kind == "Double":
        return atom("Double", struct.pack("<d", v))
    if kind == "Int":
        return atom("Int", struct.pack("<i", v))
    if kind == "Long":
        return atom("Long", struct.pack("<q", v))
    if kind == "URID":
        return atom("URID", struct.pack("<I", tok(v)))
    if kind in ("String", "Path"):
        return atom(kind, v.encode() + b"\0")
    raise ValueError(kind)


def obj(otype, props, blank=False):
    body = struct.pack("<II", 0, tok(otype))
    for key, kind, v in props:
        body += struct.pack("<II", tok(key), 0) + pad8(value(kind, v))
    return atom("Blank" if blank else "Object", body)


def event(frames, a):
    return pad8(struct.pack("<q", frames) + a)


def position(bpm=120.0, speed=1.0, bar=0, beat=0.0, blank=False, drop=()):
    props = [("speed", "Float", speed), ("beatsPerMinute", "Float", bpm),
             ("bar", "Long", bar), ("barBeat", "Float", beat),
             ("beatsPerBar", "Float", 4.0), ("beatUnit", "Int", 4),
             ("frame", "Long", bar * 96000)]
    return obj("Position", [p for p in props if p[0] not in drop], blank)


def atom_seed(frames, events):
    return struct.pack("<H", frames) + b"".join(event(t, a) for t, a in events)


def write(folder, name, data):
    path = os.path.join(HERE, folder)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "seed_" + name), "wb") as f:
        f.write(data)


def atom_seeds():
    s = {
        "empty": atom_seed(512, []),
        "position": atom_seed(512, [(0, position())]),
        "position_blank": atom_seed(512, [(0, position(blank=True))]),
        "position_missing_bpm": atom_seed(256, [(10, position(drop=("beatsPerMinute",)))]),
        "position_only_speed": atom_seed(256, [(0, position(drop=("beatsPerMinute", "bar",
                                       "barBeat", "beatsPerBar", "beatUnit", "frame")))]),
        "bpm_zero": atom_seed(512, [(0, position(bpm=0.0))]),
        "bpm_negative": atom_seed(512, [(0, position(bpm=-90.0))]),
        "speed_reverse": atom_seed(512, [(0, position(speed=-1.0))]),
        "speed_half": atom_seed(512, [(0, position(speed=0.5))]),
        "backward_jump": atom_seed(1024, [(0, position(bar=8)), (100, position(bar=2, beat=3.5)),
                                          (900, position(bar=0))]),
        "times_out_of_order": atom_seed(256, [(200, position()), (20, position(bar=1)),
                                              (9999, position(bar=2))]),
        "patch_get_all": atom_seed(64, [(0, obj("Get", []))]),
        "patch_get_status": atom_seed(64, [(0, obj("Get", [("property", "URID", "status")]))]),
        "patch_set_prompt": atom_seed(64, [(0, obj("Set", [("property", "URID", "prompt"),
                                                           ("value", "String", "make it groovier")]))]),
        "patch_set_style_file": atom_seed(64, [(0, obj("Set", [("property", "URID", "styleFile"),
                                                               ("value", "Path", "/nonexistent/x.ttl")]))]),
        "patch_set_wrong_type": atom_seed(64, [(0, obj("Set", [("property", "URID", "llmTimeout"),
                                                               ("value", "String", "soon")]))]),
        "patch_set_llm_numbers": atom_seed(64, [
            (0, obj("Set", [("property", "URID", "llmTimeout"), ("value", "Float", -1.0)])),
            (1, obj("Set", [("property", "URID", "llmMaxTokens"), ("value", "Int", -5)])),
            (2, obj("Set", [("property", "URID", "llmTemperature"), ("value", "Double", 1e300)]))]),
        "midi_in": atom_seed(64, [(0, atom("MidiEvent", b"\x90\x40\x7f")),
                                  (5, atom("MidiEvent", b"\x80\x40\x00"))]),
    }
    # An event whose size runs past the sequence, and a truncated header.
    s["event_too_big"] = struct.pack("<H", 64) + struct.pack("<qII", 0, 0xFFFF, tok("Object"))
    s["truncated_header"] = struct.pack("<H", 64) + struct.pack("<q", 0) + b"\x10\0"
    for name, data in s.items():
        write("corpus_atom", name, data)


def record(missing, type_index, payload):
    return struct.pack("<BH", (1 if missing else 0) | (type_index << 1), len(payload)) + payload


def state_seeds():
    int_t, string_t, chunk_t, path_t, float_t = 1, 2, 0, 3, 4
    pattern_hdr = b"TPS1" + struct.pack("<IIIIIII", 0, 1, 4, 4, 2, 0, 0)
    note = struct.pack("<IIBBBB", 0, 240, 36, 100, 0, 0)
    s = {
        "version_only": record(False, int_t, struct.pack("<i", 2)),
        "all_missing": b"".join(record(True, 0, b"") for _ in range(20)),
        "wrong_types": b"".join(record(False, t, b"xyz") for t in range(15)),
        "version_future": record(False, int_t, struct.pack("<i", 99)) +
        record(False, chunk_t, pattern_hdr + note * 2) + record(False, string_t, b"kick+1\0"),
        "huge_count_chunk": record(False, int_t, struct.pack("<i", 2)) +
        record(False, chunk_t, b"TPS1" + struct.pack("<I", 0xFFFFFFFF) * 7),
        "strings_unterminated": record(False, int_t, struct.pack("<i", 2)) +
        b"".join(record(False, string_t, b"A" * 300) for _ in range(16)),
        "paths": record(False, int_t, struct.pack("<i", 2)) + record(True, 0, b"") +
        record(True, 0, b"") + record(False, path_t, b"/nonexistent/style.ttl\0"),
        "float_as_int": record(False, float_t, struct.pack("<f", float("nan"))),
        "random_type": struct.pack("<BH", 15 << 1, 4) + struct.pack("<I", 0xFFFFFF) + b"abcd",
    }
    for name, data in s.items():
        write("corpus_state", name, data)


BAD_TURTLE = {
    # Written afresh for Tandem; each breaks the grammar or the vocabulary a
    # different way.
    "unterminated_string": '@prefix sty: <urn:tandem:style#> .\n<#x> sty:label "open\n',
    "unterminated_long_string": '@prefix sty: <urn:tandem:style#> .\n<#x> sty:label """open .\n',
    "bad_escape": '<urn:x> <urn:y> "bad \\q escape" .\n',
    "bad_uchar": '<urn:x> <urn:y> "\\uZZZZ" .\n',
    "iri_with_space": '<urn:x y> <urn:p> 1 .\n',
    "undefined_prefix": 'nope:x nope:y nope:z .\n',
    "missing_dot": '<urn:x> <urn:p> 1\n<urn:y> <urn:p> 2 .\n',
    "unclosed_blank": '<urn:x> <urn:p> [ <urn:q> 1 ;\n',
    "unclosed_list": '<urn:x> <urn:p> ( 1 2 3\n',
    "literal_as_subject": '"text" <urn:p> <urn:o> .\n',
    "bad_number": '<urn:x> <urn:p> 1.2.3e .\n',
    "nul_byte": '<urn:x> <urn:p> "a\0b" .\n',
    "invalid_utf8": b'<urn:x> <urn:p> "\xff\xfe\xc3" .\n',
    "prefix_no_colon": '@prefix sty <urn:tandem:style#> .\n',
    "base_relative_chain": '@base <a> .\n@base <../../..> .\n<x> <y> <z> .\n',
    "deep_nesting": '<urn:x> <urn:p> ' + '[ <urn:p> ' * 200 + '1' + ' ]' * 200 + ' .\n',
    "long_literal": '<urn:x> <urn:p> "' + 'a' * 20000 + '" .\n',
    "datatype_garbage": '<urn:x> <urn:p> "12"^^<urn:not-a-type> .\n',
    "lang_tag_bad": '<urn:x> <urn:p> "x"@-bad .\n',
    "empty": '',
    "only_comment": '# nothing here\n',
}


def style_seeds():
    for name, text in BAD_TURTLE.items():
        data = text if isinstance(text, bytes) else text.encode()
        write("corpus_style", name + ".ttl", data)
    styles = os.path.join(HERE, "..", "..", "ttl", "styles")
    good = sorted(f for f in os.listdir(styles) if f.endswith(".ttl") and f != "vocab.ttl")
    for f in good[:3]:
        with open(os.path.join(styles, f), "rb") as src:
            text = src.read()
        write("corpus_style", "shipped_" + f, text)
        # The same profile with one number out of range and one field cut off.
        write("corpus_style", "broken_range_" + f, text.replace(b"0.", b"-9.", 1))
        write("corpus_style", "truncated_" + f, text[: len(text) // 2])


if __name__ == "__main__":
    atom_seeds()
    state_seeds()
    style_seeds()
