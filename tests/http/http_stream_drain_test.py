#!/usr/bin/env python3
"""A client connected to the alert stream of `run --http` to the end gets
every alert the run stored, when the input ends and when SIGTERM stops it:
the run lets the open streams catch up before it closes the store (they
lost the last batches' alerts: the red-team saw 36 of 112 streamed).

Usage: http_stream_drain_test.py NEWSFLOW_BIN SOURCE_DIR

The expected alerts are the store's own log (`alerts --json`), read after
the run; the stream's are its `id:` lines, each once.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BIN, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nf_check import check, cli, fail, spawn  # noqa: E402

SUBS = """subscriptions:
  - name: ai-desk
    any: [cluster:ai]
  - name: chips
    any: [cluster:semiconductors, cluster:new-materials]
  - name: sz
    any: [region:shenzhen, region:guangdong]
"""


def fixture_lines():
    lines = []
    for feed in ("cls", "eastmoney", "ths"):
        with open(f"{SRC}/tests/fixtures/{feed}-sample.jsonl", encoding="utf-8") as f:
            lines.extend(l for l in f.read().splitlines() if l.strip())
    return lines


def one_run(tmp, name, stop):
    db, port_file, subs = (os.path.join(tmp, name + x) for x in (".db", ".port", ".subs.yaml"))
    with open(subs, "w") as f:
        f.write(SUBS)
    err = open(os.path.join(tmp, name + ".err"), "w+")
    proc = spawn([BIN, "run", "-q", "--source", "-", "--db", db, "--rules", f"{SRC}/rules/sets",
                  "--subscriptions", subs, "--http", "127.0.0.1:0", "--http-port-file", port_file],
                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 30
    while not (os.path.exists(port_file) and open(port_file).read().strip()):
        if proc.poll() is not None or time.time() > deadline:
            err.seek(0)
            fail(f"{name}: the run did not start listening: {err.read()}")
        time.sleep(0.05)
    port = int(open(port_file).read())
    while True:  # listening before the store is open: /ready says when
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5):
                break
        except urllib.error.HTTPError:
            check(time.time() < deadline, f"{name}: the run did not get ready")
            time.sleep(0.05)
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"GET /api/alerts/stream?after_seq=0 HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        check(chunk, f"{name}: the stream closed before its head")
        data += chunk
    check(b" 200 " in data.split(b"\r\n")[0], f"{name}: the stream did not open: {data[:200]!r}")
    proc.stdin.write(("\n".join(fixture_lines()) + "\n").encode())
    proc.stdin.flush()
    if stop == "sigterm":
        proc.send_signal(signal.SIGTERM)  # a live input drains what was written, then stops
    else:
        proc.stdin.close()
    while True:  # the run closes the stream when it stops
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    rc = proc.wait(timeout=60)
    check(rc == 0, f"{name}: the run exited {rc}")
    streamed = [l[4:].decode() for l in data.split(b"\n") if l.startswith(b"id: ")]
    logged = [line for line in cli("alerts", "--db", db, "--json").splitlines() if line.strip()]
    check(len(logged) > 20, f"{name}: only {len(logged)} alerts: the fixtures should raise more")
    check(len(streamed) == len(set(streamed)), f"{name}: an alert was streamed twice")
    check(len(streamed) == len(logged),
          f"{name}: streamed {len(streamed)} of the {len(logged)} alerts the run stored")
    print(f"{name}: streamed {len(streamed)} of {len(logged)} alerts")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        one_run(tmp, "eof", "eof")
        one_run(tmp, "sigterm", "sigterm")


if __name__ == "__main__":
    main()
