#!/usr/bin/env python3
"""Validate a held-out gold file (format checks only; assigns no labels).

The same checks as validate_holdout.py, generalised to either held-out set:
every line parses as JSON with exactly the keys key/feed/title/body/labels;
the expected number of items, unique keys; no key overlap with the sets the
file must not share keys with; keys, order, feed, title and body identical to
a fresh run of the set's sampler; every tag is a cluster:/theme:/region: id of
the taxonomy; at most one label per tag per item; every label has exactly
tag/evidence and every evidence string is a non-empty verbatim substring of
the title or the body.

Usage: validate_holdout2.py [GOLD_JSONL] [TAXONOMY_MD] [CORPUS_DIR]
  GOLD_JSONL defaults to tests/eval/gold_holdout2.jsonl. A file named
  gold_holdout.jsonl is checked against sample_holdout.py (160 items, disjoint
  from Parts A/B); gold_holdout2.jsonl against sample_holdout2.py (210 items,
  disjoint from Parts A/B and from gold_holdout.jsonl); gold_holdout3.jsonl
  against sample_holdout3.py (300 items, disjoint from every other gold file);
  gold_holdout4.jsonl against sample_holdout4.py (300 items, the same).
"""
import collections, json, os, subprocess, sys, tempfile

from feed_items import DEFAULT_CORPUS, DEFAULT_TAXONOMY, taxonomy_ids

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.dirname(HERE)

SETS = {
    "gold_holdout.jsonl": ("sample_holdout.py", 160,
                           ("gold_part_a.jsonl", "gold_part_b.jsonl")),
    "gold_holdout2.jsonl": ("sample_holdout2.py", 210,
                            ("gold_part_a.jsonl", "gold_part_b.jsonl", "gold_holdout.jsonl")),
    "gold_holdout3.jsonl": ("sample_holdout3.py", 300,
                            tuple(f"gold_part_{p}.jsonl" for p in "abcdefg") +
                            ("gold_holdout.jsonl", "gold_holdout2.jsonl")),
    "gold_holdout4.jsonl": ("sample_holdout4.py", 300,
                            tuple(f"gold_part_{p}.jsonl" for p in "abcdefghij") +
                            ("gold_holdout.jsonl", "gold_holdout2.jsonl", "gold_holdout3.jsonl")),
}

gold = sys.argv[1] if len(sys.argv) > 1 else os.path.join(EVAL, "gold_holdout2.jsonl")
taxonomy = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_TAXONOMY
corpus = sys.argv[3] if len(sys.argv) > 3 else DEFAULT_CORPUS
name = os.path.basename(gold)
if name not in SETS:
    sys.exit(f"unknown held-out file {name!r}; expected one of {sorted(SETS)}")
sampler, n_expected, disjoint_from = SETS[name]

valid = taxonomy_ids(taxonomy)

errors = []
if len(valid) != 41: errors.append(f"taxonomy parse: {len(valid)} ids, expected 33+4+4")
items = []
for n, line in enumerate(open(gold, encoding="utf-8"), 1):
    try:
        d = json.loads(line)
    except Exception as e:
        errors.append(f"line {n}: JSON error {e}"); continue
    if not {"key", "feed", "title", "body", "labels"} <= set(d) <= {"key", "feed", "title", "body", "labels", "feed_labels"}:
        errors.append(f"line {n}: fields {sorted(d)}")
    items.append(d)

keys = [d["key"] for d in items]
if len(items) != n_expected: errors.append(f"{len(items)} items, expected {n_expected}")
if len(set(keys)) != len(keys): errors.append("duplicate keys")
other = set()
for f in disjoint_from:
    other |= {json.loads(l)["key"] for l in open(os.path.join(EVAL, f), encoding="utf-8") if l.strip()}
if set(keys) & other: errors.append(f"key overlap with {disjoint_from}: {sorted(set(keys) & other)}")

with tempfile.TemporaryDirectory() as td:
    sel = os.path.join(td, "sel.jsonl")
    subprocess.run([sys.executable, os.path.join(HERE, sampler), corpus, sel],
                   check=True, stderr=subprocess.DEVNULL)
    chosen = [json.loads(l) for l in open(sel, encoding="utf-8")]
if [c["key"] for c in chosen] != keys: errors.append(f"keys/order differ from {sampler}")
for c, d in zip(chosen, items):
    if (c["feed"], c["title"], c["body"]) != (d["feed"], d["title"], d["body"]):
        errors.append(f"{d['key']}: text differs from feed selection")

fam = collections.Counter(); per_tag = collections.Counter(); empty = 0
feed_items = collections.Counter(); feed_fam = collections.defaultdict(collections.Counter)
for d in items:
    feed_items[d["feed"]] += 1
    tags = [l["tag"] for l in d["labels"]]
    if not tags: empty += 1
    if len(tags) != len(set(tags)): errors.append(f"{d['key']}: repeated tag")
    for l in d["labels"]:
        if set(l) != {"tag", "evidence"}: errors.append(f"{d['key']}: label fields {sorted(l)}")
        if l["tag"] not in valid: errors.append(f"{d['key']}: unknown tag {l['tag']}")
        ev = l["evidence"]
        if not ev or (ev not in d["title"] and ev not in d["body"]):
            errors.append(f"{d['key']}: evidence not verbatim: {ev!r}")
        f = l["tag"].split(":")[0]
        fam[f] += 1; per_tag[l["tag"]] += 1; feed_fam[d["feed"]][f] += 1

print(f"{name}: items={len(items)} labels={sum(fam.values())} " +
      " ".join(f"{k}={v}" for k, v in sorted(fam.items())) + f" empty={empty}")
for feed in feed_items:
    print(f"  {feed}: items={feed_items[feed]} labels={sum(feed_fam[feed].values())} " +
          " ".join(f"{k}={v}" for k, v in sorted(feed_fam[feed].items())))
print("per tag:", dict(per_tag.most_common()))
print("no positives:", sorted(valid - set(per_tag)))
if errors:
    print("ERRORS:"); [print(" ", e) for e in errors]; sys.exit(1)
print("OK")
