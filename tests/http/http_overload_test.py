#!/usr/bin/env python3
"""`serve` under a flood of expensive requests whose clients do not wait for
the answer, and under more requests than its workers can take.

Usage: http_overload_test.py NEWSFLOW_BIN SOURCE_DIR

On a store of a few thousand documents made for the purpose:
  - 300 connections send an expensive /api/query and close at once: /health
    and /ready still answer within 2 s (they are not queued behind the
    queries), the abandoned queries are dropped unrun (the process's open
    files fall back within seconds; /metrics counts them), and a query
    asked afterwards is answered promptly;
  - 200 connections that wait for expensive queries: the queue is bounded,
    so some are answered 503 with Retry-After at once, and every one is
    answered;
  - SIGTERM a second after a flood of 500: serve exits (0) within 10 s;
  - off loopback, one address sending 40 expensive queries at once holds at
    most a quarter of the queue (the rest 503), and another address's query
    sent after them is answered before most of them (the workers take the
    clients in turn).

Every check after the store's setup runs; the failures are listed together.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nf_check import check, cli, fail, spawn  # noqa: E402

FAILURES = []


def expect(cond, msg):
    """A check that lets the test go on (the failures are listed at the end)."""
    if not cond:
        print("FAILED: " + msg, flush=True)
        FAILURES.append(msg)
    return cond

DOCS = 6000
# Every document, read and written out whole (collapse: with its story's members).
EXPENSIVE = "/api/query?limit=1000&collapse=1&q=%E9%80%9A%E7%9F%A5"  # q=通知 (every item has it)


def items():
    t0 = 1_700_000_000
    filler = "，".join(f"第{k}项措施涉及产业链上下游企业{k * 3}家" for k in range(40))
    for i in range(DOCS):
        yield json.dumps({"id": 800000 + i, "ctime": t0 + 60 * i, "title": f"深圳市发布第{i}号产业通知",
                          "content": f"深圳市工业和信息化局发布第{i}号通知，支持{i * 7}家企业开展试点。{filler}。"},
                         ensure_ascii=False)


class Serve:
    def __init__(self, tmp, db, listen="127.0.0.1:0"):
        self.port_file = os.path.join(tmp, "serve.port")
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        self.err = open(os.path.join(tmp, "serve.err"), "w+")
        self.proc = spawn([BIN, "serve", "--db", db, "--listen", listen, "--rules",
                                      f"{SRC}/rules/sets", "--port-file", self.port_file],
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 20
        while not (os.path.exists(self.port_file) and open(self.port_file).read().strip()):
            if self.proc.poll() is not None or time.time() > deadline:
                self.err.seek(0)
                fail("serve did not start: " + self.err.read())
            time.sleep(0.05)
        self.port = int(open(self.port_file).read())

    def request(self, path, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read(), r
        finally:
            c.close()

    def fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def timed(srv, path, timeout):
    t0 = time.time()
    try:
        status, body, _ = srv.request(path, timeout=timeout)
    except (socket.timeout, OSError) as e:
        return None, time.time() - t0, str(e)
    return status, time.time() - t0, body


def flood(port, n):
    """n connections that each send the expensive query and close at once."""
    req = f"GET {EXPENSIVE} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(req)
        s.close()


def metric(srv, name):
    status, body, _ = srv.request("/metrics", timeout=5)
    check(status == 200, f"/metrics: {status}")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def main():
    with tempfile.TemporaryDirectory() as tmp:
        db, inp = os.path.join(tmp, "db"), os.path.join(tmp, "in.jsonl")
        with open(inp, "w", encoding="utf-8") as f:
            f.write("\n".join(items()) + "\n")
        cli("run", "-q", "--format", "cls", "--source", inp, "--db", db, "--rules", f"{SRC}/rules/sets",
            "--seeds", f"{SRC}/seeds")
        srv = Serve(tmp, db)
        try:
            status, took, body = timed(srv, EXPENSIVE, 30)
            check(status == 200, f"the expensive query: {status} {body!r:.300}")
            check(len(json.loads(body)["items"]) > 100, "the expensive query lists too little to be expensive")
            print(f"one expensive query: {took:.3f} s", flush=True)
            fds_before = srv.fds()

            # ---- a flood of abandoned expensive queries
            flood(srv.port, 300)
            status, took, body = timed(srv, "/health", 10)
            expect(status == 200 and took < 2.0, f"/health after the flood: {status} in {took:.2f} s")
            status, took, body = timed(srv, "/ready", 10)
            expect(status == 200 and took < 2.0, f"/ready after the flood: {status} in {took:.2f} s")
            deadline = time.time() + 15
            while srv.fds() > fds_before + 20 and time.time() < deadline:
                time.sleep(0.2)
            expect(srv.fds() <= fds_before + 20, f"open files {fds_before} -> {srv.fds()} 15 s after the flood")
            status, took, body = timed(srv, "/api/query?limit=5", 15)
            expect(status == 200 and took < 10.0, f"a query after the flood: {status} in {took:.2f} s")
            abandoned = metric(srv, "newsflow_http_requests_abandoned_total")
            expect(abandoned is not None and abandoned > 0, f"abandoned requests counted: {abandoned}")

            # ---- more waiting clients than the queue takes: some 503 (Retry-After) at once, all answered
            req = f"GET {EXPENSIVE} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
            waiting = []
            for _ in range(200):
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
                s.sendall(req)
                waiting.append(s)
            t0 = time.time()
            statuses, retry_after = [], 0
            for s in waiting:
                r = http.client.HTTPResponse(s)
                r.begin()
                statuses.append(r.status)
                if r.status == 503 and r.getheader("Retry-After"):
                    retry_after += 1
                r.read()
                s.close()
                if time.time() - t0 > 40:
                    expect(False, f"200 waiting clients not answered within 40 s ({len(statuses)} were)")
                    break
            busy = statuses.count(503)
            expect(busy > 0 and retry_after == busy, f"503 with Retry-After: {busy} ({retry_after} with the header)")
            expect(statuses.count(200) > 0 and statuses.count(200) + busy == len(statuses),
                  f"statuses of the waiting clients: { {c: statuses.count(c) for c in set(statuses)} }")

            # ---- clients that shut down their sending side after the request, one at a time
            # (no backlog): each still gets its answer
            answered = 0
            for _ in range(10):
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
                s.sendall(b"GET /api/query?limit=5 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                s.shutdown(socket.SHUT_WR)
                r = http.client.HTTPResponse(s)
                try:
                    r.begin()
                    answered += r.status == 200
                    r.read()
                except (http.client.HTTPException, OSError):
                    pass
                s.close()
            expect(answered == 10, f"half-closed clients without a backlog answered: {answered} of 10")

            # ---- SIGTERM right after another flood
            flood(srv.port, 500)
            time.sleep(1)  # the requests read and queued
            t0 = time.time()
            srv.proc.send_signal(signal.SIGTERM)
            try:
                rc = srv.proc.wait(timeout=10)
                expect(rc == 0, f"serve exited {rc}")
                print(f"serve exited {time.time() - t0:.2f} s after SIGTERM", flush=True)
            except subprocess.TimeoutExpired:
                expect(False, "serve did not exit within 10 s of SIGTERM after a flood")
        finally:
            srv.kill()

        # ---- off loopback: one address's burst does not starve another
        srv = Serve(tmp, db, listen="0.0.0.0:0")
        try:
            req = f"GET {EXPENSIVE} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
            t0 = time.time()
            done = {}  # (client, i) -> (status, seconds after t0)

            import threading
            sent = threading.Semaphore(0)

            def ask(client, i):
                try:
                    s = socket.create_connection(("127.0.0.1", srv.port), timeout=60, source_address=(client, 0))
                    s.sendall(req)
                    sent.release()
                    r = http.client.HTTPResponse(s)
                    r.begin()
                    r.read()
                    done[(client, i)] = (r.status, time.time() - t0)
                    s.close()
                except OSError as e:
                    done[(client, i)] = (str(e), time.time() - t0)

            burst = [threading.Thread(target=ask, args=("127.0.0.2", i)) for i in range(40)]
            for t in burst:
                t.start()
            for _ in burst:  # every query of the burst sent
                sent.acquire(timeout=30)
            time.sleep(0.02)  # and read by the server
            other = threading.Thread(target=ask, args=("127.0.0.3", 0))
            other.start()
            for t in burst + [other]:
                t.join(timeout=120)
            a = [v for (c, _), v in done.items() if c == "127.0.0.2"]
            served = sorted(t for st, t in a if st == 200)
            busy = sum(1 for st, _ in a if st == 503)
            b_status, b_time = done.get(("127.0.0.3", 0), (None, None))
            print(f"burst of 40 from one address: {len(served)} served, {busy} busy; "
                  f"the other address's query {b_status} at {b_time}", flush=True)
            expect(len(a) == 40 and busy > 0 and len(served) + busy == 40,
                   f"one address's 40 waiting queries: {len(served)} served, {busy} 503 (at most 16 may wait)")
            expect(b_status == 200, f"another address's query during the burst: {b_status}")
            expect(b_time is not None and len(served) >= 8 and b_time < served[len(served) // 2],
                   f"another address's query answered at {b_time} s, after most of the burst's: {served}")
        finally:
            srv.kill()
    if FAILURES:
        fail(f"{len(FAILURES)} check(s) failed: " + "; ".join(FAILURES))
    print("http overload: ok")


if __name__ == "__main__":
    main()
