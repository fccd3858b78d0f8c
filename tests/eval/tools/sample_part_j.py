#!/usr/bin/env python3
"""Selects the 300 items of development part J (tests/eval/gold_part_j.jsonl;
selection only: a reader assigns the labels, never this script).

Part H's selection (sample_part_h.py) with another seed and parts H and I
excluded too, drawn after the rules were tuned on part I. Fixed seed
20261209.
Usage: sample_part_j.py [CORPUS_DIR] [OUT_JSONL]
"""
import os
import sys

import sample_part_h as h
from feed_items import DEFAULT_CORPUS

h.SEED = 20261209
h.EXCLUDE_GOLD = h.EXCLUDE_GOLD + [os.path.join(h.EVAL, f"gold_part_{p}.jsonl") for p in "hi"]

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.argv[1:] = [sys.argv[1] if len(sys.argv) == 2 else DEFAULT_CORPUS, "/tmp/part_j_items.jsonl"]
    h.main()
