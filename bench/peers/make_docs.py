#!/usr/bin/env python3
"""Make a peer-benchmark docs file (one document per line) from a corpus JSONL(.gz).

Each line: title + " " + content, HTML tags stripped, CR/LF replaced by spaces.
No other normalization (the peers see the text as stored).

usage: make_docs.py [CORPUS_JSONL_GZ] [OUT_FILE]
  defaults: ../shared/corpus/cls-shared.jsonl.gz beside the clone ($NEWSFLOW_CORPUS_DIR if set)
            bench/peers/data/cls-docs.txt
"""
import gzip
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.environ.get("NEWSFLOW_CORPUS_DIR") or os.path.join(HERE, "..", "..", "..", "shared", "corpus")
src = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(os.path.join(CORPUS, "cls-shared.jsonl.gz"))
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "data", "cls-docs.txt")

TAG = re.compile(r"<[^>]*>")
NL = re.compile(r"[\r\n]")

opener = gzip.open if src.endswith(".gz") else open
n = 0
with opener(src, "rt", encoding="utf-8", newline="") as f, \
        open(out, "w", encoding="utf-8", newline="\n") as w:
    for line in f:
        if not line.strip():
            continue
        d = json.loads(line)
        text = (d.get("title") or "") + " " + (d.get("content") or "")
        text = NL.sub(" ", TAG.sub("", text))
        w.write(text + "\n")
        n += 1
print(f"{n} docs -> {out}", file=sys.stderr)
