#!/usr/bin/env python3
"""Attach the feeds' own topic metadata to every item of the gold files.

A mechanical join, not labelling: for each gold item the raw corpus record is
found by key (`cls:<id>` = cls `id`, `ths:<id>` = ths `id`, `eastmoney:<id>` =
eastmoney `code`; the first occurrence of a key in the feed file wins, as in
feed_items.py) and its metadata is copied into the field `feed_labels`:

  ths        `tagInfo[]`     -> {"field": "ths.tagInfo", "name": NAME, "score": SCORE}
                                (SCORE: the feed's string score as a number)
  cls        `subjects[]`    -> {"field": "cls.subjects", "name": subject_name}
  cls        `plate_list[]`  -> {"field": "cls.plate_list", "name": name}
  eastmoney, fincuge         -> [] (no topic metadata)

Entries keep the feed's order (tagInfo; subjects, then plate_list), and names
are copied exactly, padding included; a name the feed repeats (ths sometimes
lists a name twice with different ids) is kept as often as the feed has it.
An item with no metadata gets `"feed_labels": []`.

Why `feed_labels` and not `labels`: `labels` already holds the hand-assigned
gold tags ({"tag", "evidence"}) that `newsflow eval` scores against; the feed
metadata must not replace them.

The rest of each item is untouched: keys keep their order, the new field is
appended (or replaced in place when it already exists, so re-running changes
nothing), and lines are written as the files already are:
json.dumps(item, ensure_ascii=False), one object per line, "\\n" line ends.
A key missing from the corpus is an error (exit 1, files left unchanged).

Usage: attach_labels.py [--corpus DIR] [GOLD...]
  (default: every tests/eval/gold_*.jsonl)
"""
import argparse, glob, json, os, sys

from feed_items import DEFAULT_CORPUS, FEED_FILES, read_feed

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.dirname(HERE)
FIELD = "feed_labels"
META_FEEDS = ("cls", "ths")  # feeds that carry topic metadata


def score_number(s):
    """The ths score ("0.853") as a number; kept as given if it is not one."""
    try:
        return float(s)
    except (TypeError, ValueError):
        return s


def labels_of(feed, d):
    """The feed metadata of one raw record, as a list of label objects."""
    out = []
    if feed == "ths":
        for t in d.get("tagInfo") or []:
            if isinstance(t, dict) and t.get("name") is not None:
                out.append({"field": "ths.tagInfo", "name": t["name"], "score": score_number(t.get("score"))})
    elif feed == "cls":
        for s in d.get("subjects") or []:
            if isinstance(s, dict) and s.get("subject_name") is not None:
                out.append({"field": "cls.subjects", "name": s["subject_name"]})
        for p in d.get("plate_list") or []:
            if isinstance(p, dict) and p.get("name") is not None:
                out.append({"field": "cls.plate_list", "name": p["name"]})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("gold", nargs="*")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    args = ap.parse_args()
    paths = args.gold or sorted(glob.glob(os.path.join(EVAL, "gold_*.jsonl")))

    files = {}
    wanted = {f: set() for f in META_FEEDS}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            items = [json.loads(line) for line in f if line.strip()]
        files[path] = items
        for d in items:
            feed = d["key"].split(":", 1)[0]
            if feed in wanted:
                wanted[feed].add(d["key"])

    meta = {}
    for feed, keys in wanted.items():
        if keys:
            for key, d in read_feed(args.corpus, feed):
                if key in keys:
                    meta[key] = labels_of(feed, d)

    errors = []
    for path, items in files.items():
        for d in items:
            feed = d["key"].split(":", 1)[0]
            if feed not in FEED_FILES:
                errors.append(f"{path}: {d['key']}: unknown feed")
            elif feed in META_FEEDS and d["key"] not in meta:
                errors.append(f"{path}: {d['key']}: not in the {feed} corpus")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1

    for path, items in files.items():
        n_with = n_labels = 0
        for d in items:
            d[FIELD] = meta.get(d["key"], [])
            n_with += bool(d[FIELD])
            n_labels += len(d[FIELD])
        text = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in items)
        with open(path, encoding="utf-8") as f:
            changed = f.read() != text
        if changed:
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            os.replace(tmp, path)
        print(f"{os.path.relpath(path)}: {len(items)} items, {n_with} with feed labels, "
              f"{n_labels} labels{'' if changed else ' (unchanged)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
