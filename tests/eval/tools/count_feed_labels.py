#!/usr/bin/env python3
"""Count the feeds' topic names in the shared corpus, the candidates for
rules/sets/labels.yaml, and show which of them the table maps.

Counts items (not occurrences: a name an item lists twice counts once), first
occurrence of each key, as feed_items.py reads the feeds:
  ths.tagInfo     ths `tagInfo[].name`   (ths also says `type`: "0" category, "1" entity)
  cls.subjects    cls `subjects[].subject_name`
  cls.plate_list  cls `plate_list[].name`
eastmoney has no topic metadata.

Prints, per field, every name seen at least --min times (default 5), most
frequent first: count, the table's tags and weight for it or "-" when the
table does not map it. With --unmapped only the names the table leaves out.

Usage: count_feed_labels.py [--corpus DIR] [--labels YAML] [--min N] [--unmapped] [--field F]
"""
import argparse, collections, os, sys

import yaml

from feed_items import DEFAULT_CORPUS, read_feed

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def count(corpus):
    counts = {f: collections.Counter() for f in ("ths.tagInfo", "cls.subjects", "cls.plate_list")}
    for _, d in read_feed(corpus, "ths"):
        counts["ths.tagInfo"].update({t.get("name") for t in d.get("tagInfo") or [] if t.get("name") is not None})
    for _, d in read_feed(corpus, "cls"):
        counts["cls.subjects"].update(
            {s.get("subject_name") for s in d.get("subjects") or [] if s.get("subject_name") is not None})
        counts["cls.plate_list"].update({p.get("name") for p in d.get("plate_list") or [] if p.get("name") is not None})
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--labels", default=os.path.join(REPO, "rules", "sets", "labels.yaml"))
    ap.add_argument("--min", type=int, default=5)
    ap.add_argument("--unmapped", action="store_true")
    ap.add_argument("--field", choices=("ths.tagInfo", "cls.subjects", "cls.plate_list"))
    args = ap.parse_args()

    table = {}
    if os.path.exists(args.labels):
        for e in yaml.safe_load(open(args.labels, encoding="utf-8")).get("labels") or []:
            table[(e["field"], e["name"])] = (e["tags"], e.get("weight", 1.0))

    for field, c in count(args.corpus).items():
        if args.field and field != args.field:
            continue
        rows = [(n, k) for n, k in c.most_common() if k >= args.min]
        mapped = sum(1 for n, _ in rows if (field, n) in table)
        print(f"== {field}: {len(c)} distinct names, {sum(c.values())} item-labels; "
              f"{len(rows)} seen >= {args.min} times, {mapped} of them mapped")
        for n, k in rows:
            m = table.get((field, n))
            if args.unmapped and m:
                continue
            how = f"{','.join(m[0])} w{m[1]:g}" if m else "-"
            print(f"{k:6d}  {n!r:24}  {how}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
