#!/usr/bin/env python3
"""Write tests/fixtures/vocabulary_evidence.jsonl: the corpus items the review
of the mined vocabulary read as its tag (rules/vocabulary/review.tsv, accepted
terms, the last column), in the gold format `newsflow eval` reads, each
labelled with the reviewed tag and the term as evidence.

These are the fixtures on which tests/pipeline/mined_vocabulary_test.cc
shows what the vocabulary adds: without it the rules miss the tag on them.
Only the reviewed tag is labelled (the items were read for that tag alone),
so the file is for that test, not a development part.

  rules/tools/vocabulary_evidence.py [--corpus ../shared/corpus]
"""
import argparse
import collections
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "eval", "tools"))
from feed_items import read_feed, title_body  # noqa: E402
from vocabulary_review import review_lines  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--review", default="rules/vocabulary/review.tsv")
    ap.add_argument("--corpus", default="../shared/corpus")
    ap.add_argument("--out", default="tests/fixtures/vocabulary_evidence.jsonl")
    args = ap.parse_args()
    wanted = collections.OrderedDict()  # key -> [(tag, term)]
    for r in review_lines(args.review):
        if r.accepted:
            for key in r.keys:
                wanted.setdefault(key, []).append((r.tag, r.term))
    found = {}
    for feed in sorted({k.split(":")[0] for k in wanted}):
        for key, d in read_feed(args.corpus, feed):
            if key in wanted:
                found[key] = title_body(feed, d)
    missing = [k for k in wanted if k not in found]
    if missing:
        sys.exit(f"vocabulary_evidence: not in the corpus: {', '.join(missing)}")
    with open(args.out, "w", encoding="utf-8") as f:
        for key in sorted(wanted):
            title, body = found[key]
            labels = [{"tag": tag, "evidence": term} for tag, term in wanted[key]]
            item = {"key": key, "feed": key.split(":")[0], "title": title, "body": body, "labels": labels,
                    "feed_labels": []}
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"vocabulary_evidence: {len(wanted)} items -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
