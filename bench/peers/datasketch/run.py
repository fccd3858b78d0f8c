#!/usr/bin/env python3
"""The well-known peer for same-story clustering: datasketch's MinHashLSH,
used the way a streaming near-duplicate detector uses it, on the very items
and order of newsflow's story/assign benchmark (bench/story_bench.cc writes
them: time_ms TAB feed TAB key TAB normalized text).

Per item: character trigrams of the kept characters (digits, ASCII letters,
CJK ideographs; the same reduction as pipeline/story/story_sketch.cc),
MinHash with 64 permutations, an LSH query (Jaccard threshold 0.5) against
the items of the last 24 h, join the first hit's story or start one, insert,
and remove items that left the window. Prints one JSON object: seconds,
items_per_second, us_per_item, joined (share of items that joined a story).
"""
import argparse, json, re, sys, time
from collections import deque

from datasketch import MinHash, MinHashLSH

KEEP = re.compile(r"[^0-9a-z\u4e00-\u9fff]")
WINDOW_MS = 24 * 3600 * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", required=True)
    ap.add_argument("--num-perm", type=int, default=64)
    ap.add_argument("--threshold", type=float, default=0.5)
    a = ap.parse_args()
    items = []
    with open(a.docs, encoding="utf-8") as f:
        for line in f:
            t, feed, key, text = line.rstrip("\n").split("\t", 3)
            items.append((int(t), key, text))
    total_bytes = sum(len(x[2].encode()) for x in items)
    lsh = MinHashLSH(threshold=a.threshold, num_perm=a.num_perm)
    story, window = {}, deque()
    joined = 0
    t0 = time.perf_counter()
    for t, key, text in items:
        while window and window[0][0] < t - WINDOW_MS:
            _, old = window.popleft()
            if old in lsh.keys:
                lsh.remove(old)
        s = KEEP.sub("", text.lower())
        grams = {s[i:i + 3] for i in range(len(s) - 2)} or {s}
        m = MinHash(num_perm=a.num_perm)
        m.update_batch([g.encode() for g in grams])
        hits = sorted(lsh.query(m))
        if key in lsh.keys:
            continue
        if hits:
            story[key] = story[hits[0]]
            joined += 1
        else:
            story[key] = key
        lsh.insert(key, m)
        window.append((t, key))
    secs = time.perf_counter() - t0
    print(json.dumps({"seconds": secs, "items_per_second": len(items) / secs, "bytes_per_second": total_bytes / secs,
                      "us_per_item": 1e6 * secs / len(items), "docs": len(items), "joined": joined / len(items),
                      "engine": "datasketch MinHashLSH", "variant": "num_perm=%d threshold=%.2f" % (a.num_perm, a.threshold)}))


if __name__ == "__main__":
    main()
