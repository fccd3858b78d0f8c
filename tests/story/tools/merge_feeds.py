#!/usr/bin/env python3
"""Writes the shared corpora's cls, eastmoney and ths items as ONE JSON Lines
stream in time order (UTC; eastmoney showTime is Beijing time), lines
byte-identical to the corpus. Same-story assignment is streaming over a time
window, so a store meant to show cross-feed stories must receive the feeds
interleaved as they were published, not one file after another.

  python3 tests/story/tools/merge_feeds.py --out merged.jsonl [--since 2026-07-01] [--until 2026-08-01] [--jitter 120]

--feed NAME keeps one feed only (repeatable), in time order: the files a
user would load one after another.

Ties keep the feed order cls, eastmoney, ths and each file's line order.
Lines of a feed that cannot be read as JSON, or without a time, are passed
through at the position of the previous line of that feed (the pipeline
dead-letters them).
"""
import argparse, calendar, datetime, gzip, json, os, sys, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FEEDS = [("cls", "cls-shared.jsonl.gz", "ctime"), ("eastmoney", "eastmoney-shared.jsonl.gz", "showTime"),
         ("ths", "ths-shared.jsonl.gz", "ctime")]


def item_time(feed, raw):
    if feed == "eastmoney":
        dt = datetime.datetime.strptime(raw, "%Y-%m-%d %H:%M:%S")
        return calendar.timegm(dt.timetuple()) - 8 * 3600
    return int(raw)


def day(s):
    return calendar.timegm(datetime.datetime.strptime(s, "%Y-%m-%d").timetuple())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--since", help="first day (UTC) to keep, YYYY-MM-DD")
    ap.add_argument("--until", help="first day (UTC) NOT to keep, YYYY-MM-DD")
    ap.add_argument("--reverse-ties", action="store_true",
                    help="items of one second in the feed order ths, eastmoney, cls (another interleaving)")
    ap.add_argument("--jitter", type=int, default=0,
                    help="delay each line by a pseudo-random 0..N-1 s before ordering (another "
                         "interleaving of the same items, as uneven feed delivery would give)")
    ap.add_argument("--feed", action="append", choices=[f[0] for f in FEEDS],
                    help="keep only this feed (repeatable; default: all three)")
    args = ap.parse_args()
    if not os.path.isdir(args.corpus):
        sys.exit("merge_feeds: the shared corpus is absent (%s)" % args.corpus)
    lo = day(args.since) if args.since else None
    hi = day(args.until) if args.until else None
    rows = []
    for rank, (feed, fname, tf) in enumerate(FEEDS):
        if args.feed and feed not in args.feed:
            continue
        last = 0
        with gzip.open(os.path.join(args.corpus, fname), "rb") as f:
            for n, line in enumerate(f):
                line = line.rstrip(b"\n")
                if not line.strip():
                    continue
                try:
                    t = item_time(feed, json.loads(line)[tf])
                except (ValueError, KeyError, TypeError):
                    t = last
                last = t
                if (lo is not None and t < lo) or (hi is not None and t >= hi):
                    continue
                delay = zlib.crc32(line) % args.jitter if args.jitter > 0 else 0
                rows.append((t + delay, -rank if args.reverse_ties else rank, n, line))
    rows.sort(key=lambda r: r[:3])
    with open(args.out, "wb") as out:
        for r in rows:
            out.write(r[3] + b"\n")
    print("merge_feeds: %d lines -> %s" % (len(rows), args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
