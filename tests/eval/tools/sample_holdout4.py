#!/usr/bin/env python3
"""Select the items for HELD-OUT SET 4 (selection only; labels are assigned by
a reader, never by this script).

Held-out set 3 has been scored after every tuning step of 2026-12-06 (twelve
times by the end of that day); set 4 is drawn after all of them, to be scored
once on rules nobody tuned while it existed. The same window and design as
sample_holdout3.py with a new seed: the three wire feeds, items dated
2026-07-16 .. 2026-07-31 (UTC), per feed 40 uniformly random eligible items,
then 60 from the rest whose title+body holds a word of the broad net.
Eligible = as for held-out set 3, and also no key of held-out set 3 and no
item with the same title as a held-out-2 or held-out-3 item up to spaces and
punctuation (a copy of it in another feed).
Fixed seed 20261210. Output: one JSON line per item
  {"key", "feed", "title", "body", "subset"}  ("subset": "random" | "broad").
Usage: sample_holdout4.py [CORPUS_DIR] [OUT_JSONL]
"""
import json
import os
import random
import sys

from feed_items import DEFAULT_CORPUS, draw_random_and_broad, gold_keys, write_selection
from sample_holdout2 import BROAD_NET, FEEDS, load
from sample_holdout3 import EVAL, N_BROAD, N_RANDOM, title_form

SEED = 20261210
EXCLUDE_GOLD = [os.path.join(EVAL, f"gold_part_{p}.jsonl") for p in "abcdefghij"] + \
               [os.path.join(EVAL, f"gold_holdout{n}.jsonl") for n in ("", "2", "3")]


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/holdout4_items.jsonl"
    exclude = gold_keys(EXCLUDE_GOLD)
    held_titles = set()
    for name in ("gold_holdout2.jsonl", "gold_holdout3.jsonl"):
        with open(os.path.join(EVAL, name), encoding="utf-8") as f:
            held_titles |= {title_form(json.loads(line)["title"]) for line in f if line.strip()}
    held_titles.discard("")
    rng = random.Random(SEED)
    chosen = []
    for feed, tf in FEEDS:
        items = [it for it in load(corpus, feed, tf, exclude) if title_form(it["title"]) not in held_titles]
        chosen += draw_random_and_broad(feed, items, rng, N_RANDOM, N_BROAD, BROAD_NET)
    write_selection(chosen, exclude, out)


if __name__ == "__main__":
    main()
