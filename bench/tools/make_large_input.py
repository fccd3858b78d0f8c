#!/usr/bin/env python3
"""Writes an N-item plain JSON Lines file from the merged three feeds.

Issue 13 measures file -> RocksDB on a 400k-item file; the shared corpus has
78,324 wire items. Copy k (k = 0, 1, ...) of the merged stream gets ids with
a "-k" suffix (so every item is a new document) and times moved on by k x 120
days (so no copy falls in another's 24 h story window), in the input's order.
Lines that are not such an item (not JSON, no id or time) are copied as
they are. Deterministic: the same input and N give the same bytes.

  python3 tests/story/tools/merge_feeds.py --corpus ../shared/corpus --out /tmp/all3.jsonl
  python3 bench/tools/make_large_input.py --input /tmp/all3.jsonl --items 400000 --out /tmp/400k.jsonl
"""
import argparse
import datetime
import json

SHIFT_S = 120 * 86400


def shifted(item, k):
    if k == 0:
        return item
    if "showTime" in item:  # eastmoney: code, "YYYY-MM-DD HH:MM:SS"
        item["code"] = f"{item['code']}-{k}"
        t = datetime.datetime.strptime(item["showTime"], "%Y-%m-%d %H:%M:%S")
        item["showTime"] = (t + datetime.timedelta(seconds=k * SHIFT_S)).strftime("%Y-%m-%d %H:%M:%S")
    else:  # cls and ths: id, ctime in Unix seconds (a number or a string)
        item["id"] = f"{item['id']}-{k}"
        c = item["ctime"]
        item["ctime"] = type(c)(int(c) + k * SHIFT_S)
    return item


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--items", type=int, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.input, encoding="utf-8") as f:
        lines = [l for l in f if l.strip()]
    with open(a.out, "w", encoding="utf-8") as out:
        for n in range(a.items):
            k, i = divmod(n, len(lines))
            try:
                item = shifted(json.loads(lines[i]), k)
            except (ValueError, KeyError, TypeError, AttributeError):
                out.write(lines[i])  # a line the pipeline dead-letters: as it is, in every copy
                continue
            out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
