#!/usr/bin/env python3
"""One bench/run.sh pass of the Lucene Monitor peer, with its tag agreement.

usage: bench_run.py --rules DIR --docs DOCS.txt --ours TAGS.jsonl --work DIR
                    [--limit N] [-- PEER_ARGS...]

  --docs    the bench docs file (bench_data: normalized title TAB normalized
            body per line): run as `--format text --html-strip no`
  --ours    newsflow's tags of the same documents, line i = document i
            ({"doc_index", "tags"}; bench_data writes tags-cls.jsonl)
  --limit   only the first N documents (quick mode); 0 = all
  --work    scratch directory (the docs subset, the peer's tag dump)
  PEER_ARGS passed to run.sh (e.g. --warmup 1 --iterations 2)

Runs the peer (timed passes, then its untimed --dump-tags pass), then
compare_tags.py on its dump against --ours, and prints the peer's JSON with
the agreement added: agreement_jaccard / _precision / _recall (over distinct
(document, tag) pairs, newsflow's as the reference), pairs_ours,
pairs_lucene, pairs_both, docs_differing, docs_limit, and up to 8
agreement_examples ({doc_index, only_ours, only_lucene, text: the first 160
characters of the document}). Exit status: the peer's, or 1 if the
comparison fails.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def head(src, dst, n):
    with open(src, "rb") as f, open(dst, "wb") as w:
        for i, line in enumerate(f):
            if n and i >= n:
                break
            w.write(line)


def main():
    argv = sys.argv[1:]
    peer_args = []
    if "--" in argv:
        k = argv.index("--")
        argv, peer_args = argv[:k], argv[k + 1:]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--docs", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args(argv)
    os.makedirs(a.work, exist_ok=True)
    docs, ours = a.docs, a.ours
    if a.limit:
        docs = os.path.join(a.work, "docs.txt")
        ours = os.path.join(a.work, "ours.jsonl")
        head(a.docs, docs, a.limit)
        head(a.ours, ours, a.limit)
    with open(docs, "rb") as f:
        n_docs = sum(1 for _ in f)
    dump = os.path.join(a.work, "lucene-tags.tsv")
    p = subprocess.run([os.path.join(HERE, "run.sh"), "--rules", a.rules, "--docs", docs, "--format", "text",
                        "--html-strip", "no", "--dump-tags", dump] + peer_args, stdout=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(p.returncode)
    result = json.loads(p.stdout)
    c = subprocess.run([sys.executable, os.path.join(HERE, "compare_tags.py"), ours, dump, "--docs", str(n_docs),
                        "--examples", "8"], stdout=subprocess.PIPE)
    if c.returncode != 0:
        sys.exit(1)
    cmp = json.loads(c.stdout)
    o = cmp["overall"]
    union = o["ours"] + o["lucene"] - o["both"]
    result.update({
        "docs_limit": a.limit or None,
        "pairs_ours": o["ours"], "pairs_lucene": o["lucene"], "pairs_both": o["both"],
        "agreement_jaccard": o["both"] / union if union else 1.0,
        "agreement_precision": o["both"] / o["lucene"] if o["lucene"] else 1.0,
        "agreement_recall": o["both"] / o["ours"] if o["ours"] else 1.0,
        "docs_differing": n_docs - cmp["docs_with_equal_tag_sets"],
    })
    want = {e["doc_index"] for e in cmp["examples"]}
    texts = {}
    with open(docs, encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f):
            if i in want:
                texts[i] = line.rstrip("\n").replace("\t", " | ")[:160]
    result["agreement_examples"] = [dict(e, text=texts.get(e["doc_index"], "")) for e in cmp["examples"]]
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
