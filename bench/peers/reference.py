#!/usr/bin/env python3
"""Naive reference for the peer contract's match semantics (no automaton).

For every document and every pattern: bytes.find() over the document (the
ASCII-lowered copy for `i` patterns), trying each occurrence, overlapping ones
included, until one satisfies the `b` word-boundary rule. Slow (patterns x docs
finds) but independent of any Aho-Corasick engine: used by crosscheck.sh
--reference as a third opinion.

usage: reference.py PATTERNS_FILE DOCS_FILE OUT_FILE
writes `doc_index<TAB>pattern_id` lines, sorted numerically.
"""
import sys

WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def lines(path):
    data = open(path, "rb").read().split(b"\n")
    if data and data[-1] == b"":
        data.pop()
    return data


def main(pfile, dfile, out):
    pats = []
    for line in lines(pfile):
        if line.endswith(b"\r"):
            line = line[:-1]
        flags, _, kw = line.partition(b"\t")
        ci = b"i" in flags
        pats.append((kw.lower() if ci else kw, ci, b"b" in flags))
    res = []
    for di, doc in enumerate(lines(dfile)):
        low = doc.lower()  # bytes.lower(): ASCII A-Z only
        n = len(doc)
        for pid, (kw, ci, wb) in enumerate(pats):
            text = low if ci else doc
            s = text.find(kw)
            while s >= 0:
                e = s + len(kw)
                if not wb or ((s == 0 or doc[s - 1] not in WORD) and (e == n or doc[e] not in WORD)):
                    res.append((di, pid))
                    break
                s = text.find(kw, s + 1)
    with open(out, "w") as w:
        w.writelines(f"{d}\t{p}\n" for d, p in res)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
