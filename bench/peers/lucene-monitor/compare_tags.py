#!/usr/bin/env python3
"""Agreement of the Lucene Monitor peer's tags with newsflow's own tags.

usage: compare_tags.py OURS.jsonl LUCENE_TAGS.tsv [--docs N] [--examples K] [--min-support S]

  OURS.jsonl        one object per line: {"doc_index": i, "tags": [...]} (other keys
                    ignored; make_sample.py writes it from `newsflow query --json`)
  LUCENE_TAGS.tsv   the peer's --dump-tags output: doc_index<TAB>tag lines
  --docs N          number of documents (default: 1 + the largest doc_index in OURS)
  --examples K      list K documents where the two disagree (default 10)
  --min-support S   per-tag rows only for tags with at least S pairs on either side (default 1)

Prints one JSON object. "Ours" is the reference: precision = |L & O| / |L|,
recall = |L & O| / |O|, jaccard = |L & O| / |L | O|, over (doc, tag) pairs,
overall (micro), by tag family (the part before ':') and per tag; plus the
share of documents whose whole tag sets are equal.
"""
import argparse
import collections
import json
import sys


def ratio(a, b):
    return round(a / b, 4) if b else None


def stats(o, l):
    both = len(o & l)
    return {"ours": len(o), "lucene": len(l), "both": both,
            "precision": ratio(both, len(l)), "recall": ratio(both, len(o)),
            "jaccard": ratio(both, len(o | l))}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ours")
    ap.add_argument("lucene")
    ap.add_argument("--docs", type=int)
    ap.add_argument("--examples", type=int, default=10)
    ap.add_argument("--min-support", type=int, default=1)
    a = ap.parse_args()

    ours = set()
    max_doc = -1
    with open(a.ours, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            i = int(d["doc_index"])
            max_doc = max(max_doc, i)
            for t in d.get("tags") or []:
                ours.add((i, t))
    luc = set()
    with open(a.lucene, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            i, t = line.split("\t", 1)
            luc.add((int(i), t))
    n_docs = a.docs if a.docs is not None else max_doc + 1

    by_tag_o, by_tag_l = collections.defaultdict(set), collections.defaultdict(set)
    for p in ours:
        by_tag_o[p[1]].add(p)
    for p in luc:
        by_tag_l[p[1]].add(p)
    tags = sorted(set(by_tag_o) | set(by_tag_l))
    per_tag = {}
    fam_o, fam_l = collections.defaultdict(set), collections.defaultdict(set)
    for t in tags:
        fam = t.split(":", 1)[0]
        fam_o[fam] |= by_tag_o[t]
        fam_l[fam] |= by_tag_l[t]
        if max(len(by_tag_o[t]), len(by_tag_l[t])) >= a.min_support:
            per_tag[t] = stats(by_tag_o[t], by_tag_l[t])

    doc_o, doc_l = collections.defaultdict(set), collections.defaultdict(set)
    for i, t in ours:
        doc_o[i].add(t)
    for i, t in luc:
        doc_l[i].add(t)
    equal = sum(1 for i in range(n_docs) if doc_o.get(i, set()) == doc_l.get(i, set()))
    examples = []
    for i in sorted(set(doc_o) | set(doc_l)):
        if doc_o.get(i, set()) != doc_l.get(i, set()):
            if len(examples) < a.examples:
                examples.append({"doc_index": i,
                                 "only_ours": sorted(doc_o.get(i, set()) - doc_l.get(i, set())),
                                 "only_lucene": sorted(doc_l.get(i, set()) - doc_o.get(i, set()))})

    out = {
        "docs": n_docs,
        "overall": stats(ours, luc),
        "docs_with_equal_tag_sets": equal,
        "docs_equal_share": ratio(equal, n_docs),
        "docs_tagged": {"ours": len(doc_o), "lucene": len(doc_l)},
        "by_family": {f: stats(fam_o[f], fam_l[f]) for f in sorted(set(fam_o) | set(fam_l))},
        "per_tag": dict(sorted(per_tag.items(), key=lambda kv: (-(kv[1]["ours"] + kv[1]["lucene"]), kv[0]))),
        "examples": examples,
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
