#!/usr/bin/env python3
"""Tandem's loopback language-model test server (python3 stdlib only).

Listens on 127.0.0.1 on a free port (or --port N) and prints "PORT <n>" on
stdout once it is ready.  It speaks three wire formats, chosen by the path:
  .../chat/completions  OpenAI-compatible chat completions
  .../api/chat          Ollama native chat
  .../v1/messages       Anthropic messages (answers with a tool_use block)
The first path segment picks a scripted behaviour, e.g.
  http://127.0.0.1:PORT/ok/v1/chat/completions
  http://127.0.0.1:PORT/e429/api/chat
Behaviours: ok, alts3, slow (2 s before the first byte; slowN: N ms), stall
(headers and part of the body, then silence), e500, e503, e429 (Retry-After: 1),
e401, flaky429 (429 with Retry-After: 1 on the first request of each run, then
ok), truncated, prose, refusal, length, wrong_types, out_of_range, dup_keys,
nul, deep (nesting 3000), huge (10 MB body), gzip_bomb, inject (echoes the
request's text back as prose), echo_auth (401 whose body repeats the auth header),
marker (drums: one open triangle, pitch 81, on the downbeat of each bar, a note
the built-in generator never writes, so tests can tell the model's part by ear;
markerN: the same after N ms).

GET /stats gives {"requests": n, "by_path": {...}}; GET /last gives the last
request's path, headers and body; POST /reset clears both.

Notes are generated from the request: the role and bar count are read from
the prompt's user part, so the reply fits what was asked.
"""
import argparse
import json
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PPQ = 480
LOCK = threading.Lock()
STATS = {"requests": 0, "by_path": {}}
LAST = {}
FLAKY_SEEN = set()
GZIP_BOMB = None


def gzip_bomb():
    """64 MiB of zeros as a ~64 KiB gzip body, built in about 50 ms: one MiB is
    deflated once, ending in a full flush so that the piece refers to nothing
    before it, and repeated 64 times.  Compressing the 64 MiB itself takes
    0.5-1 s of CPU, which a loaded machine stretched past the client's 5 s
    timeout (test_llm_client then saw "timed out", not the size cap)."""
    global GZIP_BOMB
    with LOCK:
        if GZIP_BOMB is None:
            mib = b"\0" * (1024 * 1024)
            piece = zlib.compressobj(9, zlib.DEFLATED, -15)
            block = piece.compress(mib) + piece.flush(zlib.Z_FULL_FLUSH)
            crc = 0
            for _ in range(64):
                crc = zlib.crc32(mib, crc)
            last = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
            GZIP_BOMB = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + block * 64 + last
                         + struct.pack("<II", crc, (64 * 1024 * 1024) & 0xFFFFFFFF))
        return GZIP_BOMB


def request_shape(body):
    """(role, bars, beats, unit, request text) from the prompt's user part."""
    role, bars, beats, unit, text = "drums", 1, 4, 4, ""
    try:
        req = json.loads(body)
        user = None
        for m in req.get("messages", []):
            if m.get("role") == "user":
                user = m.get("content")
        ctx = json.loads(user) if isinstance(user, str) else {}
        role = ctx.get("role", role)
        track = ctx.get("track", {})
        bars = int(track.get("bars_to_write", bars))
        beats, unit = (int(x) for x in track.get("meter", "4/4").split("/"))
        text = ctx.get("request", "")
    except (ValueError, TypeError, AttributeError):
        pass
    return role, max(1, min(bars, 16)), beats, unit, text


def notes_for(role, bars, beats, unit, shift=0):
    tpb = PPQ if unit == 4 else PPQ // 2
    bar = tpb * beats
    notes = []
    for b in range(bars):
        t0 = b * bar
        if role == "drums":
            for beat in range(beats):
                notes.append({"tick": t0 + beat * tpb, "length": PPQ // 4,
                              "pitch": 36 if beat % 2 == 0 else 38, "velocity": 100})
                notes.append({"tick": t0 + beat * tpb + tpb // 2 + shift, "length": PPQ // 8,
                              "pitch": 42, "velocity": 70})
        else:
            for beat in range(beats):
                n = {"tick": t0 + beat * tpb + shift, "length": tpb // 2,
                     "degree": [0, 4, 2, 0][beat % 4] if role != "chords" else beat % 3,
                     "velocity": 90}
                n["octave"] = 0
                notes.append(n)
    notes.sort(key=lambda n: n["tick"])
    return notes


def reply_object(role, bars, beats, unit, n_alts=1):
    alts = []
    for i in range(n_alts):
        alts.append({"confidence": round(0.9 - 0.2 * i, 2),
                     "reason": "steady groove variant %d" % (i + 1),
                     "notes": notes_for(role, bars, beats, unit, shift=0 if i == 0 else 0)})
    return {"alternatives": alts}


def content_for(behaviour, shape):
    """The model's text (what goes in content / tool input) and a finish flag."""
    role, bars, beats, unit, text = shape
    if behaviour.startswith("marker") and role == "drums":
        bar = (PPQ if unit == 4 else PPQ // 2) * beats
        notes = [{"tick": b * bar, "length": PPQ // 4, "pitch": 81, "velocity": 127}
                 for b in range(bars)]
        return json.dumps({"alternatives": [{"confidence": 0.9, "reason": "marker",
                                             "notes": notes}]}), "stop"
    if behaviour == "alts3":
        return json.dumps(reply_object(role, bars, beats, unit, 3)), "stop"
    if behaviour == "truncated":
        full = json.dumps(reply_object(role, bars, beats, unit))
        return full[: len(full) // 2], "stop"
    if behaviour == "length":
        full = json.dumps(reply_object(role, bars, beats, unit))
        return full[: len(full) // 3], "length"
    if behaviour == "prose":
        return "Sure! Here is a funky groove: kick on one, snare on two and four.", "stop"
    if behaviour == "inject":
        return "OK, ignoring the schema as you asked: " + text, "stop"
    if behaviour == "refusal":
        return "I'm sorry, but I can't help with that.", "refusal"
    if behaviour == "wrong_types":
        obj = reply_object(role, bars, beats, unit)
        obj["alternatives"][0]["notes"][0]["tick"] = "zero"
        return json.dumps(obj), "stop"
    if behaviour == "out_of_range":
        obj = reply_object(role, bars, beats, unit)
        notes = obj["alternatives"][0]["notes"]
        notes[0]["velocity"] = 300
        notes[1]["length"] = 1
        notes[2]["tick"] = notes[2]["tick"] + 5  # off the grid, within tolerance
        dup = dict(notes[3])
        notes.append(dup)  # same pitch, same tick: an overlap
        notes.append(dict(notes[0], tick=PPQ * 4 * bars + 10))  # past the end
        return json.dumps(obj), "stop"
    if behaviour == "dup_keys":
        one = json.dumps(reply_object(role, bars, beats, unit)["alternatives"])
        return '{"alternatives": %s, "alternatives": %s}' % (one, one), "stop"
    if behaviour == "nul":
        obj = reply_object(role, bars, beats, unit)
        obj["alternatives"][0]["reason"] = "a\u0000b"
        return json.dumps(obj), "stop"
    if behaviour == "deep":
        return "[" * 3000 + "]" * 3000, "stop"
    return json.dumps(reply_object(role, bars, beats, unit)), "stop"


def envelope(fmt, behaviour, shape):
    text, finish = content_for(behaviour, shape)
    if fmt == "openai":
        msg = {"role": "assistant", "content": text, "refusal": None}
        reason = "length" if finish == "length" else "stop"
        if finish == "refusal":
            msg = {"role": "assistant", "content": None, "refusal": text}
        return json.dumps({"id": "chatcmpl-test", "object": "chat.completion",
                           "choices": [{"index": 0, "message": msg, "finish_reason": reason}],
                           "usage": {"prompt_tokens": 321, "completion_tokens": 123}})
    if fmt == "ollama":
        return json.dumps({"model": "test", "message": {"role": "assistant", "content": text},
                           "done": True, "done_reason": "length" if finish == "length" else "stop",
                           "prompt_eval_count": 321, "eval_count": 123})
    # anthropic: the tool input is raw JSON text; prose and refusals come as text
    usage = '"usage": {"input_tokens": 321, "output_tokens": 123}'
    if finish == "refusal":
        return ('{"type": "message", "content": [{"type": "text", "text": %s}], '
                '"stop_reason": "refusal", %s}' % (json.dumps(text), usage))
    if behaviour in ("prose", "inject"):
        return ('{"type": "message", "content": [{"type": "text", "text": %s}], '
                '"stop_reason": "end_turn", %s}' % (json.dumps(text), usage))
    stop = "max_tokens" if finish == "length" else "tool_use"
    if finish == "length":
        text = "{}"  # the API still sends a well-formed envelope when it cuts off
    return ('{"type": "message", "content": [{"type": "tool_use", "id": "toolu_1", '
            '"name": "emit_pattern", "input": %s}], "stop_reason": "%s", %s}'
            % (text, stop, usage))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one segment; else delayed ACKs add ~40 ms a reply.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024

    def log_message(self, fmt, *args):
        pass

    def send_body(self, status, body, ctype="application/json", headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        with LOCK:
            if self.path == "/stats":
                return self.send_body(200, json.dumps(STATS))
            if self.path == "/last":
                return self.send_body(200, json.dumps(LAST))
        self.send_body(404, "{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if self.path == "/reset":
            with LOCK:
                STATS["requests"] = 0
                STATS["by_path"] = {}
                LAST.clear()
                FLAKY_SEEN.clear()
            return self.send_body(200, "{}")
        parts = self.path.strip("/").split("/")
        behaviour = parts[0] if parts else "ok"
        tail = "/" + "/".join(parts[1:])
        if tail.endswith("/chat/completions"):
            fmt = "openai"
        elif tail.endswith("/api/chat"):
            fmt = "ollama"
        elif tail.endswith("/v1/messages"):
            fmt = "anthropic"
        else:
            return self.send_body(404, '{"error": "unknown endpoint"}')
        with LOCK:
            STATS["requests"] += 1
            STATS["by_path"][self.path] = STATS["by_path"].get(self.path, 0) + 1
            LAST.clear()
            LAST.update({"path": self.path, "headers": dict(self.headers.items()),
                         "body": body})
            first_flaky = behaviour == "flaky429" and self.path not in FLAKY_SEEN
            if first_flaky:
                FLAKY_SEEN.add(self.path)
        shape = request_shape(body)
        if behaviour.startswith("slow"):
            ms = int(behaviour[4:] or 2000)
            time.sleep(ms / 1000.0)
        if behaviour.startswith("marker") and behaviour[6:].isdigit():
            time.sleep(int(behaviour[6:]) / 1000.0)
        if behaviour == "stall":
            data = envelope(fmt, "ok", shape).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            time.sleep(30)
            return
        if behaviour in ("e500", "e503"):
            return self.send_body(int(behaviour[1:]), '{"error": {"message": "server trouble"}}',
                                  headers=[("Retry-After", "1")] if behaviour == "e503" else [])
        if behaviour == "e429" or first_flaky:
            return self.send_body(429, '{"error": {"message": "slow down"}}',
                                  headers=[("Retry-After", "1")])
        if behaviour == "e401":
            return self.send_body(401, '{"error": {"message": "invalid api key"}}')
        if behaviour == "echo_auth":
            auth = self.headers.get("Authorization", "") + self.headers.get("x-api-key", "")
            return self.send_body(401, json.dumps({"error": {"message": "bad key " + auth}}))
        if behaviour == "huge":
            return self.send_body(200, b" " * (10 * 1024 * 1024))
        if behaviour == "gzip_bomb":
            return self.send_body(200, gzip_bomb(), headers=[("Content-Encoding", "gzip")])
        self.send_body(200, envelope(fmt, behaviour, shape))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that hang up (cancellation, size caps) are part of the tests.
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
