#!/usr/bin/env python3
"""The alert stream's limits and edges, and subscription edits of a broken
file, on `run --http` over items made for the purpose (thousands of alerts).

Usage: http_stream_limits_test.py NEWSFLOW_BIN SOURCE_DIR

  - a client that never reads (a tiny receive buffer) while thousands of
    alerts are replayed to it is dropped once a write has waited past the
    deadline (NEWSFLOW_TEST_SSE_WRITE_TIMEOUT_MS, 2 s here; 30 s otherwise):
    its connection ends, /metrics counts it;
  - a client that shuts down its sending side (SHUT_WR) still receives the
    alerts raised afterwards;
  - ?not_subscription= streams and lists every subscription's alerts but
    those named; with ?subscription= beside it, 400;
  - ?subscription= naming no subscription answers 400 (naming the closest
    few of 41, not all); a known one 200;
  - ?after_seq= past the newest alert (a rebuilt or restored store) streams
    the alerts raised from then on, not silence until that seq;
  - HEAD on the stream answers 200 with text/event-stream and no body;
  - at most 256 streams are open: one more answers 503 with Retry-After, and
    a slot freed is taken again;
  - PUT /api/subscriptions/{name} while the file on disk does not parse
    answers 409 (the file, not the request, is at fault), and succeeds
    once the file is repaired.

Every check runs; the failures are listed together at the end.
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
from nf_check import cli, fail, spawn  # noqa: E402

# sz alerts; the 40 desk-K subscriptions (a tag these items never carry)
# make a list too long to send back whole in a 400.
SUBS = "subscriptions:\n  - name: sz\n    any: [region:shenzhen]\n" + "".join(
    f"  - name: desk-{k}\n    any: [cluster:marine]\n" for k in range(40))
KNOWN_NAMES = ["sz"] + [f"desk-{k}" for k in range(40)]
FAILURES = []


def expect(cond, msg):
    if not cond:
        print("FAILED: " + msg, flush=True)
        FAILURES.append(msg)
    return cond


FILLER = "，".join(f"第{k}项措施涉及产业链上下游企业{k * 3}家" for k in range(40))


def items(first, last, t0=1_700_000_000):
    return [json.dumps({"id": 800000 + i, "ctime": t0 + 60 * i, "title": f"深圳市发布第{i}号产业通知",
                        "content": f"深圳市工业和信息化局发布第{i}号通知，支持{i * 7}家企业开展试点。{FILLER}。"},
                       ensure_ascii=False) for i in range(first, last)]


class Server:
    def __init__(self, tmp, name, args, env=None):
        self.port_file = os.path.join(tmp, name + ".port")
        self.err = open(os.path.join(tmp, name + ".err"), "w+")
        flag = "--http-port-file" if args[0] == "run" else "--port-file"
        self.proc = spawn([BIN, *args, flag, self.port_file], stdout=subprocess.DEVNULL,
                                     stderr=self.err, env={**os.environ, **(env or {})})
        deadline = time.time() + 30
        while not (os.path.exists(self.port_file) and open(self.port_file).read().strip()):
            if self.proc.poll() is not None or time.time() > deadline:
                self.err.seek(0)
                fail(f"{name} did not start listening: {self.err.read()}")
            time.sleep(0.05)
        self.port = int(open(self.port_file).read())

    def request(self, method, path, body=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body.encode() if isinstance(body, str) else body)
            r = c.getresponse()
            return r.status, r.read().decode(errors="replace"), r
        finally:
            c.close()

    def metric(self, name):
        status, body, _ = self.request("GET", "/metrics")
        for line in body.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def open_stream(port, query, rcvbuf=None, read_head=True):
    """A raw stream connection: (socket, status, bytes read after the head)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: the window stays small
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET /api/alerts/stream{query} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n".encode())
    if not read_head:
        return s, None, b""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    line = head.split(b"\r\n")[0].split()
    status = int(line[1]) if len(line) > 1 else None
    return s, status, rest


def read_until_end(s, timeout):
    """Reads until the server ends the connection: True, or False when it is still open after `timeout`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            if not s.recv(1 << 20):
                return True
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
    return False


def alert_ids(data):
    return [l[4:] for l in data.decode(errors="replace").split("\n") if l.startswith("id: ")]


def first_alert_ids(s, data, timeout):
    """Reads the stream until it carries an alert (or ends, or `timeout` s pass): the alert ids in it."""
    got, deadline = alert_ids(data), time.time() + timeout
    while time.time() < deadline and not got:
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
        got = alert_ids(data)
    return got


def main():
    with tempfile.TemporaryDirectory() as tmp:
        db, inp, subs = (os.path.join(tmp, n) for n in ("db", "in.jsonl", "subs.yaml"))
        with open(subs, "w") as f:
            f.write(SUBS)
        with open(inp, "w", encoding="utf-8") as f:
            f.write("\n".join(items(0, 10000)) + "\n")
        run = Server(tmp, "run", ["run", "-q", "--format", "cls", "--source", "follow:" + inp, "--db", db,
                                  "--rules", f"{SRC}/rules/sets", "--seeds", f"{SRC}/seeds", "--subscriptions", subs,
                                  "--http", "127.0.0.1:0", "--linger-ms", "5"],
                     env={"NEWSFLOW_TEST_SSE_WRITE_TIMEOUT_MS": "2000"})
        try:
            deadline = time.time() + 60
            while run.metric("newsflow_items_read_total") != 10000:
                if time.time() > deadline:
                    fail("the run did not read the 10,000 items within 60 s")
                time.sleep(0.2)
            logged = json.loads(run.request("GET", "/api/alerts?limit=1000")[1])["alerts"]
            if len(logged) < 1000:
                fail(f"only {len(logged)} alerts: too few to fill a socket's buffers")

            # ---- HEAD: the stream's head, no body
            status, body, r = run.request("HEAD", "/api/alerts/stream")
            expect(status == 200 and "text/event-stream" in (r.getheader("Content-Type") or "") and body == "",
                   f"HEAD on the stream: {status} {r.getheader('Content-Type')} {body[:100]!r}")

            # ---- an unknown subscription is refused, a known one is streamed
            s, status, _ = open_stream(run.port, "?subscription=no-such-subscription")
            s.close()
            expect(status == 400, f"a stream of an unknown subscription: {status}")
            # The 400 names the closest few of the 41 subscriptions, not every one.
            status, body, _ = run.request("GET", "/api/alerts?subscription=desk-4x")
            named = [n for n in KNOWN_NAMES if f"{n}," in body or f"{n}\"" in body or f"{n}}}" in body
                     or f"{n})" in body]
            expect(status == 400 and 1 <= len(named) <= 5 and "desk-4" in named,
                   f"a misspelt subscription: {status}, {len(named)} names in {body[:300]!r}")
            s, status, _ = open_stream(run.port, "?subscription=sz")
            s.close()
            expect(status == 200, f"a stream of a known subscription: {status}")

            # ---- not_subscription: every subscription's alerts but those named (a desk that
            # unticked one of thousands sent every other name and got 431)
            status, body, _ = run.request("GET", "/api/alerts?limit=50&" + "&".join(
                f"not_subscription=desk-{k}" for k in range(40)))
            got = json.loads(body).get("alerts", []) if status == 200 else []
            expect(status == 200 and len(got) == 50 and all(a["subscription"] == "sz" for a in got),
                   f"alerts of every subscription but desk-*: {status} {len(got)}")
            status, body, _ = run.request("GET", "/api/alerts?not_subscription=sz")
            expect(status == 200 and json.loads(body)["alerts"] == [],
                   f"alerts of every subscription but sz (only sz alerts): {status} {body[:200]!r}")
            status, body, _ = run.request("GET", "/api/alerts?not_subscription=sz&subscription=desk-1")
            expect(status == 400, f"subscription and not_subscription together: {status}")
            s, status, data = open_stream(run.port, "?after_seq=0&not_subscription=desk-3&not_subscription=nope")
            ids = first_alert_ids(s, data, 10) if status == 200 else []
            s.close()
            expect(status == 200 and ids and all(i.startswith("sz/") for i in ids),
                   f"a stream of every subscription but desk-3: {status} {ids[:3]}")
            s, status, data = open_stream(run.port, "?after_seq=0&not_subscription=sz")
            ids = first_alert_ids(s, data, 3) if status == 200 else ["?"]
            s.close()
            expect(status == 200 and ids == [], f"a stream of every subscription but sz: {status} {ids[:3]}")

            # ---- a client that never reads is dropped once a write waited past the deadline
            slow, status, _ = open_stream(run.port, "?after_seq=0", rcvbuf=4096, read_head=False)
            time.sleep(6)  # the replay fills the buffers; the write waits; 2 s later the client goes
            dropped = run.metric("newsflow_sse_streams_dropped_total")
            expect(dropped is not None and dropped >= 1, f"the stream of a client that does not read was not dropped (metric: {dropped})")
            expect(read_until_end(slow, 15), "the connection of a client that does not read is still open")
            slow.close()

            # ---- a slow client that keeps reading (a 4 KB window every 20 ms, catching up from the start) is not dropped
            before = run.metric("newsflow_sse_streams_dropped_total") or 0
            paced, status, _ = open_stream(run.port, "?after_seq=0", rcvbuf=4096, read_head=False)
            received, closed, t_end = 0, False, time.time() + 6
            while time.time() < t_end:
                paced.settimeout(1)
                try:
                    chunk = paced.recv(16384)
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    closed = True
                    break
                if not chunk:
                    closed = True
                    break
                received += len(chunk)
                time.sleep(0.02)
            paced.close()
            after = run.metric("newsflow_sse_streams_dropped_total") or 0
            expect(not closed and after == before and received > 300_000,
                   f"a slow reader: dropped {after - before}, closed {closed}, {received} bytes in 6 s")

            # ---- a half-closed client still gets the alerts raised afterwards
            half, status, rest = open_stream(run.port, "?subscription=sz")
            expect(status == 200, f"the stream for the half-close: {status}")
            half.shutdown(socket.SHUT_WR)
            time.sleep(1.5)  # past the server's probe after the end of stream
            with open(inp, "a", encoding="utf-8") as f:
                f.write("\n".join(items(20000, 20005, t0=1_800_000_000)) + "\n")
            got = first_alert_ids(half, rest, 15)
            half.close()
            expect(len(got) >= 1, "a half-closed client got no alert raised after its shutdown(SHUT_WR)")

            # ---- after_seq past the newest alert (a store rebuilt or restored
            # since the client saw it): the stream carries the alerts raised
            # from now on, instead of waiting silently for that seq
            ahead, status, rest = open_stream(run.port, "?after_seq=999999999&subscription=sz")
            expect(status == 200, f"a stream after a seq past the newest alert: {status}")
            time.sleep(0.5)
            with open(inp, "a", encoding="utf-8") as f:
                f.write("\n".join(items(20010, 20015, t0=1_800_100_000)) + "\n")
            got = first_alert_ids(ahead, rest, 15)
            ahead.close()
            expect(len(got) >= 1, "a stream asked for alerts after a seq past the newest got none of the new ones")

            # ---- at most 256 streams; a freed slot is taken again
            deadline = time.time() + 10
            while run.metric("newsflow_sse_streams") not in (0, None) and time.time() < deadline:
                time.sleep(0.2)
            open_now = run.metric("newsflow_sse_streams")
            expect(open_now in (0, None), f"streams open after their clients closed: {open_now}")
            streams = []
            for _ in range(256):
                s, status, _ = open_stream(run.port, "?subscription=sz")
                if status != 200:
                    s.close()
                    expect(False, f"stream {len(streams) + 1} of 256 answered {status}")
                    break
                streams.append(s)
            extra = socket.create_connection(("127.0.0.1", run.port), timeout=10)
            extra.sendall(b"GET /api/alerts/stream HTTP/1.1\r\nHost: localhost\r\n\r\n")
            r = http.client.HTTPResponse(extra)
            r.begin()
            expect(r.status == 503 and r.getheader("Retry-After"), f"the 257th stream: {r.status}")
            extra.close()
            streams.pop().close()
            deadline = time.time() + 10
            status = None
            while time.time() < deadline:
                s, status, _ = open_stream(run.port, "?subscription=sz")
                s.close()
                if status == 200:
                    break
                time.sleep(0.2)
            expect(status == 200, f"a stream after one of 256 closed: {status}")
            for s in streams:
                s.close()
        finally:
            run.stop()

        # ---- PUT while the subscriptions file on disk is broken: 409, not the client's 400
        broken = os.path.join(tmp, "broken.yaml")
        with open(broken, "w") as f:
            f.write("subscriptions:\n  - name: sz\n    any: [region:shenzhen\n")
        srv = Server(tmp, "serve", ["serve", "--db", db, "--listen", "127.0.0.1:0", "--rules", f"{SRC}/rules/sets",
                                    "--subscriptions", broken])
        try:
            good = '{"any": ["region:shenzhen"]}'
            status, body, _ = srv.request("PUT", "/api/subscriptions/sz2", good)
            expect(status == 409, f"PUT with the file on disk broken: {status} {body[:200]}")
            for path in ("/api/subscriptions", "/api/subscriptions/sz"):  # the reads say so too (they said 500)
                status, body, _ = srv.request("GET", path)
                expect(status == 409, f"GET {path} with the file on disk broken: {status} {body[:200]}")
            with open(broken, "w") as f:
                f.write(SUBS)
            status, body, _ = srv.request("PUT", "/api/subscriptions/sz2", good)
            expect(status == 201, f"PUT once the file is repaired: {status} {body[:200]}")
        finally:
            srv.stop()

        # ---- serve without a subscriptions file cannot know the writer's subscriptions: any name streams
        srv = Server(tmp, "serve-nofile", ["serve", "--db", db, "--listen", "127.0.0.1:0", "--rules", f"{SRC}/rules/sets"])
        try:
            s, status, _ = open_stream(srv.port, "?subscription=not-in-the-recent-log")
            s.close()
            expect(status == 200, f"a stream on serve without a subscriptions file: {status}")
        finally:
            srv.stop()
    if FAILURES:
        fail(f"{len(FAILURES)} check(s) failed: " + "; ".join(FAILURES))
    print("http stream limits: ok")


if __name__ == "__main__":
    main()
