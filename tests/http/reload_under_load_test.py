#!/usr/bin/env python3
"""Hot rule reload under load, over HTTP (issue: running it as a service).

Usage: reload_under_load_test.py NEWSFLOW_BIN SOURCE_DIR

50,000 real items (the bundled fixtures, re-keyed per copy) stream through
`newsflow run --source - --http ...`. Half way, a rule with a new
`project:` tag is added to the rules directory and POST /api/rules/reload
swaps it in. Then:
  - every document carries the version that tagged it; one tagged by the old
    version never has the new tag; one tagged by the new version has it
    exactly when its title or body holds the keyword (the first 25,000 items, stored
    before the reload, are all old; everything sent after the reload
    answered is new);
  - a broken rules directory is rejected with a 4xx naming the file, the new
    version keeps tagging the items sent afterwards;
  - the run ends with every item stored: the count equals the items sent.
"""
import csv
import http.client
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BIN, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nf_check import check, fail, spawn  # noqa: E402
TOTAL, HALF = 50_000, 25_000
TAG, KEYWORD = "project:reload-test-humanoid-robots", "人形机器人"
RULE = f"""version: 1
rules:
  - tag: {TAG}
    name: 人形机器人研发项目 (added by the reload test)
    any: [{KEYWORD}]
    provenance:
      - seed: 004_ef13493a28004fcc.txt
        clause: "加快启动布局人形机器人、低空经济、商业航天等重点领域研发项目"
"""


def items():
    lines = []
    for feed in ("cls", "eastmoney", "ths"):
        with open(f"{SRC}/tests/fixtures/{feed}-sample.jsonl", encoding="utf-8") as f:
            lines += [json.loads(l) for l in f if l.strip()]
    out = []
    copy = 0
    while len(out) < TOTAL:
        for o in lines:
            o = dict(o)
            for k in ("id", "code"):  # the fields the feeds' keys come from (cls, ths: id; eastmoney: code)
                if k in o:
                    o[k] = f"{o[k]}{copy:04d}" if isinstance(o[k], str) else o[k] * 10000 + copy
            out.append(o)
            if len(out) == TOTAL:
                break
        copy += 1
    return out


def text_of(o):
    return json.dumps(o, ensure_ascii=False)


class Api:
    def __init__(self, port):
        self.port = port

    def request(self, method, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=180)
        c.request(method, path)
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        return r.status, body

    def metric(self, name):
        for line in self.request("GET", "/metrics")[1].splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None


def wait_for(pred, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def main():
    docs = items()
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "rules", "sets")
        shutil.copytree(f"{SRC}/rules/sets", rules)
        shutil.copy(f"{SRC}/rules/lint-allow.yaml", os.path.join(tmp, "rules", "lint-allow.yaml"))
        db, port_file = os.path.join(tmp, "db"), os.path.join(tmp, "port")
        err = open(os.path.join(tmp, "run.err"), "w+")
        run = spawn([BIN, "run", "-q", "--json", "--source", "-", "--db", db, "--rules", rules,
                                "--seeds", f"{SRC}/seeds", "--http", "127.0.0.1:0", "--http-port-file", port_file],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        wait_for(lambda: os.path.exists(port_file) and open(port_file).read().strip(), "the HTTP port")
        api = Api(int(open(port_file).read()))
        wait_for(lambda: api.request("GET", "/ready")[0] == 200, "/ready")

        def send(chunk):
            run.stdin.write(("\n".join(text_of(o) for o in chunk) + "\n").encode())
            run.stdin.flush()

        send(docs[:HALF])
        wait_for(lambda: api.metric("newsflow_items_read_total") == HALF, f"{HALF} items stored", 120)
        with open(os.path.join(rules, "reload-test.yaml"), "w", encoding="utf-8") as f:
            f.write(RULE)
        # Items keep arriving while the new set compiles and lints.
        send(docs[HALF:HALF + 5000])
        status, body = api.request("POST", "/api/rules/reload")
        check(status == 200, f"reload: {status} {body}")
        versions = json.loads(body)
        old, new = versions["previous"], versions["version"]
        check(old != new, f"the version did not change: {versions}")
        answered = HALF + 5000
        send(docs[answered:40_000])
        with open(os.path.join(rules, "zz-broken.yaml"), "w") as f:
            f.write("rules: [\n")
        status, body = api.request("POST", "/api/rules/reload")
        check(400 <= status < 500 and "zz-broken.yaml" in json.loads(body)["error"], f"broken reload: {status} {body}")
        check(json.loads(body)["version"] == new, "a rejected set changed the version")
        send(docs[40_000:])
        run.stdin.close()
        out = run.stdout.read().decode()
        rc = run.wait(timeout=300)
        err.seek(0)
        check(rc == 0, f"run exited {rc}: {err.read()[-2000:]}")
        summary = json.loads(out)
        check(summary["read"] == TOTAL and summary["stored"] + summary["dead_lettered"] == TOTAL,
              f"summary: read {summary['read']}, stored {summary['stored']}")
        check(summary["rules_reloaded"] == 1 and summary["rules_reload_failed"] == 1, "reload counts in the summary")

        stored = {}
        q = subprocess.run([BIN, "query", "--db", db, "--csv", "--fields", "key,origin,tags,ruleset_version,title,body",
                            "--limit", "0"], capture_output=True, check=True)
        for row in csv.DictReader(io.StringIO(q.stdout.decode())):
            row["tags"] = row["tags"].split(";") if row["tags"] else []
            stored[row["key"]] = row
        check(len(stored) == summary["stored"], f"query finds {len(stored)} documents, the run stored {summary['stored']}")
        # Each document's origin names the input line it came from.
        line_of = {}
        for k, o in stored.items():
            origin = o.get("origin", "")
            try:
                line_of[k] = int(origin.rsplit(":", 1)[1])
            except (IndexError, ValueError):
                fail(f"document {k} has no line in its origin: {origin!r}")
        old_n = new_n = tagged = 0
        for k, o in stored.items():
            line = line_of[k]
            text = o["title"] + "\n" + o["body"]  # what the rules read
            v = o["ruleset_version"]
            has = TAG in o["tags"]
            check(v in (old, new), f"{k}: version {v}")
            if line <= HALF:
                check(v == old, f"{k} (line {line}) was stored before the reload but has version {v}")
            if line > answered:
                check(v == new, f"{k} (line {line}) was sent after the reload answered but has version {v}")
            if v == old:
                old_n += 1
                check(not has, f"{k} has the new tag under the old version")
            else:
                new_n += 1
                check(has == (KEYWORD in text), f"{k}: new tag {has}, keyword in text {KEYWORD in text}")
                tagged += has
        check(tagged > 100, f"only {tagged} documents got the new tag")
        print(f"ok: {TOTAL} items; {old_n} tagged by {old}, {new_n} by {new} ({tagged} with {TAG}); "
              f"a broken set rejected with {status}")


if __name__ == "__main__":
    main()
