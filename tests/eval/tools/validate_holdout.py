#!/usr/bin/env python3
"""Validate tests/eval/gold_holdout.jsonl (format checks only; assigns no labels).

Checks: every line parses as JSON with keys key/feed/title/body/labels; 160 items,
unique keys; no key overlap with gold_part_a/b; title and body identical to the
selection made by sample_holdout.py; every tag is a cluster:/theme:/region: id
of shared/taxonomy.md; at most one label per tag per item; every evidence string
is a non-empty verbatim substring of title or body.
Usage: validate_holdout.py [TAXONOMY_MD] [CORPUS_DIR]
"""
import collections, json, os, re, subprocess, sys, tempfile
from feed_items import DEFAULT_CORPUS, DEFAULT_TAXONOMY

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.dirname(HERE)
taxonomy = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_TAXONOMY
corpus = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_CORPUS

# valid ids: first-column ids of the three fixed tables
valid, section = set(), None
for line in open(taxonomy, encoding="utf-8"):
    if line.startswith("## "):
        section = ("cluster" if "cluster:" in line else "theme" if "theme:" in line
                   else "region" if "region:" in line else None)
        continue
    m = re.match(r"^\|\s*([a-z0-9-]+)\s*\|", line)
    if section and m and m.group(1) != "id" and not set(m.group(1)) <= {"-"}:
        valid.add(f"{section}:{m.group(1)}")

errors = []
if len(valid) != 41: errors.append(f"taxonomy parse: {len(valid)} ids, expected 33+4+4")
items = []
for n, line in enumerate(open(os.path.join(EVAL, "gold_holdout.jsonl"), encoding="utf-8"), 1):
    try:
        d = json.loads(line)
    except Exception as e:
        errors.append(f"line {n}: JSON error {e}"); continue
    if not {"key", "feed", "title", "body", "labels"} <= set(d) <= {"key", "feed", "title", "body", "labels", "feed_labels"}:
        errors.append(f"line {n}: fields {sorted(d)}")
    items.append(d)

keys = [d["key"] for d in items]
if len(items) != 160: errors.append(f"{len(items)} items, expected 160")
if len(set(keys)) != len(keys): errors.append("duplicate keys")
dev = set()
for f in ("gold_part_a.jsonl", "gold_part_b.jsonl"):
    dev |= {json.loads(l)["key"] for l in open(os.path.join(EVAL, f), encoding="utf-8") if l.strip()}
if set(keys) & dev: errors.append(f"overlap with dev set: {sorted(set(keys) & dev)}")

with tempfile.TemporaryDirectory() as td:
    sel = os.path.join(td, "sel.jsonl")
    subprocess.run([sys.executable, os.path.join(HERE, "sample_holdout.py"), corpus, sel],
                   check=True, stderr=subprocess.DEVNULL)
    chosen = [json.loads(l) for l in open(sel, encoding="utf-8")]
if [c["key"] for c in chosen] != keys: errors.append("keys/order differ from sample_holdout.py")
for c, d in zip(chosen, items):
    if (c["feed"], c["title"], c["body"]) != (d["feed"], d["title"], d["body"]):
        errors.append(f"{d['key']}: text differs from feed selection")

fam = collections.Counter(); per_tag = collections.Counter(); empty = 0
for d in items:
    tags = [l["tag"] for l in d["labels"]]
    if not tags: empty += 1
    if len(tags) != len(set(tags)): errors.append(f"{d['key']}: repeated tag")
    for l in d["labels"]:
        if set(l) != {"tag", "evidence"}: errors.append(f"{d['key']}: label fields {sorted(l)}")
        if l["tag"] not in valid: errors.append(f"{d['key']}: unknown tag {l['tag']}")
        ev = l["evidence"]
        if not ev or (ev not in d["title"] and ev not in d["body"]):
            errors.append(f"{d['key']}: evidence not verbatim: {ev!r}")
        fam[l["tag"].split(":")[0]] += 1; per_tag[l["tag"]] += 1

print(f"items={len(items)} labels={sum(fam.values())} " +
      " ".join(f"{k}={v}" for k, v in sorted(fam.items())) + f" empty={empty}")
print("per tag:", dict(per_tag.most_common()))
print("no positives:", sorted(valid - set(per_tag)))
if errors:
    print("ERRORS:"); [print(" ", e) for e in errors]; sys.exit(1)
print("OK")
