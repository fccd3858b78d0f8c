#!/usr/bin/env python3
"""Make a Lucene Monitor test set and newsflow's own tags for it.

Takes N items of a corpus (every K-th item, so the sample spans the whole
corpus), runs them through the real pipeline (`newsflow run` into a scratch
RocksDB, then `newsflow query --json`), and writes:

  OUT_DIR/docs.jsonl   {"key", "title", "body"} per line, line i = doc_index i:
                       title = the title newsflow stored (for cls: the 【…】
                       headline when the item has no title), body = the raw
                       body field the decoder used (cls: content, else brief;
                       eastmoney: summary; ths: digest, else short), HTML and
                       all: the peer's analyzer strips HTML itself.
  OUT_DIR/ours.jsonl   {"doc_index", "key", "tags": [...]} newsflow's tags.
  OUT_DIR/docs.txt     the same documents as the peer contract's text file
                       (TITLE<TAB>BODY per line, CR/LF/TAB inside -> space).

usage: make_sample.py [--corpus FILE.jsonl.gz] [--format cls|eastmoney|ths]
                      [--n 3000] [--newsflow build/newsflow] [--rules rules/sets]
                      OUT_DIR
Items that newsflow dead-letters are left out (the count is printed).
"""
import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
BODY = {"cls": ("content", "brief"), "eastmoney": ("summary", None), "ths": ("digest", "short")}
ID = {"cls": "id", "eastmoney": "code", "ths": "id"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "cls-shared.jsonl.gz"))
    ap.add_argument("--format", default=None, help="cls | eastmoney | ths (default: from the file name)")
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--newsflow", default=os.path.join(ROOT, "build", "newsflow"))
    ap.add_argument("--rules", default=os.path.join(ROOT, "rules", "sets"))
    ap.add_argument("out_dir")
    a = ap.parse_args()
    fmt = a.format or next((f for f in BODY if os.path.basename(a.corpus).startswith(f)), None)
    if fmt not in BODY:
        sys.exit("make_sample.py: give --format cls|eastmoney|ths")
    opener = gzip.open if a.corpus.endswith(".gz") else open
    with opener(a.corpus, "rt", encoding="utf-8") as f:
        items = [line for line in f if line.strip()]
    step = max(1, len(items) // a.n)
    picked = items[::step][: a.n]
    os.makedirs(a.out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="lm-sample-")
    try:
        src = os.path.join(tmp, "sample.jsonl")
        with open(src, "w", encoding="utf-8") as w:
            w.writelines(picked)
        db = os.path.join(tmp, "db")
        subprocess.run([a.newsflow, "run", "--source", "file:" + src, "--format", fmt, "--rules", a.rules,
                        "--db", db, "--threads", "1", "-q"], check=True, stdout=sys.stderr)
        q = subprocess.run([a.newsflow, "query", "--db", db, "--limit", "0", "--json"], check=True,
                           capture_output=True, text=True)
        stored = {}
        for line in q.stdout.splitlines():
            d = json.loads(line)
            stored[d["key"]] = d
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    n = 0
    ws = re.compile(r"[\r\n\t]")
    with open(os.path.join(a.out_dir, "docs.jsonl"), "w", encoding="utf-8") as wd, \
            open(os.path.join(a.out_dir, "ours.jsonl"), "w", encoding="utf-8") as wo, \
            open(os.path.join(a.out_dir, "docs.txt"), "w", encoding="utf-8", newline="\n") as wt:
        for line in picked:
            item = json.loads(line)
            key = f"{fmt}:{item.get(ID[fmt])}"
            s = stored.get(key)
            if s is None:
                continue  # dead-lettered
            main_f, fallback = BODY[fmt]
            body = item.get(main_f) or (item.get(fallback) if fallback else "") or ""
            title = s.get("title") or ""
            wd.write(json.dumps({"key": key, "title": title, "body": body}, ensure_ascii=False) + "\n")
            wo.write(json.dumps({"doc_index": n, "key": key, "tags": sorted(s.get("tags") or [])},
                                ensure_ascii=False) + "\n")
            wt.write(ws.sub(" ", title) + "\t" + ws.sub(" ", body) + "\n")
            n += 1
    print(f"{len(picked)} items sampled (every {step}th), {n} stored by newsflow -> {a.out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
