#!/usr/bin/env python3
"""Validate hand-labelled gold files (format checks only; assigns no labels).

For every gold file named on the command line:
  - every line parses as JSON with exactly the fields key/feed/title/body/labels
    (plus, optionally, feed_labels), and every label has exactly the fields
    tag/evidence;
  - feed_labels, when present, is exactly what attach_labels.py joins from the
    item's corpus record (the feed's own topic metadata; not gold labels);
  - keys are unique within the file, and no key appears in two of the files
    given (nor in a file passed with --disjoint-from, e.g. the held-out set);
  - the key's feed prefix matches `feed`, and title and body are byte-identical
    to the item in the shared corpus (first occurrence of the key wins; cls
    items with an empty title take the 【…】 prefix of content, or "", as in
    sample_part_a.py / sample_holdout.py / sample_part_c.py);
  - every tag is a cluster:/theme:/region: id of the taxonomy;
  - at most one label per tag per item;
  - every evidence string is a non-empty verbatim substring of title or body.
Prints per file: items per feed, labels per family, empty items, labels per tag.
Exit status 1 when any check fails.

Usage: validate_gold.py [--taxonomy MD] [--corpus DIR] [--disjoint-from GOLD]... GOLD...
  e.g. validate_gold.py tests/eval/gold_part_a.jsonl tests/eval/gold_part_b.jsonl \
           tests/eval/gold_part_c.jsonl --disjoint-from tests/eval/gold_holdout.jsonl
(--disjoint-from only reads the keys of that file.)
"""
import argparse, collections, json, os, sys

from attach_labels import labels_of
from feed_items import DEFAULT_CORPUS, FEED_FILES, read_feed, taxonomy_ids, title_body

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

# feed -> (corpus file, key field, body field)
FIELDS = {"key", "feed", "title", "body", "labels"}
OPTIONAL = {"feed_labels"}  # written by attach_labels.py


def corpus_text(corpus, feed, wanted):
    """{key: ((title, body), feed_labels)} for the wanted keys of one feed, extracted as the samplers do."""
    return {key: (title_body(feed, d), labels_of(feed, d)) for key, d in read_feed(corpus, feed) if key in wanted}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("gold", nargs="+")
    ap.add_argument("--taxonomy", default=os.path.join(REPO, "rules", "taxonomy.md"))
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--disjoint-from", action="append", default=[])
    args = ap.parse_args()

    errors = []
    valid = taxonomy_ids(args.taxonomy)
    if len(valid) != 41:
        errors.append(f"taxonomy parse: {len(valid)} ids, expected 33+4+4")

    files = {}
    for path in args.gold:
        items = []
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            if not line.strip():
                errors.append(f"{path}:{n}: empty line"); continue
            try:
                d = json.loads(line)
            except Exception as e:
                errors.append(f"{path}:{n}: JSON error {e}"); continue
            if not isinstance(d, dict) or not FIELDS <= set(d) <= FIELDS | OPTIONAL:
                errors.append(f"{path}:{n}: fields {sorted(d) if isinstance(d, dict) else type(d)}")
                continue
            items.append(d)
        files[path] = items

    # key uniqueness within and across files
    owner = {}
    for path, items in files.items():
        keys = [d["key"] for d in items]
        for k, c in collections.Counter(keys).items():
            if c > 1: errors.append(f"{path}: duplicate key {k}")
        for k in set(keys):
            if k in owner: errors.append(f"key {k} in both {owner[k]} and {path}")
            owner[k] = path
    for path in args.disjoint_from:
        other = {json.loads(l)["key"] for l in open(path, encoding="utf-8") if l.strip()}
        for k in sorted(set(owner) & other):
            errors.append(f"key {k} ({owner[k]}) is also in {path}")

    # text identical to the corpus
    wanted = collections.defaultdict(set)
    for items in files.values():
        for d in items:
            feed = d["feed"]
            if feed not in FEED_FILES or not d["key"].startswith(feed + ":"):
                errors.append(f"{d['key']}: feed {feed!r} does not match key"); continue
            wanted[feed].add(d["key"])
    text = {}
    for feed, keys in wanted.items():
        text.update(corpus_text(args.corpus, feed, keys))

    for path, items in files.items():
        fam, per_tag, feeds = collections.Counter(), collections.Counter(), collections.Counter()
        empty = 0
        for d in items:
            k = d["key"]
            feeds[d["feed"]] += 1
            if k in text:
                if (d["title"], d["body"]) != text[k][0]:
                    errors.append(f"{path}: {k}: title/body differ from the corpus")
                if "feed_labels" in d and d["feed_labels"] != text[k][1]:
                    errors.append(f"{path}: {k}: feed_labels differ from the corpus (re-run attach_labels.py)")
            elif d["feed"] in FEED_FILES:
                errors.append(f"{path}: {k}: not found in the corpus")
            if not isinstance(d["labels"], list):
                errors.append(f"{path}: {k}: labels is not a list"); continue
            if not d["labels"]: empty += 1
            tags = [l.get("tag") for l in d["labels"] if isinstance(l, dict)]
            for t, c in collections.Counter(tags).items():
                if c > 1: errors.append(f"{path}: {k}: tag {t} given {c} times")
            for l in d["labels"]:
                if not isinstance(l, dict) or set(l) != {"tag", "evidence"}:
                    errors.append(f"{path}: {k}: label {l!r} is not {{tag, evidence}}"); continue
                if l["tag"] not in valid: errors.append(f"{path}: {k}: unknown tag {l['tag']}")
                ev = l["evidence"]
                if not isinstance(ev, str) or not ev or (ev not in d["title"] and ev not in d["body"]):
                    errors.append(f"{path}: {k}: evidence not verbatim: {ev!r}")
                fam[l["tag"].split(":")[0]] += 1; per_tag[l["tag"]] += 1
        print(f"{os.path.basename(path)}: items={len(items)} (" +
              " ".join(f"{f}={c}" for f, c in feeds.items()) + f") labels={sum(fam.values())} " +
              " ".join(f"{f}={c}" for f, c in sorted(fam.items())) + f" empty={empty}")
        print("  per tag:", dict(per_tag.most_common()))
        print("  no positives:", sorted(valid - set(per_tag)))

    if errors:
        print("ERRORS:")
        for e in errors: print(" ", e)
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
