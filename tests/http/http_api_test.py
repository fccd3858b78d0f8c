#!/usr/bin/env python3
"""The HTTP API of `newsflow run --http` and `newsflow serve`, end to end on
the bundled fixtures (360 real items of the three feeds).

Usage: http_api_test.py NEWSFLOW_BIN SOURCE_DIR

Every expectation is derived from the store itself through the CLI (query
--json, show, stats --json, alerts --json) or from counts the test makes,
never copied from an earlier run:
  - /metrics parses with prometheus_client's text parser; the counters equal
    what was fed; every stage has a histogram.
  - SSE: a client reads some alerts, disconnects, more items are stored, and
    it reconnects with Last-Event-ID: it receives every alert raised
    meanwhile, once (compared with the full alert log).
  - Subscriptions: PUT validates (400 with a message for a bad one), the
    running pipeline picks the edit up and raises the new subscription's
    alerts; DELETE removes it.
  - /api/query pages (cursor) cover exactly the CLI's documents, in order;
    collapsed pages show each story once; /api/doc equals `show` plus the
    story's members and the rules' provenance; /api/tags equals `stats`.
  - serve: follows a writer in another process (new documents visible within
    a second or two), and replays the alert log from a Last-Event-ID after
    the writer has stopped.
"""
import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

BIN, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nf_check import check, cli, fail, spawn  # noqa: E402
FEEDS = ("cls", "eastmoney", "ths")
SUBS = """subscriptions:
  - name: ai-desk
    any: [cluster:ai]
  - name: chips
    any: [cluster:semiconductors, cluster:new-materials]
"""




def fixture_lines():
    lines = []
    for feed in FEEDS:
        with open(f"{SRC}/tests/fixtures/{feed}-sample.jsonl", encoding="utf-8") as f:
            lines.extend(l for l in f.read().splitlines() if l.strip())
    # Interleave the feeds so every part of the input has all three.
    n = len(lines) // 3
    return [lines[i + k * n] for i in range(n) for k in range(3)]


class Server:
    """A newsflow process serving HTTP on a free port."""

    def __init__(self, tmp, name, args):
        self.port_file = os.path.join(tmp, name + ".port")
        self.err = open(os.path.join(tmp, name + ".err"), "w+")
        self.proc = spawn([BIN, *args, "--" + ("http-port-file" if args[0] == "run" else "port-file"),
                                      self.port_file], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=self.err)
        deadline = time.time() + 20
        while not (os.path.exists(self.port_file) and open(self.port_file).read().strip()):
            if self.proc.poll() is not None or time.time() > deadline:
                self.err.seek(0)
                fail(f"{name} did not start listening: {self.err.read()}")
            time.sleep(0.05)
        self.port = int(open(self.port_file).read())

    def get(self, path, expect=200):
        status, body, _ = self.request("GET", path)
        if status != expect:
            fail(f"GET {path}: status {status}, expected {expect}: {body[:300]}")
        return body

    def json(self, path, expect=200):
        return json.loads(self.get(path, expect))

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=headers or {})
        r = c.getresponse()
        data = r.read().decode()
        c.close()
        return r.status, data, r

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        check(rc == 0, f"the process exited {rc} on SIGTERM")


class SseClient:
    """A raw Server-Sent Events reader: (id, data) per event."""

    def __init__(self, port, query="", last_event_id=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        headers = f"GET /api/alerts/stream{query} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
        if last_event_id:
            headers += f"Last-Event-ID: {last_event_id}\r\n"
        self.sock.sendall((headers + "\r\n").encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n", 10)
        check(head is not None and b" 200 " in head.split(b"\r\n")[0], f"stream did not open: {head!r}")
        check(b"text/event-stream" in head, "the stream is not text/event-stream")

    def _until(self, sep, timeout):
        deadline = time.time() + timeout
        while sep not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                return None
            self.buf += chunk
        part, self.buf = self.buf.split(sep, 1)
        return part

    def events(self, quiet=2.0, want=None):
        """Events until none came for `quiet` seconds (or `want` of them)."""
        out = []
        while want is None or len(out) < want:
            block = self._until(b"\n\n", quiet)
            if block is None:
                break
            ev = {}
            for line in block.decode().split("\n"):
                if line.startswith(":"):
                    continue
                k, _, v = line.partition(": ")
                ev[k] = v
            if ev.get("event") == "alert":
                out.append((ev["id"], json.loads(ev["data"])))
        return out

    def close(self):
        self.sock.close()


def wait_for(pred, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    fail("timed out waiting for " + what)


def metric_values(srv):
    text = srv.get("/metrics")
    vals, families = {}, {}
    for fam in text_string_to_metric_families(text):
        families[fam.name] = fam
        for s in fam.samples:
            vals[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return vals, families


def alert_log(db):
    return [json.loads(l) for l in cli("alerts", "--db", db, "--json").splitlines() if l.strip()]


def main():
    lines = fixture_lines()
    first, second, third = lines[:120], lines[120:240], lines[240:]
    with tempfile.TemporaryDirectory() as tmp:
        inp, db, subs = (os.path.join(tmp, n) for n in ("in.jsonl", "db", "subs.yaml"))
        with open(subs, "w") as f:
            f.write(SUBS)
        # A copy of the rules the test may break and repair (POST /api/rules/reload).
        rules = os.path.join(tmp, "rules", "sets")
        shutil.copytree(f"{SRC}/rules/sets", rules)
        shutil.copy(f"{SRC}/rules/lint-allow.yaml", os.path.join(tmp, "rules", "lint-allow.yaml"))
        with open(inp, "w") as f:
            f.write("\n".join(first) + "\n")
        run = Server(tmp, "run", ["run", "-q", "--source", "follow:" + inp, "--db", db, "--rules", rules,
                                  "--seeds", f"{SRC}/seeds", "--subscriptions", subs, "--http", "127.0.0.1:0",
                                  "--linger-ms", "5"])
        check(run.json("/health")["status"] == "ok", "/health")
        wait_for(lambda: run.request("GET", "/ready")[0] == 200, "/ready")

        # ---- metrics: parse, and the counters equal what was fed
        def read_total():
            return metric_values(run)[0].get(("newsflow_items_read_total", ()), 0)
        wait_for(lambda: read_total() == len(first), f"items_read_total == {len(first)}")
        vals, families = metric_values(run)
        for name in ("newsflow_items_read", "newsflow_items_stored", "newsflow_dead_letters",
                     "newsflow_alerts_published", "newsflow_alerts_pending", "newsflow_stage_seconds",
                     "newsflow_ruleset_info", "newsflow_kafka_consumer_lag"):
            check(name in families, f"/metrics lacks {name} (has {sorted(families)})")
        check(families["newsflow_stage_seconds"].type == "histogram", "stage_seconds is not a histogram")
        stages = {dict(s.labels)["stage"] for s in families["newsflow_stage_seconds"].samples}
        check({"decode", "tag", "store", "story", "alerts"} <= stages, f"stages in the histogram: {stages}")
        check(vals[("newsflow_items_stored_total", ())] + vals[("newsflow_dead_letters_total", ())] == len(first),
              "stored + dead letters != items fed")
        check(families["newsflow_store_documents"].type == "gauge", "store_documents is not a gauge")
        held = len(cli("query", "--db", db, "--json", "--limit", "0").splitlines())
        check(vals[("newsflow_store_documents", ())] == held, f"store_documents != the {held} documents query lists")
        version = [dict(s.labels)["version"] for s in families["newsflow_ruleset_info"].samples]
        check(len(version) == 1 and len(version[0]) > 0, f"ruleset_info: {version}")

        # ---- SSE: read part, disconnect, more items, reconnect with Last-Event-ID
        sse = SseClient(run.port, "?last_event_id=")  # from now: nothing yet
        with open(inp, "a") as f:
            f.write("\n".join(second) + "\n")
        got1 = sse.events(quiet=3.0)
        check(len(got1) >= 4, f"the stream delivered {len(got1)} alerts for the second part")
        kept = got1[: len(got1) // 2]  # the client "saw" only these before it went away
        sse.close()
        with open(inp, "a") as f:
            f.write("\n".join(third) + "\n")
        wait_for(lambda: read_total() == len(lines), "all items read")
        sse2 = SseClient(run.port, "", last_event_id=kept[-1][0])
        got2 = sse2.events(quiet=2.0)
        sse2.close()
        log = [(a["id"], a["seq"]) for a in json.loads(run.get("/api/alerts?limit=1000"))["alerts"]][::-1]
        after = [i for i, s in log if s > kept[-1][1]["seq"]]
        ids2 = [i for i, _ in got2]
        check(len(ids2) == len(set(ids2)), "the resumed stream repeated an alert")
        check(ids2 == after, f"resumed stream: {len(ids2)} alerts, the log has {len(after)} after the last seen one")
        check(not set(ids2) & {i for i, _ in kept}, "the resumed stream repeated alerts the client had seen")

        # A filtered stream: only that subscription's alerts.
        sse3 = SseClient(run.port, "?subscription=chips&after_seq=0")
        got3 = sse3.events(quiet=1.5)
        sse3.close()
        chips = [i for i, _ in log if i.startswith("chips/")]
        check([i for i, _ in got3] == chips and chips, f"subscription filter: {len(got3)} vs {len(chips)}")

        # ---- many idle stream clients tie up no threads: the process's thread count stays, /health answers
        def threads():
            with open(f"/proc/{run.proc.pid}/status") as f:
                return int(next(l for l in f if l.startswith("Threads:")).split()[1])
        before_threads = threads()
        idle = [SseClient(run.port, "?subscription=chips") for _ in range(200)]
        t0 = time.time()
        check(run.json("/health")["status"] == "ok", "/health with 200 idle streams")
        health_s = time.time() - t0
        check(health_s < 1.0, f"/health took {health_s:.2f} s with 200 idle streams")
        check(threads() == before_threads, f"threads {before_threads} -> {threads()} with 200 idle streams")
        for c in idle:
            c.close()

        # ---- the rules' tags (what the desk's subscription editor offers):
        # sorted, every tag a stored document carries, not the one PUT refuses
        rule_tags = run.json("/api/rules/tags")["tags"]
        check(rule_tags == sorted(set(rule_tags)) and "cluster:ai" in rule_tags and "cluster:no-such-tag" not in rule_tags,
              f"/api/rules/tags: {rule_tags[:5]}... ({len(rule_tags)})")
        stored_tags = {t for d in run.json("/api/query?limit=1000")["items"] for t in d["tags"]}
        check(stored_tags and stored_tags <= set(rule_tags), f"stored tags not in /api/rules/tags: {stored_tags - set(rule_tags)}")
        check(run.request("POST", "/api/rules/tags", "{}")[0] == 405, "POST /api/rules/tags")
        check(run.request("GET", "/api/rules/tags?tag=x")[0] == 400, "/api/rules/tags with a parameter")

        # ---- subscriptions: validation, live pickup, delete
        status, body, _ = run.request("PUT", "/api/subscriptions/bad", '{"any": ["cluster:no-such-tag"]}')
        check(status == 400 and "no-such-tag" in json.loads(body)["error"], f"bad PUT: {status} {body}")
        status, body, _ = run.request("PUT", "/api/subscriptions/bad", '{"min_score": 1}')
        check(status == 400, f"a subscription without tags was accepted: {status}")
        # a feed no document or decoder is called: kept (it may be a feed not seen
        # yet), with a warning naming it
        status, body, _ = run.request("PUT", "/api/subscriptions/typo", '{"any": ["cluster:ai"], "sources": ["eastmony"]}')
        check(status == 201 and any("eastmony" in w for w in json.loads(body).get("warnings", [])),
              f"a misspelt feed without a warning: {status} {body}")
        status, body, _ = run.request("PUT", "/api/subscriptions/typo", '{"any": ["cluster:ai"], "sources": ["ths"]}')
        check(status == 200 and "warnings" not in json.loads(body), f"a known feed with a warning: {status} {body}")
        check(run.request("DELETE", "/api/subscriptions/typo")[0] == 200, "DELETE typo")
        status, body, _ = run.request("PUT", "/api/subscriptions/energy",
                                      '{"any": ["cluster:energy-storage", "cluster:new-energy"], "min_score": 0}')
        check(status == 201, f"PUT energy: {status} {body}")
        names = [s["name"] for s in run.json("/api/subscriptions")["subscriptions"]]
        check(names == ["ai-desk", "chips", "energy"], f"subscriptions after PUT: {names}")
        check(run.json("/api/subscriptions/energy")["any"] == ["cluster:energy-storage", "cluster:new-energy"],
              "GET one subscription")
        status, _, _ = run.request("POST", "/api/subscriptions/energy", "{}")
        check(status == 405, f"POST answered {status}")
        # Optimistic edits: a PUT or DELETE carrying the version it read
        # (If-Match: the ETag, also "etag" in the lists) is refused with 412
        # once someone else saved; a create with If-None-Match: * when the
        # name exists, likewise. Without them an edit applies as before.
        status, body, resp = run.request("GET", "/api/subscriptions/energy")
        v1 = resp.getheader("ETag")
        check(status == 200 and v1 == f'"{json.loads(body)["etag"]}"', f"GET one: ETag {v1} vs {body}")
        listed = {x["name"]: x["etag"] for x in run.json("/api/subscriptions")["subscriptions"]}
        check(f'"{listed["energy"]}"' == v1, "the list's etag is not the ETag")
        status, body, resp = run.request("PUT", "/api/subscriptions/energy",
                                         '{"any": ["cluster:energy-storage", "cluster:new-energy"], "min_score": 0.5}',
                                         headers={"If-Match": v1})
        v2 = resp.getheader("ETag")
        check(status == 200 and v2 and v2 != v1, f"PUT with the current version: {status} {v2} {body}")
        for method, payload in (("PUT", '{"any": ["cluster:ai"]}'), ("DELETE", None)):
            status, body, _ = run.request(method, "/api/subscriptions/energy", payload, headers={"If-Match": v1})
            check(status == 412 and "changed" in json.loads(body)["error"], f"{method} with a stale version: {status} {body}")
        check(run.json("/api/subscriptions/energy")["min_score"] == 0.5, "a refused edit was written")
        status, body, _ = run.request("PUT", "/api/subscriptions/energy", '{"any": ["cluster:ai"]}',
                                      headers={"If-None-Match": "*"})
        check(status == 412, f"a create over an existing name: {status} {body}")
        status, _, _ = run.request("PUT", "/api/subscriptions/energy",
                                   '{"any": ["cluster:energy-storage", "cluster:new-energy"], "min_score": 0}',
                                   headers={"If-Match": "W/" + v2})
        check(status == 200, f"PUT with the weak form of the current version: {status}")
        time.sleep(1.2)  # the writer checks the file at most once a second, between batches
        # Re-publish the fixtures under new keys and 100 days later, so the new
        # subscription has new stories to alert on. (At their old times they
        # would be new stories only because late pairing is off for a
        # follow: source; with --late-stories they would join the stored
        # stories, whose members already match it.)
        fresh = []
        for l in lines:
            o = json.loads(l)
            for k in ("id", "code"):  # the key fields (cls, ths: id; eastmoney: code)
                if k in o:
                    o[k] = str(o[k]) + "9" if isinstance(o[k], str) else o[k] * 10 + 9
            later = 100 * 86400
            if "showTime" in o:  # eastmoney: Beijing time text
                t = datetime.datetime.strptime(o["showTime"], "%Y-%m-%d %H:%M:%S") + datetime.timedelta(seconds=later)
                o["showTime"] = t.strftime("%Y-%m-%d %H:%M:%S")
            elif "ctime" in o:  # cls: a number; ths: a string
                o["ctime"] = str(int(o["ctime"]) + later) if isinstance(o["ctime"], str) else o["ctime"] + later
            fresh.append(json.dumps(o, ensure_ascii=False))
        with open(inp, "a") as f:
            f.write("\n".join(fresh[:30]) + "\n")
        time.sleep(1.2)
        with open(inp, "a") as f:
            f.write("\n".join(fresh[30:]) + "\n")
        wait_for(lambda: read_total() == 2 * len(lines), "the re-published items read")
        energy = run.json("/api/alerts?subscription=energy&limit=1000")["alerts"]
        check(len(energy) > 0, "the new subscription raised no alerts")
        check(all(a["subscription"] == "energy" for a in energy), "subscription filter of /api/alerts")
        all_ids = [x["id"] for x in run.json("/api/alerts?limit=1000")["alerts"]]
        check(len(all_ids) == len(set(all_ids)), "an alert id is in the log twice (a resume by id would be ambiguous)")
        check(run.request("DELETE", "/api/subscriptions/energy")[0] == 200, "DELETE")
        check(run.request("DELETE", "/api/subscriptions/energy")[0] == 404, "DELETE twice")

        # ---- rules reload over HTTP: a broken set is rejected with its reason, a good change is swapped in
        def info_version():
            fams = metric_values(run)[1]
            return [dict(x.labels)["version"] for x in fams["newsflow_ruleset_info"].samples]
        before = info_version()
        with open(os.path.join(rules, "zz-broken.yaml"), "w") as f:
            f.write("rules:\n  - tag: cluster:ai\n    any: [\n")
        status, body, _ = run.request("POST", "/api/rules/reload")
        check(status == 422 and "zz-broken.yaml" in json.loads(body)["error"], f"broken rules: {status} {body}")
        check(json.loads(body)["version"] == before[0] and info_version() == before, "a rejected set changed the version")
        os.remove(os.path.join(rules, "zz-broken.yaml"))
        with open(os.path.join(rules, "projects.yaml"), encoding="utf-8") as f:  # a valid, different set
            text = f.read()
        check("weight:" in text or "min_score:" in text or "name:" in text, "projects.yaml has no field to change")
        with open(os.path.join(rules, "projects.yaml"), "w", encoding="utf-8") as f:
            f.write(text.replace("name: ", "name: reloaded ", 1))
        status, body, _ = run.request("POST", "/api/rules/reload")
        check(status == 200, f"reload of a good set: {status} {body}")
        reloaded = json.loads(body)
        check(reloaded["previous"] == before[0] and reloaded["version"] != before[0], f"reload versions: {reloaded}")
        check(info_version() == [reloaded["version"]], "/metrics ruleset_info after the reload")
        vals = metric_values(run)[0]
        check(vals[("newsflow_rules_reloads_total", (("result", "ok"),))] == 1 and
              vals[("newsflow_rules_reloads_total", (("result", "rejected"),))] == 1, "reload counters")
        check(run.request("GET", "/api/rules/reload")[0] == 405, "GET on the reload endpoint")

        # ---- a watch list added and reloaded: the query API knows its tags before any document
        #      carries them, and a new document's provenance names the list's file, line and names
        check(run.request("GET", "/api/query?tag=watch:nvidia")[0] == 400, "watch:nvidia known before its list")
        with open(os.path.join(rules, "desk.tsv"), "w", encoding="utf-8") as f:
            f.write("# the desk's companies\nwatch:nvidia\t英伟达\tNVIDIA\n")
        # A subscription to the list's tag before the run loads it: kept, with a
        # warning that it waits for a reload (the run holds it until then).
        status, body, _ = run.request("PUT", "/api/subscriptions/nvda", '{"any": ["watch:nvidia"]}')
        warned = json.loads(body).get("warnings", []) if status == 201 else []
        check(status == 201 and any("watch:nvidia" in w and "reload" in w for w in warned),
              f"a subscription to a tag the run has not loaded, without a warning: {status} {body}")
        status, body, _ = run.request("POST", "/api/rules/reload")
        check(status == 200, f"reload with a watch list: {status} {body}")
        check(run.request("GET", "/api/query?tag=watch:nvidia")[0] == 200, "watch:nvidia unknown after the reload")
        status, body, _ = run.request("PUT", "/api/subscriptions/nvda", '{"any": ["watch:nvidia"], "min_score": 0}')
        check(status == 200 and "warnings" not in json.loads(body), f"a loaded tag with a warning: {status} {body}")
        check(run.request("DELETE", "/api/subscriptions/nvda")[0] == 200, "DELETE nvda")
        renamed = []
        for line in (l for l in lines if "英伟达" in l):
            d = json.loads(line)
            for k in ("id", "code"):
                if k in d:
                    d[k] = d[k] + "77" if isinstance(d[k], str) else d[k] * 100 + 77
            renamed.append(json.dumps(d, ensure_ascii=False))
        check(renamed, "no fixture item names 英伟达")
        with open(inp, "a") as f:
            f.write("\n".join(renamed) + "\n")
        watched = lambda: run.json("/api/query?tag=watch:nvidia&limit=100")["items"]
        wait_for(lambda: len(watched()) > 0, "a document tagged by the reloaded watch list")
        for item in watched():
            prov = run.json("/api/doc/" + urllib.parse.quote(item["key"], safe=""))["provenance"]
            check(prov.get("watch:nvidia") == [{"seed": "watch list desk.tsv:2", "clause": "英伟达 · NVIDIA"}],
                  f"provenance of {item['key']}: {prov.get('watch:nvidia')}")
        run.stop()

        # ---- the read API against the CLI, on the stopped store; a host
        # name listens on its address (localhost: it was "not an IP address")
        srv = Server(tmp, "serve", ["serve", "--db", db, "--listen", "localhost:0", "--rules", f"{SRC}/rules/sets",
                                    "--subscriptions", subs])
        # SIGHUP (systemctl reload) is no stop for a serve with no terminal:
        # it has nothing to reload and goes on (it exited 0, which
        # Restart=on-failure does not restart)
        srv.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        check(srv.proc.poll() is None, f"serve exited {srv.proc.poll()} on SIGHUP")
        srv.get("/health")
        # serve runs nothing: the store's gauges, and no run's counters
        _, families = metric_values(srv)
        for name in ("newsflow_items_stored", "newsflow_items_read", "newsflow_stage_seconds", "newsflow_source_connected"):
            check(name not in families, f"serve shows a run's {name}: {sorted(families)}")
        held = len(cli("query", "--db", db, "--json", "--limit", "0").splitlines())
        wait_for(lambda: metric_values(srv)[0].get(("newsflow_store_documents", ())) == held,
                 f"serve's store_documents == {held}")
        cli_docs = [json.loads(l) for l in cli("query", "--db", db, "--json", "--limit", "0", "--tag",
                                              "cluster:ai").splitlines()]
        keys, cursor = [], None
        while True:
            page = srv.json("/api/query?tag=cluster:ai&limit=7" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""))
            keys += [d["key"] for d in page["items"]]
            cursor = page["next"]
            if not cursor:
                break
        check(keys == [d["key"] for d in cli_docs], f"paged /api/query: {len(keys)} keys vs CLI {len(cli_docs)}")
        stories, cursor = [], None
        while True:
            page = srv.json("/api/query?any=cluster:ai&any=cluster:semiconductors&limit=5&collapse=1" +
                            (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""))
            stories += [(d["story"], d["key"], sorted(d["also"])) for d in page["items"]]
            cursor = page["next"]
            if not cursor:
                break
        # The same stories, in the same order, each shown by the same
        # document (its earliest match) with the same other members.
        cli_stories = [(d["story"], d["key"], sorted(d["also"])) for d in map(json.loads, cli(
            "query", "--db", db, "--json", "--limit", "0", "--collapse", "--any", "cluster:ai", "--any",
            "cluster:semiconductors").splitlines())]
        check(len({s[0] for s in stories}) == len(stories), "a story appeared on two collapsed pages")
        differ = [(a, b) for a, b in zip(stories, cli_stories) if a != b]
        check(stories == cli_stories,
              f"collapsed pages differ from query --collapse: {len(stories)} vs {len(cli_stories)} stories, "
              f"{len(differ)} shown otherwise, first {differ[:1]}")
        joined = [d for d in cli_docs if d["story"] != d["key"]] or cli_docs
        key = joined[0]["key"]
        doc = srv.json("/api/doc/" + urllib.parse.quote(key, safe=""))
        show = json.loads(cli("show", "--db", db, key))
        for field in ("key", "title", "body", "tags", "scores", "spans", "story", "also"):
            check(doc[field] == show[field], f"/api/doc {field} differs from show")
        member_docs = [json.loads(l) for l in cli("query", "--db", db, "--json", "--limit", "0", "--story",
                                                 show["story"]).splitlines()]
        members = [d["key"] for d in member_docs]
        check([m["key"] for m in doc["members"]] == members, "/api/doc members")
        # ?story= lists the same members newest first, a page at a time; collapsed, as one item
        paged, cursor = [], None
        while True:
            page = srv.json(f"/api/query?story={urllib.parse.quote(show['story'])}&limit=1" +
                            (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""))
            paged += [d["key"] for d in page["items"]]
            cursor = page["next"]
            if not cursor:
                break
        newest_first = [d["key"] for d in sorted(member_docs, key=lambda d: (-d["time_ms"], d["key"]))]
        check(paged == newest_first, f"/api/query?story= pages {paged}, the members newest first are {newest_first}")
        one = srv.json(f"/api/query?story={urllib.parse.quote(show['story'])}&collapse=1")["items"]
        check(len(one) == 1 and one[0]["key"] == members[0] and sorted(one[0]["also"]) == sorted(members[1:]),
              f"/api/query?story=&collapse=1 {one}")
        for tag in doc["tags"]:
            check(doc["provenance"].get(tag) and all(p["clause"] for p in doc["provenance"][tag]),
                  f"no provenance for {tag}")
            cited = [(p["seed"], p["clause"]) for p in doc["provenance"][tag]]
            check(len(cited) == len(set(cited)), f"{tag}: a clause cited twice: {cited}")
        srv.get("/api/doc/nope:1", expect=404)
        stats = {(o["bucket"], o["tag"]): o["count"] for o in map(json.loads, cli("stats", "--db", db, "--json").splitlines())}
        tags = {(c["bucket"], c["tag"]): c["count"] for c in srv.json("/api/tags?bucket=day")["counts"]}
        check(tags == stats, "/api/tags differs from stats --json")
        srv.get("/api/query?tag=cluster:nope", expect=400)
        # a misspelt tag is answered with the closest ones, as the CLI's query does
        status, body, _ = srv.request("GET", "/api/query?tag=region:shenzen")
        check(status == 400 and "region:shenzhen" in json.loads(body)["error"], f"tag=region:shenzen: {status} {body[:200]}")
        # a feed no document or run is called is an error, as query --source exits 2
        for path in ("/api/query?source=nosuch", "/api/tags?source=nosuch"):
            status, body, _ = srv.request("GET", path)
            check(status == 400 and "nosuch" in json.loads(body)["error"], f"{path}: {status} {body[:200]}")
        cls_keys = [d["key"] for d in srv.json("/api/query?source=cls&limit=1000")["items"]]
        check(cls_keys == [json.loads(l)["key"] for l in cli("query", "--db", db, "--json", "--limit", "1000",
                                                               "--source", "cls").splitlines()], "/api/query?source=cls")
        srv.get("/api/query?limit=0", expect=400)
        srv.get("/api/tags?bucket=week", expect=400)
        # A typo, an empty filter or a bad switch is a 400 naming it, never a
        # wider answer (?tags= listed the whole store, collapse=yes did not
        # collapse, q= matched everything, an unknown tag counted nothing).
        for path, named in (("/api/query?tags=cluster:ai", "tags"), ("/api/query?collapse=yes", "collapse"),
                            ("/api/query?q=", "q"), ("/api/query?stock=", "stock"), ("/api/query?tag=", "tag"),
                            ("/api/tags?tag=cluster:nope", "cluster:nope"), ("/api/tags?buckets=hour", "buckets"),
                            ("/api/doc/" + urllib.parse.quote(key, safe="") + "?tzz=UTC", "tzz"),
                            ("/api/alerts?subscriptoin=chips", "subscriptoin"),
                            ("/api/alerts?subscription=chip", "chips"),
                            # one value asked twice: the CLI exits 2 on a second --since
                            # (the last one widened a 2-day window to the month)
                            ("/api/query?tag=cluster:ai&since=2026-07-30&since=2026-07-01", "since"),
                            ("/api/query?q=%E8%8A%AF%E7%89%87&q=%E6%AF%94%E4%BA%9A%E8%BF%AA", "q"),
                            ("/api/query?limit=", "limit"), ("/api/query?collapse=", "collapse"),
                            ("/api/tags?bucket=hour&bucket=day", "bucket"),
                            # the stream checks its parameters as GET /api/alerts does
                            # (a typo streamed every subscription, or from the newest alert)
                            ("/api/alerts/stream?subscriptions=chips", "subscriptions"),
                            ("/api/alerts/stream?lastEventId=chips/cls:1", "lastEventId"),
                            ("/api/alerts/stream?after_seq=1&after_seq=2", "after_seq")):
            status, body, _ = srv.request("GET", path)
            check(status == 400 and named in json.loads(body)["error"], f"{path}: {status} {body[:200]}")
        check(srv.json("/api/query?collapse=0&limit=3")["items"] == srv.json("/api/query?limit=3")["items"],
              "collapse=0 is no collapse")
        # a member's key given for its story's id names the id, as query --story exits 2
        if len(members) > 1:
            other = next(m for m in members if m != show["story"])
            status, body, _ = srv.request("GET", "/api/query?story=" + urllib.parse.quote(other))
            check(status == 400 and show["story"] in json.loads(body)["error"], f"story={other}: {status} {body[:200]}")
        # DNS rebinding: a page whose name resolves to 127.0.0.1 sends its own
        # name as Host; a loopback server answers loopback names only
        for host, want in (("attacker.example:%d" % srv.port, 403), ("attacker.example", 403),
                           ("localhost:%d" % srv.port, 200), ("[::1]:%d" % srv.port, 200), ("127.0.0.2", 200)):
            status = srv.request("GET", "/api/subscriptions", headers={"Host": host})[0]
            check(status == want, f"Host {host}: {status}, expected {want}")
        check(srv.request("PUT", "/api/subscriptions/rebind", body='{"any":["cluster:ai"]}',
                          headers={"Host": "attacker.example"})[0] == 403, "a rebinding page's PUT")
        check("rebind" not in srv.get("/api/subscriptions"), "a rebinding page's PUT was written")
        check(srv.request("GET", "/")[0] == 200 and "<html" in srv.get("/").lower(), "the desk page")

        # serve replays the alert log after the writer stopped, from a Last-Event-ID
        full = alert_log(db)
        mid = full[len(full) // 2]
        sse = SseClient(srv.port, "", last_event_id=mid["id"])
        replay = sse.events(quiet=1.5)
        sse.close()
        check([i for i, _ in replay] == [a["id"] for a in full if a["seq"] > mid["seq"]],
              "serve's replay after the writer stopped")
        srv.stop()

        # ---- serve follows a writer in another process
        db2, inp2 = os.path.join(tmp, "db2"), os.path.join(tmp, "in2.jsonl")
        with open(inp2, "w") as f:
            f.write("\n".join(first) + "\n")
        writer = spawn([BIN, "run", "-q", "--source", "follow:" + inp2, "--db", db2, "--rules",
                                   f"{SRC}/rules/sets", "--subscriptions", subs, "--alerts",
                                   "file:" + os.path.join(tmp, "alerts2.jsonl"), "--linger-ms", "5"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(os.path.join(db2, "CURRENT")), "the writer's store")
        time.sleep(1)
        srv = Server(tmp, "serve2", ["serve", "--db", db2, "--listen", "127.0.0.1:0", "--rules", f"{SRC}/rules/sets"])
        count = lambda: len(srv.json(f"/api/query?limit=1000")["items"])
        wait_for(lambda: count() == len(first), "serve sees the writer's first part")
        sse = SseClient(srv.port, "")
        with open(inp2, "a") as f:
            f.write("\n".join(second) + "\n")
        t0 = time.time()
        wait_for(lambda: count() == len(first) + len(second), "serve sees new documents", timeout=10)
        lag = time.time() - t0
        live = sse.events(quiet=2.5)
        sse.close()
        check(len(live) > 0, "serve streamed no alert raised by the writer")
        writer.send_signal(signal.SIGTERM)
        check(writer.wait(timeout=30) == 0, "the writer's exit")
        srv.stop()
        # ---- serve --retain prunes an archive no run writes (db: its writer stopped above)
        every = [json.loads(l) for l in cli("query", "--db", db, "--json", "--limit", "0").splitlines()]
        newest = max(d["time_ms"] for d in every)
        keep = sorted(d["key"] for d in every if d["time_ms"] >= newest - 3 * 86400000)
        check(0 < len(keep) < len(every), "the retention check needs documents on both sides of the cutoff")
        srv = Server(tmp, "serve3", ["serve", "--db", db, "--listen", "127.0.0.1:0", "--rules", f"{SRC}/rules/sets",
                                     "--retain", "3d", "--retain-from", "newest", "--retain-interval", "1"])
        left = lambda: sorted(d["key"] for d in srv.json("/api/query?limit=1000")["items"])
        wait_for(lambda: left() == keep, f"serve --retain to leave {len(keep)} documents", timeout=15)
        srv.stop()
        check(sorted(json.loads(l)["key"] for l in cli("query", "--db", db, "--json", "--limit", "0").splitlines()) == keep,
              "the pruned store (read after serve stopped)")
        # ---- serve while `newsflow prune` holds the store half way, batch by batch
        # (db2: its writer stopped above). serve opens a fresh reader when the
        # prune opens the store, i.e. in the middle of it; once the prune has let
        # the store go, serve must show the pruned store, not its middle.
        every = [json.loads(l) for l in cli("query", "--db", db2, "--json", "--limit", "0").splitlines()]
        times = sorted(d["time_ms"] for d in every)
        cutoff = times[len(times) // 2]
        srv = Server(tmp, "serve4", ["serve", "--db", db2, "--listen", "127.0.0.1:0", "--rules", f"{SRC}/rules/sets"])
        held = lambda: metric_values(srv)[0].get(("newsflow_store_documents", ()))
        wait_for(lambda: held() == len(every), f"serve4 to show the {len(every)} documents")
        prune = spawn([BIN, "prune", "--db", db2, "--before", str(cutoff), "--batch", "10"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env={**os.environ, "NEWSFLOW_TEST_PRUNE_HOLD_MS": "600"})
        seen = set()
        while prune.poll() is None:
            seen.add(held())
            time.sleep(0.2)
        out, err = prune.communicate()
        check(prune.returncode == 0, f"prune exited {prune.returncode}: {err.decode(errors='replace')}")
        removed = json.loads(out)["removed"]
        left_keys = sorted(json.loads(l)["key"] for l in cli("query", "--db", db2, "--json", "--limit", "0").splitlines())
        check(removed > 20 and len(left_keys) == len(every) - removed, f"prune removed {removed} of {len(every)}")
        check(any(n is not None and len(left_keys) < n < len(every) for n in seen),
              f"the test needs serve to have read the store half way through the prune (saw {sorted(seen, key=str)})")
        wait_for(lambda: held() == len(left_keys), f"serve4 to show the {len(left_keys)} documents left", timeout=5)
        wait_for(lambda: sorted(d["key"] for d in srv.json("/api/query?limit=1000")["items"]) == left_keys,
                 "serve4's query to list exactly the documents left", timeout=5)
        srv.stop()
        print(f"ok: {len(lines)} items; resumed stream {len(ids2)} alerts; {len(stories)} collapsed stories; "
              f"serve saw the writer's documents after {lag:.2f} s")


if __name__ == "__main__":
    main()
