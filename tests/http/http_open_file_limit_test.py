#!/usr/bin/env python3
"""Idle HTTP connections against the open-file limit, on `run --http`.

Usage: http_open_file_limit_test.py NEWSFLOW_BIN SOURCE_DIR

A shell's soft open-file limit is often 1024 while --http-max-connections
was 1024 too: a client holding connections open took every descriptor, and
the run's store could open no new file ("Too many open files"), so
ingestion stopped (exit 1) or the run aborted.

  - soft limit 128, hard 4096: newsflow raises its soft limit to the hard
    one (/proc/PID/limits), and 300 idle connections leave a new request
    answered;
  - soft = hard = 512 (nothing to raise): the server admits at most the
    limit less a reserve (256 here), so 450 idle connections leave the
    process well below its limit (the server is full: a new connection is
    closed at once); items appended meanwhile are all stored (the store
    says so while the connections are held), and the run exits 0 on
    SIGTERM.

Every check runs; the failures are listed together at the end.
"""
import http.client
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nf_check import cli, fail, spawn  # noqa: E402

FAILURES = []


T0 = time.time()


def expect(cond, msg):
    if not cond:
        msg = f"[{time.time() - T0:.1f} s] {msg}"
        print("FAILED: " + msg, flush=True)
        FAILURES.append(msg)
    return cond


def items(first, last, t0=1_700_000_000):
    return [json.dumps({"id": 900000 + i, "ctime": t0 + 60 * i, "title": f"深圳市发布第{i}号产业通知",
                        "content": f"深圳市工业和信息化局发布第{i}号通知，支持{i * 7}家企业开展机器人试点。"},
                       ensure_ascii=False) for i in range(first, last)]


def start_run(tmp, name, nofile):
    db, inp = os.path.join(tmp, name + ".db"), os.path.join(tmp, name + ".jsonl")
    port_file, err = os.path.join(tmp, name + ".port"), open(os.path.join(tmp, name + ".err"), "w+")
    with open(inp, "w", encoding="utf-8") as f:
        f.write("\n".join(items(0, 100)) + "\n")
    proc = spawn(["prlimit", f"--nofile={nofile}", BIN, "run", "-q", "--format", "cls", "--source", "follow:" + inp,
                  "--db", db, "--rules", f"{SRC}/rules/sets", "--http", "127.0.0.1:0", "--http-port-file", port_file,
                  "--linger-ms", "5"], stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 30
    while not (os.path.exists(port_file) and open(port_file).read().strip()):
        if proc.poll() is not None or time.time() > deadline:
            err.seek(0)
            fail(f"{name} did not start listening: {err.read()}")
        time.sleep(0.05)
    return proc, int(open(port_file).read()), db, inp, err


def get(port, path, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode(errors="replace")
    except OSError as e:
        return None, str(e)
    finally:
        c.close()


def metric(port, name):
    status, body = get(port, "/metrics")
    for line in body.splitlines() if status == 200 else []:
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def hold(port, n):
    """n connections, each holding half a request line (the server waits for the rest)."""
    held = []
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /health HT")
            held.append(s)
        except OSError:
            break
    time.sleep(1)  # the server accepts them (or closes those over its cap)
    return held


def open_files(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def soft_limit(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return None


def wait_read(port, n, seconds=30):
    deadline = time.time() + seconds
    while metric(port, "newsflow_items_read_total") != n:
        if time.time() > deadline:
            return False
        time.sleep(0.2)
    return True


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 4096):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))  # this process holds the sockets
    with tempfile.TemporaryDirectory() as tmp:
        # ---- a low soft limit is raised to the hard one
        proc, port, db, inp, err = start_run(tmp, "raised", "128:4096")
        try:
            expect(wait_read(port, 100), "the run did not read its first 100 items")
            expect(soft_limit(proc.pid) == 4096, f"soft open-file limit of the run: {soft_limit(proc.pid)}, not 4096")
            held = hold(port, 300)
            status, _ = get(port, "/health")
            expect(status == 200, f"/health with 300 idle connections open, soft limit raised: {status}")
            for s in held:
                s.close()
        finally:
            expect(stop(proc) == 0, "the run (limit raised) did not exit 0 on SIGTERM")

        # ---- a hard limit of 512: connections are capped below it, ingestion goes on
        proc, port, db, inp, err = start_run(tmp, "capped", "512:512")
        try:
            expect(wait_read(port, 100), "the run did not read its first 100 items")
            held = hold(port, 450)
            n = open_files(proc.pid)
            expect(n is not None and n <= 512 - 150,
                   f"{n} files open with 450 idle connections under a limit of 512: the connections were not capped")
            # The server is full now (a new connection is closed at once), so
            # the store itself says what was stored while they are held.
            with open(inp, "a", encoding="utf-8") as f:
                f.write("\n".join(items(100, 2100)) + "\n")
            deadline, count = time.time() + 60, None
            while time.time() < deadline and count != "2100":
                time.sleep(0.5)
                r = subprocess.run([BIN, "query", "--db", db, "--count"], capture_output=True, text=True)
                count = r.stdout.strip() if r.returncode == 0 else None
            expect(count == "2100", f"documents stored while 450 connections were held: {count}, not 2100")
            for s in held:
                s.close()
        finally:
            rc = stop(proc)
            err.seek(0)
            expect(rc == 0, f"the run under a limit of 512 exited {rc}: {err.read()[-2000:]}")
        count = cli("query", "--db", db, "--count").strip()
        expect(count == "2100", f"documents stored under a limit of 512, after the run: {count}, not 2100")
    if FAILURES:
        sys.exit("FAIL: " + "; ".join(FAILURES))
    print("ok")


if __name__ == "__main__":
    main()
