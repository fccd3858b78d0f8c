#!/usr/bin/env python3
"""What the HTTP server refuses, for a desk server facing a floor's network
(`newsflow serve` over a store of the bundled fixtures), each with the
request a red-team pass sent:

  - an HTTP/1.1 request without Host, with two, or with one that is not
    name[:digits] (localhost:abc@evil) is 400; HTTP/1.0 without
    one is served;
  - off loopback (--listen 0.0.0.0:PORT), a Host that names another site is
    403 (DNS rebinding), an IP address or this machine's name is served, and
    --allow-host adds a name;
  - a PUT, POST or DELETE from a page of another origin (Origin, or
    Sec-Fetch-Site: cross-site) is 403 and changes nothing; the same from
    the server's own origin is served;
  - a transfer coding other than chunked is 501, chunked not alone 400; a
    GET with a body 400; Expect: 100-continue gets its 100 at once;
  - an absolute-form target is served (and its authority is the Host);
  - answers carry nosniff, no-framing and a CSP;
  - a subscription's repeated tags are kept once (300 YAML aliases of one
    tag in a PUT are one tag in the file); a list of more than 10,000
    different tags is 400;
  - behind a reverse proxy (Host: the upstream's address, Origin: the
    public name given with --allow-host) a desk's change is served; a
    browser's Sec-Fetch-Site other than same-origin is believed over Origin;
  - at most --max-connections are open: one more is closed at once, and the
    server answers again once they close; off loopback one address holds a
    quarter of them and --max-streams-per-client streams;
  - a server stopped with alert streams open exits 0 (under ASan: no
    use-after-free of the per-client counts).

Usage: http_hardening_test.py NEWSFLOW_BIN SOURCE_DIR
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nf_check import check, fail, spawn  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]


def start(tmp, name, listen, extra=()):
    port_file = os.path.join(tmp, name + ".port")
    err = open(os.path.join(tmp, name + ".err"), "w+")
    proc = spawn([BIN, "serve", "--db", os.path.join(tmp, "db"), "--listen", listen, "--port-file", port_file,
                  "--rules", f"{SRC}/rules/sets", "--subscriptions", os.path.join(tmp, "subs.yaml"), *extra],
                 stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 30
    while not (os.path.exists(port_file) and open(port_file).read().strip()):
        if proc.poll() is not None or time.time() > deadline:
            err.seek(0)
            fail(f"{name}: serve did not start listening: {err.read()}")
        time.sleep(0.05)
    return proc, int(open(port_file).read())


def exchange(port, raw, body_after_continue=None):
    """Sends raw request bytes (with `body_after_continue`: then waits up to
    0.5 s for a 100 Continue, skips it, and sends that body); returns
    (status, headers dict lower-cased, body) of the final answer."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(raw)
    except (ConnectionResetError, BrokenPipeError):  # closed at once by a full server
        return None, {}, ""
    buf = b""
    if body_after_continue is not None:
        s.settimeout(0.5)  # the 100 comes at once, or the client would wait out its own timeout
        try:
            while b"\r\n\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        except socket.timeout:
            pass
        s.settimeout(10)
        if buf.startswith(b"HTTP/1.1 100"):
            buf = buf.partition(b"\r\n\r\n")[2]
        s.sendall(body_after_continue)
    while True:
        head_end = buf.find(b"\r\n\r\n")
        if head_end >= 0:
            head = buf[:head_end].decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
            length = int(headers.get("content-length", "0"))
            if len(buf) >= head_end + 4 + length:
                s.close()
                return int(head[0].split()[1]), headers, buf[head_end + 4:head_end + 4 + length].decode()
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            chunk = b""
        if not chunk:
            s.close()
            return None, {}, ""
        buf += chunk


def request(port, method, path, headers=(), body=b"", version="1.1", host="localhost"):
    lines = [f"{method} {path} HTTP/{version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += list(headers)
    if body:
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return exchange(port, ("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def subscriptions(tmp):
    with open(os.path.join(tmp, "subs.yaml"), encoding="utf-8") as f:
        return f.read()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        fixtures = os.path.join(tmp, "in.jsonl")
        with open(fixtures, "w") as out:
            for feed in ("cls", "eastmoney", "ths"):
                out.write(open(f"{SRC}/tests/fixtures/{feed}-sample.jsonl").read())
        with open(os.path.join(tmp, "subs.yaml"), "w") as f:
            f.write("subscriptions:\n  - name: ai-desk\n    any: [cluster:ai]\n")
        r = subprocess.run([BIN, "run", "-q", "--source", fixtures, "--db", os.path.join(tmp, "db"), "--rules",
                            f"{SRC}/rules/sets"], capture_output=True)
        check(r.returncode == 0, f"run: {r.stderr.decode()}")

        proc, port = start(tmp, "loopback", "127.0.0.1:0")
        # ---- Host
        check(request(port, "GET", "/health", host=None)[0] == 400, "HTTP/1.1 without Host")
        check(request(port, "GET", "/health", headers=["Host: evil.example"])[0] == 400, "two Host headers")
        check(request(port, "GET", "/health", host=None, version="1.0")[0] == 200, "HTTP/1.0 without Host")
        check(request(port, "GET", "/health", host="")[0] == 400, "an empty Host")
        # A Host that is not name[:digits] is malformed, not the name before its ':'.
        for bad in ("localhost:abc@evil.example", "localhost@evil.example", "127.0.0.1:80x", "[::1", "local host",
                    "localhost:123456"):
            check(request(port, "GET", "/api/subscriptions", host=bad)[0] == 400, f"a malformed Host {bad!r}")
        for good in (f"localhost:{port}", f"[::1]:{port}", "LOCALHOST.", "127.0.0.1"):
            check(request(port, "GET", "/api/subscriptions", host=good)[0] == 200, f"a well-formed Host {good!r}")
        check(request(port, "GET", "http:///api/subscriptions")[0] == 400, "an absolute-form target without a host")
        status, headers, body = request(port, "GET", f"http://localhost:{port}")
        check(status == 200 and "<html" in body.lower(), f"an absolute-form target without a path: {status}")
        # ---- absolute form: served, and its authority is what the Host check sees
        status, _, body = request(port, "GET", f"http://localhost:{port}/api/subscriptions")
        check(status == 200 and "ai-desk" in body, f"an absolute-form target: {status} {body[:200]}")
        check(request(port, "GET", "http://attacker.example/api/subscriptions")[0] == 403,
              "an absolute-form target naming another site")
        # ---- cross-origin changes
        before = subscriptions(tmp)
        put = b'{"any": ["cluster:ai"]}'
        for hdrs in (["Origin: http://evil.example"], ["Origin: null"], [f"Origin: http://localhost:{port + 1}"],
                     ["Sec-Fetch-Site: cross-site"], ["Sec-Fetch-Site: same-site"],
                     [f"Origin: http://localhost:{port}", "Sec-Fetch-Site: cross-site"]):
            status = request(port, "PUT", "/api/subscriptions/csrf", headers=hdrs, body=put)[0]
            check(status == 403, f"PUT with {hdrs}: {status}")
            status = request(port, "DELETE", "/api/subscriptions/ai-desk", headers=hdrs)[0]
            check(status == 403, f"DELETE with {hdrs}: {status}")
            status = request(port, "POST", "/api/rules/reload", headers=hdrs + ["Content-Type: text/plain"],
                             body=b"x")[0]
            check(status == 403, f"POST reload with {hdrs}: {status}")
        check(subscriptions(tmp) == before, "a refused cross-origin change changed the file")
        status, _, body = request(port, "PUT", "/api/subscriptions/same-origin", host=f"localhost:{port}",
                                  headers=[f"Origin: http://localhost:{port}", "Sec-Fetch-Site: same-origin"], body=put)
        check(status == 201, f"a same-origin PUT: {status} {body[:200]}")
        # ---- transfer codings, bodies, Expect
        for te, want in (("gzip", 501), ("chunked, gzip", 400), ("gzip, chunked", 400), ("identity", 501)):
            status = exchange(port, (f"POST /api/rules/reload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: {te}"
                                     "\r\n\r\n0\r\n\r\n").encode())[0]
            check(status == want, f"Transfer-Encoding: {te}: {status}, expected {want}")
        status, _, body = exchange(port, b"PUT /api/subscriptions/chunked HTTP/1.1\r\nHost: localhost\r\n"
                                         b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                   + b"%x\r\n" % len(put) + put + b"\r\n0\r\n\r\n")
        check(status == 201, f"a chunked PUT: {status} {body[:200]}")
        status, _, body = request(port, "GET", "/api/query?limit=1", body=b"x" * 100)
        check(status == 400 and "GET" in json.loads(body)["error"], f"a GET with a body: {status} {body[:200]}")
        status, _, body = request(port, "GET", "/health", body=b"x" * (2 << 20))
        check(status == 413, f"a GET with a 2 MiB body: {status}")
        head = (f"PUT /api/subscriptions/expect HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                f"Content-Length: {len(put)}\r\nConnection: close\r\n\r\n").encode()
        status, _, body = exchange(port, head, body_after_continue=put)
        check(status == 201, f"a PUT with Expect: 100-continue: {status} {body[:200]}")
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(head)
        s.settimeout(2)
        check(s.recv(64).startswith(b"HTTP/1.1 100 Continue"), "no 100 Continue before the body")
        s.close()
        # ---- headers of every answer
        for path in ("/", "/api/query?limit=1", "/desk.js"):
            status, headers, _ = request(port, "GET", path)
            check(status == 200 and headers.get("x-content-type-options") == "nosniff" and
                  headers.get("x-frame-options") == "DENY" and
                  "frame-ancestors 'none'" in headers.get("content-security-policy", ""),
                  f"{path}: {status} {headers}")
        # ---- repeated tags kept once; a list too long refused
        aliases = "any: [&t cluster:ai" + ", *t" * 300 + "]\n"
        status, _, body = request(port, "PUT", "/api/subscriptions/aliases", body=aliases.encode(),
                                  headers=["Content-Type: application/yaml"])
        check(status == 201 and json.loads(body)["any"] == ["cluster:ai"], f"300 aliases of one tag: {status} {body[:300]}")
        check(subscriptions(tmp).count("cluster:ai") == 5,
              f"the file after the alias PUT:\n{subscriptions(tmp)[:2000]}")
        many = json.dumps({"any": [f"cluster:t{i}" for i in range(10001)]}).encode()
        status, _, body = request(port, "PUT", "/api/subscriptions/many", body=many)
        check(status == 400 and "10000" in json.loads(body)["error"], f"10,001 tags: {status} {body[:300]}")
        proc.terminate()
        proc.wait(timeout=10)

        # ---- behind a reverse proxy on this machine: Host is the upstream's
        # address, the browser's Origin the public name given with --allow-host
        proc, port = start(tmp, "proxied", "127.0.0.1:0", ["--allow-host", "desk.example.com"])
        upstream = f"127.0.0.1:{port}"
        status = request(port, "PUT", "/api/subscriptions/proxied", host=upstream, body=put,
                         headers=["Origin: https://desk.example.com"])[0]
        check(status == 201, f"a proxied desk's PUT (Origin: its public name): {status}")
        status = request(port, "PUT", "/api/subscriptions/proxied", host=upstream, body=put,
                         headers=["Origin: https://desk.example.com", "Sec-Fetch-Site: same-origin"])[0]
        check(status == 200, f"the same with Sec-Fetch-Site: same-origin: {status}")
        status = request(port, "DELETE", "/api/subscriptions/proxied", host=upstream,
                         headers=["Origin: https://other.example.com"])[0]
        check(status == 403, f"an Origin neither the Host nor allowed: {status}")
        # another service on the proxy's host is another origin (Chromium sends
        # no Sec-Fetch-Site over plain HTTP to such a name: Origin is all there is)
        for origin in ("http://desk.example.com:8450", "https://desk.example.com:8443"):
            status = request(port, "POST", "/api/rules/reload", host=upstream, body=b"x",
                             headers=[f"Origin: {origin}", "Content-Type: text/plain"])[0]
            check(status == 403, f"a reload from {origin} (allowed: desk.example.com on its scheme's port): {status}")
        check(request(port, "GET", "/api/subscriptions", host="desk.example.com")[0] == 200,
              "a loopback server answers a name given with --allow-host")
        check(request(port, "GET", "/api/subscriptions", host="attacker.example")[0] == 403,
              "a loopback server with --allow-host still refuses other names")
        # a server stopped with alert streams open (their counts go with the sessions)
        streams = []
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET /api/alerts/stream HTTP/1.1\r\nHost: localhost\r\n\r\n")
            check(s.recv(64).startswith(b"HTTP/1.1 200"), "a stream did not open")
            streams.append(s)
        proc.terminate()
        check(proc.wait(timeout=10) == 0, f"serve stopped with streams open exited {proc.returncode}")
        for s in streams:
            s.close()

        # ---- off loopback: names
        proc, port = start(tmp, "any", "0.0.0.0:0", ["--allow-host", "Desk.Example."])
        for host, want in ((f"attacker.example:{port}", 403), ("attacker.example", 403), (f"10.9.8.7:{port}", 200),
                           (f"[fd00::1]:{port}", 200), (socket.gethostname(), 200), (f"desk.example:{port}", 200),
                           ("localhost", 200)):
            status = request(port, "GET", "/api/subscriptions", host=host)[0]
            check(status == want, f"off loopback, Host {host}: {status}, expected {want}")
        for probe in ("/health", "/ready", "/metrics"):  # a scraper's own name for the server
            check(request(port, "GET", probe, host="metrics.example")[0] == 200, f"{probe} under another name")
        proc.terminate()
        proc.wait(timeout=10)

        # ---- off loopback: what one address may hold
        proc, port = start(tmp, "shared", "0.0.0.0:0", ["--max-streams-per-client", "3", "--max-connections", "16"])

        def stream_from(src):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((src, 0))
            s.settimeout(10)
            s.connect(("127.0.0.1", port))
            s.sendall(b"GET /api/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return s, s.recv(64)

        held = []
        for i in range(3):
            s, head = stream_from("127.0.0.1")
            check(head.startswith(b"HTTP/1.1 200"), f"stream {i + 1} of 3 from one address: {head!r}")
            held.append(s)
        s, head = stream_from("127.0.0.1")
        check(head.startswith(b"HTTP/1.1 503"), f"a 4th stream from one address: {head!r}")
        s.close()
        s, head = stream_from("127.0.0.2")
        check(head.startswith(b"HTTP/1.1 200"), f"a stream from another address: {head!r}")
        held.append(s)
        # 16 connections, 4 from one address: the three streams hold three of 127.0.0.1's
        extra = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        extra.bind(("127.0.0.1", 0))
        extra.connect(("127.0.0.1", port))
        held.append(extra)
        time.sleep(0.3)
        status = request(port, "GET", "/health", host="127.0.0.1")[0]
        check(status is None, f"a 5th connection from one address (at most 16 / 4): {status}")
        fresh = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        fresh.bind(("127.0.0.3", 0))
        fresh.settimeout(10)
        fresh.connect(("127.0.0.1", port))
        fresh.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        check(fresh.recv(64).startswith(b"HTTP/1.1 200"), "another address is served while one is at its share")
        fresh.close()
        for s in held:
            s.close()
        proc.terminate()
        check(proc.wait(timeout=10) == 0, f"serve exited {proc.returncode}")

        # ---- run --http takes the same caps
        run_port_file = os.path.join(tmp, "run.port")
        run = spawn([BIN, "run", "-q", "--source", "-", "--format", "cls", "--db", os.path.join(tmp, "rundb"),
                     "--rules", f"{SRC}/rules/sets", "--http", "0.0.0.0:0", "--http-port-file", run_port_file,
                     "--http-max-streams-per-client", "2"],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while not (os.path.exists(run_port_file) and open(run_port_file).read().strip()):
            check(run.poll() is None and time.time() < deadline, "run --http did not start listening")
            time.sleep(0.05)
        port = int(open(run_port_file).read())
        deadline = time.time() + 30
        while request(port, "GET", "/ready", host="127.0.0.1")[0] != 200:
            check(time.time() < deadline, "run --http not ready")
            time.sleep(0.1)
        opened = []
        for i in range(3):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET /api/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            opened.append((s, s.recv(64)))
        heads = [h[:12] for _, h in opened]
        check(heads == [b"HTTP/1.1 200"] * 2 + [b"HTTP/1.1 503"], f"run --http-max-streams-per-client 2: {heads}")
        for s, _ in opened:
            s.close()
        run.stdin.close()
        check(run.wait(timeout=20) == 0, f"run --http exited {run.returncode}")

        # ---- connections
        proc, port = start(tmp, "capped", "127.0.0.1:0", ["--max-connections", "20"])
        held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(20)]
        time.sleep(0.5)  # accepted: the server counts them
        check(request(port, "GET", "/health")[0] is None, "a 21st connection was served")
        for s in held:
            s.close()
        deadline = time.time() + 10
        status = None
        while time.time() < deadline and status != 200:
            status = request(port, "GET", "/health")[0]
            time.sleep(0.1)
        check(status == 200, f"after the 20 closed: {status}")
        proc.terminate()
        proc.wait(timeout=10)
    print("OK")


if __name__ == "__main__":
    main()
