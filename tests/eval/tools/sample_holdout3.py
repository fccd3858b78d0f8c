#!/usr/bin/env python3
"""Select the items for HELD-OUT SET 3 (selection only; labels are assigned by
a reader, never by this script).

Held-out set 3 was drawn on 2026-12-06, before the corpus-wide keyword audit
(rules/audit/) changed any rule, and labelled blind to the rules. Nobody
tunes on it; it is scored once per tuning round, like held-out set 2.

The same window and design as sample_holdout2.py, more items and a new seed:
only the three wire feeds, only items dated 2026-07-16 .. 2026-07-31 (UTC), a
window no development part draws from. Per feed, in the order cls, eastmoney,
ths: 40 items uniformly random among the eligible items, then 60 uniformly
random among the remaining eligible items whose title+body contains a word
of the broad net (BROAD_NET of sample_holdout2.py); 300 items in all.
Eligible = deduplicated by key (first occurrence wins), key in no gold file
(parts A-G, held-out sets 1 and 2), not a copy of a held-out-2 item (the
same title up to spaces and punctuation), dated in the window, non-empty
text, len(title)+len(body) <= 3000 characters.
Fixed seed 20261206. Output: one JSON line per item
  {"key", "feed", "title", "body", "subset"}  ("subset": "random" | "broad").
Usage: sample_holdout3.py [CORPUS_DIR] [OUT_JSONL]
"""
import json, os, random, re, sys

from feed_items import DEFAULT_CORPUS, draw_random_and_broad, gold_keys, write_selection
from sample_holdout2 import BROAD_NET, FEEDS, load

SEED = 20261206
N_RANDOM = 40
N_BROAD = 60

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.dirname(HERE)
EXCLUDE_GOLD = [os.path.join(EVAL, f"gold_part_{p}.jsonl") for p in "abcdefg"] + \
               [os.path.join(EVAL, "gold_holdout.jsonl"), os.path.join(EVAL, "gold_holdout2.jsonl")]
NOT_TITLE = re.compile(r"[\s\W_]+")


def title_form(title):
    return NOT_TITLE.sub("", title)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/holdout3_items.jsonl"
    exclude = gold_keys(EXCLUDE_GOLD)
    with open(os.path.join(EVAL, "gold_holdout2.jsonl"), encoding="utf-8") as f:
        holdout2_titles = {title_form(json.loads(line)["title"]) for line in f if line.strip()}
    holdout2_titles.discard("")
    rng = random.Random(SEED)
    chosen = []
    for feed, tf in FEEDS:
        items = [it for it in load(corpus, feed, tf, exclude)
                 if title_form(it["title"]) not in holdout2_titles]
        chosen += draw_random_and_broad(feed, items, rng, N_RANDOM, N_BROAD, BROAD_NET)
    write_selection(chosen, exclude, out)


if __name__ == "__main__":
    main()
