#!/usr/bin/env python3
"""Selects the 300 items of development part H (tests/eval/gold_part_h.jsonl;
selection only: a reader assigns the labels, never this script).

Part H is drawn after the keyword audit's eight rounds (rules/audit/) to
measure the rules once more on text nobody tuned on, then to tune on it. It
uses held-out set 3's design (sample_holdout3.py: the three wire feeds, per
feed 40 items uniformly random among the eligible ones, then 60 uniformly
random among the rest whose title+body holds a word of the broad net) in
the development window, before 2026-07-16 (UTC), with another seed.
Eligible = deduplicated by key (first occurrence wins), non-empty text,
len(title)+len(body) <= 3000 characters, key in no gold file (parts A-G,
held-out sets 1-3), and no document the audit read: neither a key of
rules/audit/reads.tsv or rules/audit/validation.tsv nor an item with the
same title as one of them up to spaces and punctuation (its copy in another
feed), since the audit's fixes were made from those documents.
Fixed seed 20261207. Output: one JSON line per item
  {"key", "feed", "title", "body", "subset"}  ("subset": "random" | "broad").
Usage: sample_part_h.py [CORPUS_DIR] [OUT_JSONL]
"""
import datetime
import os
import random
import re
import sys

import sample_holdout2 as h2
from feed_items import (DEFAULT_CORPUS, draw_random_and_broad, gold_keys, read_feed, title_body,
                        write_selection)
from sample_holdout3 import title_form

SEED = 20261207
N_RANDOM = 40
N_BROAD = 60
DATE_FROM = datetime.date(2026, 1, 1)
DATE_TO = datetime.date(2026, 7, 15)

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(EVAL))
EXCLUDE_GOLD = [os.path.join(EVAL, f"gold_part_{p}.jsonl") for p in "abcdefg"] + \
               [os.path.join(EVAL, f) for f in ("gold_holdout.jsonl", "gold_holdout2.jsonl", "gold_holdout3.jsonl")]
AUDIT_READS = [os.path.join(ROOT, "rules", "audit", f) for f in ("reads.tsv", "validation.tsv")]
sys.path.insert(0, os.path.join(ROOT, "rules", "tools"))
from keyword_audit import read_reads  # noqa: E402  (the reads TSV's reader, header checked)


# The audit's reads when parts H-J were drawn (rounds 1-8 and the validation reads after rounds 4-7): a later
# round adds rows to the same files, which must not change what these samplers select.
PINNED_IDS = re.compile(r"^((r[2-8]-)?\d+-\d+|r4v-\d+-\d+|v[5-7]-\d+)$")


def audit_keys():
    return {r["key"] for path in AUDIT_READS for r in read_reads(path) if PINNED_IDS.match(r["id"])}


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/part_h_items.jsonl"
    exclude = gold_keys(EXCLUDE_GOLD)
    read = audit_keys()
    read_titles = set()
    for feed, _ in h2.FEEDS:
        for key, d in read_feed(corpus, feed):
            if key in read:
                read_titles.add(title_form(title_body(feed, d)[0]))
    read_titles.discard("")
    h2.DATE_FROM, h2.DATE_TO = DATE_FROM, DATE_TO
    rng = random.Random(SEED)
    chosen = []
    for feed, tf in h2.FEEDS:
        items = [it for it in h2.load(corpus, feed, tf, exclude | read)
                 if title_form(it["title"]) not in read_titles]
        chosen += draw_random_and_broad(feed, items, rng, N_RANDOM, N_BROAD, h2.BROAD_NET)
    write_selection(chosen, exclude | read, out)


if __name__ == "__main__":
    main()
