#!/usr/bin/env python3
"""Selects the 300 items of development part I (tests/eval/gold_part_i.jsonl;
selection only: a reader assigns the labels, never this script).

Part H's selection (sample_part_h.py: held-out set 3's design in the
development window, no gold item and no document the keyword audit read,
nor its copies under the same title) with another seed and part H excluded
too, drawn after the rules were tuned on part H to measure them once more
on text nobody tuned on. Fixed seed 20261208.
Usage: sample_part_i.py [CORPUS_DIR] [OUT_JSONL]
"""
import os
import sys

import sample_part_h as h
from feed_items import DEFAULT_CORPUS

h.SEED = 20261208
h.EXCLUDE_GOLD = h.EXCLUDE_GOLD + [os.path.join(h.EVAL, "gold_part_h.jsonl")]

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.argv[1:] = [sys.argv[1] if len(sys.argv) == 2 else DEFAULT_CORPUS, "/tmp/part_i_items.jsonl"]
    h.main()
