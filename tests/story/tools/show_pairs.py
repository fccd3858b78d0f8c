#!/usr/bin/env python3
"""Print pairs of a pairs_*.jsonl file for READING (display only: HTML tags
stripped, times shown in UTC and Beijing time). It never changes the file and
never suggests a label.

Usage: show_pairs.py FILE [FROM [TO]]   (1-based line numbers, inclusive)
"""
import datetime
import html
import json
import re
import sys

TAG = re.compile(r"<[^>]*>")


def fmt_time(t):
    u = datetime.datetime.utcfromtimestamp(t)
    b = u + datetime.timedelta(hours=8)
    return "%s UTC (%s BJT)" % (u.strftime("%m-%d %H:%M:%S"), b.strftime("%m-%d %H:%M"))


def clean(s):
    return TAG.sub("", html.unescape(s)).strip()


def main():
    path = sys.argv[1]
    lo = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    hi = int(sys.argv[3]) if len(sys.argv) > 3 else 10 ** 9
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not (lo <= n <= hi):
                continue
            p = json.loads(line)
            dt = abs(p["b"]["time"] - p["a"]["time"])
            print("=" * 8, n, p["pair_id"], p["stratum"], "sim=%.3f" % p["similarity"],
                  "dt=%dm" % (dt // 60), "label=%s" % p.get("label"), p.get("note") or "")
            for side in ("a", "b"):
                it = p[side]
                print(" %s %-22s %s" % (side.upper(), it["key"], fmt_time(it["time"])))
                if it["title"]:
                    print("   T:", clean(it["title"]))
                print("   B:", clean(it["body"]))


if __name__ == "__main__":
    main()
