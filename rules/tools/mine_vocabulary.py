#!/usr/bin/env python3
"""Mine candidate keywords for cluster:/theme: tags from the corpus (issue 12).

A term is a candidate for tag T when, across the corpus, the documents that
contain it are mostly documents the rules already tag T (it co-occurs with
T's keywords), and it also occurs in documents the rules do not tag T: those
are what the term would add.  Candidates are only proposals; each one is
accepted or rejected by reading the documents it would add
(rules/vocabulary/review.tsv), and only accepted terms go into
rules/sets/vocabulary.yaml.

Input: the stored documents of a run over the corpus, as `newsflow query
--json --limit 0` prints them (title, body, tags, time), and the rule files
(T's own keywords are not proposed again, nor any n-gram inside or around
one of them).

Held-out text is never mined: documents dated in held-out set 2's window
(2026-07-16 .. 2026-07-31, every feed), every key of a gold_holdout*.jsonl,
and every copy of a held-out item in another feed (a document of the same
story, as the run assigned it, or with the same title up to spaces and
punctuation) are dropped before counting, so neither their statistics nor
their text can reach a candidate or a review sample. `--write-corpus PATH`
writes what is left (the same JSON lines), which is the only file a review
may read.

  newsflow run -q --source file:all3.jsonl --db D     # with story ids
  newsflow query --db D --json --limit 0 > tagged.jsonl
  rules/tools/mine_vocabulary.py tagged.jsonl --out candidates.json --write-corpus reviewable.jsonl

Deterministic: the same input gives the same candidates, samples included
(samples are the first documents in key order).
"""
import argparse
import collections
import glob
import json
import os
import re
import sys

import yaml

from vocabulary_review import review_lines, rule_files

CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
HELDOUT2_FROM = "2026-07-16"
HELDOUT2_TO = "2026-07-31"


def rule_keywords(rules_dir):
    """tag -> set of keyword strings (any/all/regex literals), every rule of the tag."""
    out = collections.defaultdict(set)
    for path in rule_files(rules_dir):
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=yaml.BaseLoader) or {}  # every scalar a string, as yaml-cpp reads it
        for rule in doc.get("rules") or []:
            kws = list(rule.get("any") or [])
            for group in rule.get("all") or []:
                kws.extend(group)
            for kw in kws:
                out[rule["tag"]].add(kw["kw"] if isinstance(kw, dict) else str(kw))
    return out


def heldout_items(gold_dir):
    """Keys and normalized titles of every held-out item."""
    keys, titles = set(), set()
    for path in sorted(glob.glob(os.path.join(gold_dir, "gold_holdout*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    g = json.loads(line)
                    keys.add(g["key"])
                    t = title_key(g.get("title") or "", g.get("body") or "")
                    if t:
                        titles.add(t)
    return keys, titles


NOT_TITLE = re.compile(r"[\s\W_]+")
BRACKET = re.compile(r"^\s*【([^】]*)】")


def title_key(title, body):
    """The title (or a body's 【…】 headline) without spaces and punctuation; '' when under 6 characters."""
    if not title.strip():
        m = BRACKET.match(body)
        title = m.group(1) if m else ""
    t = NOT_TITLE.sub("", title)
    return t if len(t) >= 6 else ""


def grams(text, lo, hi):
    out = set()
    for run in CJK_RUN.findall(text):
        n = len(run)
        for size in range(lo, hi + 1):
            for i in range(n - size + 1):
                out.add(run[i:i + size])
    return out


def occurrences(texts, term):
    """(text, index) of every occurrence of the term, overlapping ones included."""
    for text in texts:
        i = text.find(term)
        while i >= 0:
            yield text, i
            i = text.find(term, i + 1)


def dominant_neighbour_share(texts, term):
    """Largest share of one character to the left and to the right of the term's occurrences.

    A word is followed and preceded by many different characters; a fragment
    of a longer word (空航 of 航空航天) by mostly the same one."""
    left, right = collections.Counter(), collections.Counter()
    for text, i in occurrences(texts, term):
        left[text[i - 1] if i > 0 else "^"] += 1
        j = i + len(term)
        right[text[j] if j < len(text) else "$"] += 1
    def share(c):
        total = sum(c.values())
        return max(c.values()) / total if total else 1.0
    return share(left), share(right)


COMPANY_SUFFIXES = ("科技", "股份", "集团", "公司", "控股", "电子", "药业", "医药", "智能", "技术", "实业", "证券", "银行")


def company_stem_share(texts, term):
    """Share of the term's occurrences followed by a company suffix (宇树 in 宇树科技)."""
    n = stems = 0
    for text, i in occurrences(texts, term):
        n += 1
        stems += text.startswith(COMPANY_SUFFIXES, i + len(term))
    return stems / n if n else 0.0


def reviewed_terms(paths):
    return {(r.tag, r.term) for path in paths for r in review_lines(path)}


def context(text, term, width=40):
    i = text.find(term)
    if i < 0:
        return ""
    return text[max(0, i - width):i] + "[" + term + "]" + text[i + len(term):i + len(term) + width]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tagged", help="query --json output of a run over the corpus")
    ap.add_argument("--rules", default="rules/sets")
    ap.add_argument("--gold-dir", default="tests/eval", help="where gold_holdout*.jsonl are (their keys are dropped)")
    ap.add_argument("--min-len", type=int, default=2)
    ap.add_argument("--max-len", type=int, default=5)
    ap.add_argument("--min-tagged", type=int, default=6, help="documents tagged T that contain the term")
    ap.add_argument("--min-purity", type=float, default=0.5, help="share of the term's documents tagged T")
    ap.add_argument("--min-new", type=int, default=3, help="documents with the term not tagged T")
    ap.add_argument("--max-neighbour-share", type=float, default=0.5,
                    help="a term whose left or right neighbour is one character this often is a fragment")
    ap.add_argument("--max-company-stem", type=float, default=0.3,
                    help="a term followed by 科技/股份/集团/... this often is a company's name")
    ap.add_argument("--rank", choices=["gain", "purity"], default="gain",
                    help="gain: documents added x purity; purity: purity first (fewer, surer terms)")
    ap.add_argument("--skip-reviewed", nargs="*", default=[], help="review TSVs whose (tag, term) are not proposed again")
    ap.add_argument("--per-tag", type=int, default=12)
    ap.add_argument("--samples", type=int, default=6, help="untagged documents shown per candidate")
    ap.add_argument("--out", required=True)
    ap.add_argument("--write-corpus", help="write the documents left after the held-out drop (for reviewers)")
    args = ap.parse_args()

    keywords = rule_keywords(args.rules)
    reviewed = reviewed_terms(args.skip_reviewed)
    drop, drop_titles = heldout_items(args.gold_dir)
    with open(args.tagged, encoding="utf-8") as f:
        stored = [(line, json.loads(line)) for line in f]
    drop_stories = {d["story"] for _, d in stored if d["key"] in drop and d.get("story")}
    docs = []
    dropped = 0
    kept_lines = []
    for line, d in stored:
        day = d.get("time", "")[:10]
        if (d["key"] in drop or HELDOUT2_FROM <= day <= HELDOUT2_TO or d.get("story") in drop_stories
                or title_key(d.get("title") or "", d.get("body") or "") in drop_titles):
            dropped += 1
            continue
        kept_lines.append(line)
        text = (d.get("title") or "") + "\n" + (d.get("body") or "")
        tags = {t for t in d.get("tags", []) if t.startswith(("cluster:", "theme:"))}
        docs.append((d["key"], text, tags))
    docs.sort(key=lambda x: x[0])
    if args.write_corpus:
        with open(args.write_corpus, "w", encoding="utf-8") as f:
            f.writelines(kept_lines)
    print(f"mine_vocabulary: {len(docs)} documents ({dropped} held-out ones dropped)", file=sys.stderr)

    # Pass 1: n-gram document frequency inside each tag's documents.
    tagged_df = collections.defaultdict(collections.Counter)
    tag_docs = collections.Counter()
    doc_grams = []
    for key, text, tags in docs:
        g = grams(text, args.min_len, args.max_len) if tags else None
        doc_grams.append(g)
        for t in tags:
            tag_docs[t] += 1
            tagged_df[t].update(g)
    wanted = set()
    for t, counter in tagged_df.items():
        for g, n in counter.items():
            if n >= args.min_tagged:
                wanted.add(g)
    # Pass 2: document frequency over all documents, for the wanted n-grams only.
    all_df = collections.Counter()
    holders = collections.defaultdict(list)  # gram -> indexes of documents containing it
    for i, (key, text, tags) in enumerate(docs):
        g = doc_grams[i] if doc_grams[i] is not None else grams(text, args.min_len, args.max_len)
        hit = g & wanted
        all_df.update(hit)
        for x in hit:
            holders[x].append(i)

    result = {"documents": len(docs), "heldout_dropped": dropped, "tags": {}}
    for t in sorted(tagged_df):
        if not t.startswith(("cluster:", "theme:")):
            continue
        own = keywords.get(t, set())
        cands = []
        for g, n in tagged_df[t].items():
            if n < args.min_tagged:
                continue
            total = all_df[g]
            new = total - n
            purity = n / total
            if purity < args.min_purity or new < args.min_new:
                continue
            if any(g in k or k in g for k in own):
                continue
            if (t, g) in reviewed:
                continue
            cands.append((new * purity if args.rank == "gain" else (round(purity, 2), new), g, n, total))
        cands.sort(key=lambda c: (-c[0], c[1]) if args.rank == "gain" else (-c[0][0], -c[0][1], c[1]))
        chosen = []
        covered = set()
        for score, g, n, total in cands:
            new_docs = [i for i in holders[g] if t not in docs[i][2]]
            fresh = [i for i in new_docs if i not in covered]
            # a term whose added documents another kept term already adds is a fragment of it
            if len(fresh) < max(args.min_new, len(new_docs) // 2):
                continue
            if any(g in c["term"] or c["term"] in g for c in chosen):
                continue
            lshare, rshare = dominant_neighbour_share((docs[i][1] for i in holders[g]), g)
            if max(lshare, rshare) > args.max_neighbour_share:
                continue
            if company_stem_share((docs[i][1] for i in holders[g]), g) > args.max_company_stem:
                continue
            covered.update(new_docs)
            chosen.append({
                "term": g,
                "tagged": n,
                "documents": total,
                "purity": round(n / total, 3),
                "adds": len(new_docs),
                "samples": [{"key": docs[i][0], "tags": sorted(docs[i][2]), "context": context(docs[i][1], g)}
                            for i in new_docs[:args.samples]],
            })
            if len(chosen) >= args.per_tag:
                break
        result["tags"][t] = {"tagged_documents": tag_docs[t], "candidates": chosen}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    n = sum(len(v["candidates"]) for v in result["tags"].values())
    print(f"mine_vocabulary: {n} candidates for {len(result['tags'])} tags -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
