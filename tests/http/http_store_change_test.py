#!/usr/bin/env python3
"""`serve` against changes of the store under it, and collapsed pages against
`query --collapse`, on items made for the purpose (a story reported by three
items, two of them in the same second; numbered policy items for alerts).

Usage: http_store_change_test.py NEWSFLOW_BIN SOURCE_DIR

  - collapse=1 shows each story by the same document as `query --collapse`
    (its earliest match, in the order of the story's members), with the
    same other members;
  - a long request head (the desk's URL with hundreds of subscription
    names) is served; one past the limit gets 431, a malformed one 400;
  - an alert stream open on `serve` while the store is moved away and
    restored from an older backup, then written to by a new run, delivers
    every alert the new run raises (the restored log's seqs restart below
    the stream's position): compared with `alerts --json`.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BIN, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nf_check import check, cli, fail, spawn  # noqa: E402
SUBS = """subscriptions:
  - name: sz
    any: [region:shenzhen]
"""




def item(i, t, title, body):
    return json.dumps({"id": i, "ctime": t, "title": title, "content": body}, ensure_ascii=False)


def numbered(first, last, t0):
    """Items of distinct events (distinct numbers), each naming Shenzhen."""
    return [item(900000 + i, t0 + 600 * i, f"深圳市发布第{i}号产业通知",
                 f"深圳市工业和信息化局发布第{i}号通知，支持{i * 7}家企业开展低空经济试点，资金{i * 13}亿元。")
            for i in range(first, last + 1)]


def write(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def run(tmp, db, lines, name):
    inp = os.path.join(tmp, name + ".jsonl")
    write(inp, lines)
    cli("run", "-q", "--format", "cls", "--source", inp, "--db", db, "--rules", f"{SRC}/rules/sets",
        "--subscriptions", os.path.join(tmp, "subs.yaml"), "--alerts", "file:" + os.path.join(tmp, name + ".alerts"))


class Serve:
    def __init__(self, tmp, db):
        self.port_file = os.path.join(tmp, os.path.basename(db) + ".port")
        self.err = open(os.path.join(tmp, os.path.basename(db) + ".serve.err"), "w+")
        self.proc = spawn([BIN, "serve", "--db", db, "--listen", "127.0.0.1:0", "--rules",
                                      f"{SRC}/rules/sets", "--port-file", self.port_file],
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 20
        while not (os.path.exists(self.port_file) and open(self.port_file).read().strip()):
            if self.proc.poll() is not None or time.time() > deadline:
                self.err.seek(0)
                fail("serve did not start: " + self.err.read())
            time.sleep(0.05)
        self.port = int(open(self.port_file).read())

    def json(self, path):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read().decode()
        check(r.status == 200, f"GET {path}: {r.status} {body[:200]}")
        return json.loads(body)

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(timeout=30)
        self.err.seek(0)
        err = self.err.read()
        check(rc == 0, f"serve exited {rc} on SIGTERM: {err[-1500:]}")
        return err


def sse_ids(port, seconds):
    """The ids of the alerts a stream opened now delivers within `seconds`."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    sock.sendall(b"GET /api/alerts/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
    return sock


def read_ids(sock, seconds):
    buf, ids, deadline = b"", [], time.time() + seconds
    while time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        buf += chunk
    for block in buf.split(b"\n\n"):
        fields = dict(l.split(": ", 1) for l in block.decode(errors="replace").split("\n") if ": " in l)
        if fields.get("event") == "alert":
            ids.append(fields["id"])
    return ids


def collapse(tmp):
    db = os.path.join(tmp, "collapse")
    with open(os.path.join(tmp, "subs.yaml"), "w") as f:
        f.write(SUBS)
    text = ("深圳市人民政府办公厅印发《深圳市加快推进低空经济高质量发展实施方案》，提出到2026年低空经济产业规模"
            "突破1200亿元，建设1000个以上无人机起降点。")
    t0 = 1780000000
    story = [item(100, t0, "深圳低空经济实施方案印发", text), item(101, t0, "深圳低空经济实施方案印发", text),
             item(102, t0 + 60, "深圳低空经济实施方案印发", text)]
    run(tmp, db, story + numbered(1, 3, t0 + 7200), "collapse")
    docs = [json.loads(l) for l in cli("query", "--db", db, "--json", "--limit", "0").splitlines()]
    by_key = {d["key"]: d for d in docs}
    check(len({by_key[k]["story"] for k in ("cls:100", "cls:101", "cls:102")}) == 1,
          "the three reports of one announcement are not one story: " +
          str([(k, by_key[k]["story"]) for k in ("cls:100", "cls:101", "cls:102")]))
    srv = Serve(tmp, db)
    try:
        for query in ("", "&tag=region:shenzhen", "&until=2026-05-29"):
            api = [(d["story"], d["key"], sorted(d["also"])) for d in
                   srv.json("/api/query?collapse=1&limit=100" + query)["items"]]
            args = ["query", "--db", db, "--json", "--limit", "0", "--collapse"]
            if "tag" in query:
                args += ["--tag", "region:shenzhen"]
            if "until" in query:
                args += ["--until", "2026-05-29"]
            want = [(d["story"], d["key"], sorted(d["also"])) for d in map(json.loads, cli(*args).splitlines())]
            check(api == want, f"collapse=1{query}: {api} vs query --collapse {want}")
            shown = [k for _, k, _ in api if k in ("cls:100", "cls:101", "cls:102")]
            check(len(shown) == 1 and shown[0] != "cls:102", f"the story is shown by {shown}, not an earliest document")
        heads(srv.port)
    finally:
        srv.stop()


def raw(port, request):
    """The status line and body of one raw request ('' if the connection closed without an answer)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(request)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(errors="replace"), body.decode(errors="replace")


def heads(port):
    """A long URL (the desk's one parameter per chosen subscription) is served; a head past the limit and
    a malformed request get a status and a JSON reason, not a closed connection."""
    names = "&".join(f"subscription=desk-team-subscription-number-{i:03d}" for i in range(400))  # ~19 KB
    status, body = raw(port, f"GET /api/alerts?limit=5&{names} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
    check(" 200 " in status + " ", f"a 19 KB URL: {status!r}")
    json.loads(body)
    status, body = raw(port, b"GET /health HTTP/1.1\r\nHost: localhost\r\nCookie: a=" + b"x" * 100000 + b"\r\n\r\n")
    check(" 431 " in status + " ", f"a 100 KB header: {status!r}")
    check("error" in json.loads(body), f"431 without a reason: {body!r}")
    status, _ = raw(port, b"DELETE /nosuch HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    check(" 404 " in status + " ", f"DELETE on no resource: {status!r}")
    status, _ = raw(port, b"DELETE /api/query HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    check(" 405 " in status + " ", f"DELETE on a resource that takes GET: {status!r}")
    status, body = raw(port, b"GARBAGE\r\n\r\n")
    check(" 400 " in status + " ", f"a malformed request: {status!r}")
    check("error" in json.loads(body), f"400 without a reason: {body!r}")


def restore_under_serve(tmp):
    db, backups = os.path.join(tmp, "db"), os.path.join(tmp, "backups")
    t0 = 1780000000
    run(tmp, db, numbered(1, 20, t0), "first")
    cli("backup", "--db", db, "--to", backups)
    backed_up = [a["id"] for a in map(json.loads, cli("alerts", "--db", db, "--json").splitlines())]
    run(tmp, db, numbered(21, 40, t0), "second")  # alerts the backup does not have
    srv = Serve(tmp, db)
    try:
        sock = sse_ids(srv.port, 0)
        time.sleep(1.0)  # the stream is open, at the newest alert
        shutil.move(db, db + ".old")
        cli("restore", "--from", backups, "--db", db)
        run(tmp, db, numbered(41, 60, t0), "third")  # new alerts, their seqs below the stream's position
        got = read_ids(sock, 6.0)
        sock.close()
        log = [a["id"] for a in map(json.loads, cli("alerts", "--db", db, "--json").splitlines())]
        new = log[len(backed_up):]
        check(len(new) >= 10, f"the third run raised {len(new)} alerts")
        check(got == new, f"the open stream delivered {len(got)} alerts, the new run raised {len(new)}: "
                          f"missing {[i for i in new if i not in got][:5]}, extra {[i for i in got if i not in new][:5]}")
    finally:
        err = srv.stop()
    check("Assertion" not in err and "assert" not in err.lower(), "serve: " + err[-500:])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        collapse(tmp)
        restore_under_serve(tmp)
    print("ok: collapse=1 shows what query --collapse shows; a stream open across a restore misses no new alert")


if __name__ == "__main__":
    main()
