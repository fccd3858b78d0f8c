#!/usr/bin/env python3
"""Audit the keywords that decide a tag alone, by reading (issue 12).

Most false positives on unseen text rest on one keyword: a document gets tag
T and every evidence span of T is the same keyword K (K "decides" T). Over
the corpus a rare keyword decides a tag in a handful of documents, too few to
turn up in a labelled set of 2,000 items, yet together such keywords make up
much of the error left. This tool reads the corpus at scale instead:

  sample     For every (tag, keyword) pair of a cluster:/theme: tag that
             decides the tag in at least --min-docs documents, draw up to
             --per-pair of them (fixed seed) and write what a reader needs:
             the headline and the text around the keyword's first hit.
             Batches group whole tags, so one reader sees all of a tag.
  collect    Join the batches and the readers' verdicts (y: the document
             deserves the tag, n: it does not, with the wrong sense; ?:
             cannot tell) into one TSV of reads (keys, no text).
  summarize  Rank the pairs by the documents they would tag wrongly in the
             corpus (decisive documents x share read as n).
  fixture    Write the test fixture of the fixes' effect: documents read as
             wrong that the current rules no longer tag, and one read as
             right per pair that they still tag.

Input of `sample`: the reviewable corpus that rules/tools/mine_vocabulary.py
--write-corpus writes (held-out dates, held-out keys and their copies in
other feeds already dropped). Documents of a held-out set given with
--gold (keys, story ids, or the same title up to spaces and punctuation) are
dropped again, so a held-out set drawn after the corpus was written stays
unread.

  rules/tools/keyword_audit.py sample reviewable.jsonl --gold tests/eval/gold_holdout3.jsonl --out DIR
  rules/tools/keyword_audit.py sample reviewable.jsonl ... --only PAIRS.tsv --skip-read DIR --seed 2 --id-prefix r2- --out DIR2
  rules/tools/keyword_audit.py collect DIR [DIR2 ...] --out rules/audit/reads.tsv
  rules/tools/keyword_audit.py collect DIR3 --keep rules/audit/reads.tsv --out rules/audit/reads.tsv
  rules/tools/keyword_audit.py summarize rules/audit/reads.tsv --out rules/audit/keywords.tsv
  rules/tools/keyword_audit.py fixture rules/audit/reads.tsv --tagged tagged.jsonl --out tests/fixtures/keyword_audit_evidence.jsonl

Deterministic: the same corpus gives the same batches.
"""
import argparse
import collections
import glob
import json
import os
import random
import sys

from mine_vocabulary import title_key

SEED = 20261206
CONTEXT = 70  # characters either side of the hit


def held_out(gold_paths, tagged_path):
    keys, titles = set(), set()
    for path in gold_paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    keys.add(d["key"])
                    titles.add(title_key(d["title"], d["body"]))
    titles.discard("")
    stories = set()
    if tagged_path:
        with open(tagged_path, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                if d["key"] in keys and d.get("story"):
                    stories.add(d["story"])
    return keys, titles, stories


def span_keyword(span):
    """A feed label counts as its own evidence ("label:NAME"), never as the keyword of the same name."""
    return "label:" + span["keyword"] if span["field"] == "label" else span["keyword"]


def hit_context(doc, span):
    if span["field"] == "label":
        return f"[[feed label {span['keyword']}]] " + doc["title"][:2 * CONTEXT]
    text = (doc["title"] if span["field"] == "title" else doc["body"]).encode("utf-8")
    before = text[:span["begin"]].decode("utf-8", "ignore")
    hit = text[span["begin"]:span["end"]].decode("utf-8", "ignore")
    after = text[span["end"]:].decode("utf-8", "ignore")
    return (before[-CONTEXT:] + "[[" + hit + "]]" + after[:CONTEXT]).replace("\n", " ")


def decisive(corpus, keys, titles, stories):
    """(tag, keyword) -> the documents where the keyword alone gives the tag."""
    out = collections.defaultdict(list)
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["key"] in keys or d.get("story") in stories or title_key(d["title"], d["body"]) in titles:
                continue
            by_tag = collections.defaultdict(list)
            for s in d["spans"]:
                by_tag[s["tag"]].append(s)
            for tag, spans in by_tag.items():
                if not tag.startswith(("cluster:", "theme:")) or tag not in d["tags"]:
                    continue
                if len({span_keyword(s) for s in spans}) != 1:
                    continue
                out[(tag, span_keyword(spans[0]))].append({
                    "key": d["key"], "tag": tag, "keyword": span_keyword(spans[0]),
                    "title": d["title"][:120], "context": hit_context(d, spans[0])})
    return out


def read_rows(dirs):
    """(key, tag) of every document an earlier round sampled."""
    out = set()
    for d in dirs:
        for path in glob.glob(os.path.join(d, "batch_*.jsonl")):
            with open(path, encoding="utf-8") as f:
                out.update((r["key"], r["tag"]) for r in map(json.loads, f))
    return out


def sample(args):
    if args.gold and not args.tagged:
        raise SystemExit("--gold needs --tagged: a held-out item's copies in other feeds are found by story id")
    keys, titles, stories = held_out(args.gold, args.tagged)
    pairs = decisive(args.corpus, keys, titles, stories)
    only = None
    if args.only:
        with open(args.only, encoding="utf-8") as f:
            only = {}
            for n, line in enumerate(f, 1):
                cols = line.rstrip("\n").split("\t")
                if not line.strip():
                    continue
                if len(cols) < 2 or (len(cols) > 2 and cols[2].strip() and not cols[2].strip().isdigit()):
                    raise SystemExit(f"{args.only}:{n}: want tag<TAB>keyword[<TAB>documents to read], got {line.strip()!r}")
                only[tuple(cols[:2])] = int(cols[2]) if len(cols) > 2 and cols[2].strip() else args.per_pair
    seen = read_rows(args.skip_read)
    rng = random.Random(args.seed)
    rows = []
    short = []  # (pair, wanted, drawn): a pair with fewer unread documents than asked for
    for pair, docs in sorted(pairs.items()):
        if len(docs) < args.min_docs or (only is not None and pair not in only):
            continue
        total = len(docs)
        docs = sorted((d for d in docs if (d["key"], d["tag"]) not in seen), key=lambda x: x["key"])
        want = args.per_pair if only is None else only[pair]
        if want > len(docs):
            short.append((pair, want, len(docs)))
        for d in rng.sample(docs, min(want, len(docs))):
            rows.append(dict(d, decisive_docs=total))
    for pair in sorted(set(only or ()) - {p for p, d in pairs.items() if len(d) >= args.min_docs}):
        print(f"sample: {pair[0]} {pair[1]}: decides fewer than {args.min_docs} documents now, none drawn",
              file=sys.stderr)
    for (tag, kw), want, got in short:
        print(f"sample: {tag} {kw}: {got} unread decisive documents, {want} asked for", file=sys.stderr)
    by_tag = collections.defaultdict(list)
    for r in rows:
        by_tag[r["tag"]].append(r)
    batches = [[] for _ in range(args.batches)]
    for _, tag_rows in sorted(by_tag.items(), key=lambda x: -len(x[1])):
        min(batches, key=len).extend(tag_rows)
    os.makedirs(args.out, exist_ok=True)
    for i, batch in enumerate(batches):
        with open(os.path.join(args.out, f"batch_{i}.jsonl"), "w", encoding="utf-8") as f:
            for j, r in enumerate(batch):
                r["id"] = f"{args.id_prefix}{i}-{j}"
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts = {f"{t}\t{k}": len(v) for (t, k), v in sorted(pairs.items())}
    with open(os.path.join(args.out, "decisive_counts.json"), "w", encoding="utf-8") as f:
        json.dump(counts, f, ensure_ascii=False, indent=0)
    print(f"{len(rows)} documents of {len({(r['tag'], r['keyword']) for r in rows})} pairs "
          f"in {args.batches} batches; {len(pairs)} pairs decide a tag somewhere")


READS_HEADER = ["id", "key", "tag", "keyword", "decisive_docs", "verdict", "why"]
KEYWORDS_HEADER = ["tag", "keyword", "decisive_docs", "read_y", "read_n", "read_unsure", "est_wrong_docs",
                   "wrong_senses", "keys_read_n"]


def tsv_field(s):
    return str(s).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def read_reads(path):
    """The rows of a reads TSV (collect's output) as dicts by column name."""
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != READS_HEADER:
            raise SystemExit(f"{path}: not a reads TSV")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


def collect(args):
    """Joins each round's batches and the readers' verdicts into one TSV (no text: `sample` redraws it)."""
    out = []
    if args.keep:  # an earlier collect's rows, whose round directories may be gone, stay first
        out = [[r[h] for h in READS_HEADER] for r in read_reads(args.keep)]
    for d in args.dir:
        for path in sorted(glob.glob(os.path.join(d, "batch_*.jsonl"))):
            n = path.rsplit("_", 1)[1].split(".")[0]
            with open(path, encoding="utf-8") as f:
                batch = [json.loads(l) for l in f if l.strip()]
            with open(os.path.join(d, f"verdict_{n}.jsonl"), encoding="utf-8") as f:
                verdicts = [json.loads(l) for l in f if l.strip()]
            if [v["id"] for v in verdicts] != [r["id"] for r in batch]:
                raise SystemExit(f"{d}: verdict_{n}.jsonl does not answer batch_{n}.jsonl row for row")
            for r, v in zip(batch, verdicts):
                if v["v"] not in ("y", "n", "?"):
                    raise SystemExit(f"{v['id']}: verdict {v['v']!r}")
                out.append([r["id"], r["key"], r["tag"], r["keyword"], r["decisive_docs"], v["v"], v.get("why", "")])
    if len({r[0] for r in out}) != len(out):
        raise SystemExit("two rows share an id: give each round its own --id-prefix")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\t".join(READS_HEADER) + "\n")
        for r in out:
            f.write("\t".join(tsv_field(x) for x in r) + "\n")
    print(f"{len(out)} reads -> {args.out}")


def keyword_table(reads_path):
    rows = read_reads(reads_path)
    pairs = collections.defaultdict(list)
    for r in rows:
        pairs[(r["tag"], r["keyword"])].append(r)
    table = []
    for (tag, kw), rs in pairs.items():
        y = sum(r["verdict"] == "y" for r in rs)
        n = sum(r["verdict"] == "n" for r in rs)
        # The latest round's count (rows are in round order: `collect` keeps its directories' order and
        # --keep puts earlier rounds first): the decisive documents of the newest rule set read. The share
        # read "n" pools every round, so a pair whose wrong sense a fix removed is overestimated until
        # it is read again.
        docs = int(rs[-1]["decisive_docs"])
        wrong = docs * n / (y + n) if y + n else 0.0
        whys = collections.Counter(r["why"] for r in rs if r["verdict"] == "n" and r["why"])
        table.append((wrong, tag, kw, docs, y, n, len(rs) - y - n,
                      "; ".join(w for w, _ in whys.most_common(3)),
                      " ".join(r["key"] for r in rs if r["verdict"] == "n")))
    table.sort(key=lambda t: (-t[0], t[1], t[2]))
    lines = ["\t".join(KEYWORDS_HEADER)]
    for wrong, tag, kw, docs, y, n, u, why, nkeys in table:
        lines.append(f"{tag}\t{kw}\t{docs}\t{y}\t{n}\t{u}\t{wrong:.1f}\t{why}\t{nkeys}")
    return "\n".join(lines) + "\n", table


def summarize(args):
    text, table = keyword_table(args.reads)
    if args.check:
        with open(args.out, encoding="utf-8") as f:
            if f.read() != text:
                raise SystemExit(f"{args.out} is not what {args.reads} gives: run summarize again")
        print(f"{args.out} agrees with {args.reads}")
        return
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    total = sum(t[0] for t in table)
    read = sum(t[4] + t[5] + t[6] for t in table)
    print(f"{len(table)} pairs, {read} documents read; estimated wrongly tagged decisive documents: {total:.0f}")


def fixture(args):
    """Corpus items that show what the fixes did: for each (tag, keyword) pair where a document
    read as wrong lost the tag under the current rules, up to --per-pair such documents, and up
    to one document read as right that keeps it (a fix aimed at one sense keeps the others)."""
    reads = read_reads(args.reads)
    wanted = {r["key"] for r in reads}
    docs = {}
    with open(args.tagged, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["key"] in wanted:
                docs[d["key"]] = d
    by_pair = collections.defaultdict(list)
    for r in sorted(reads, key=lambda r: r["key"]):
        if r["key"] in docs:
            by_pair[(r["tag"], r["keyword"])].append(r)
    out = []
    for (tag, kw), rs in sorted(by_pair.items()):
        lost = [r for r in rs if r["verdict"] == "n" and tag not in docs[r["key"]]["tags"]]
        if not lost:
            continue
        kept = [r for r in rs if r["verdict"] == "y" and tag in docs[r["key"]]["tags"]]
        for r in lost[:args.per_pair] + kept[:1]:
            d = docs[r["key"]]
            out.append({"key": d["key"], "title": d["title"], "body": d["body"],
                        "feed_labels": [{"field": l["field"], "name": l["name"]} for l in d.get("labels", [])],
                        "tag": tag, "keyword": kw, "read": r["verdict"]})
    with open(args.out, "w", encoding="utf-8") as f:
        for o in out:
            f.write(json.dumps(o, ensure_ascii=False) + "\n")
    print(f"{len(out)} items ({sum(o['read'] == 'n' for o in out)} read as wrong) -> {args.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("corpus", help="mine_vocabulary.py --write-corpus output")
    s.add_argument("--gold", nargs="*", default=[], help="held-out gold files whose documents are dropped")
    s.add_argument("--tagged", help="the full query --json output (for the held-out items' story ids)")
    s.add_argument("--min-docs", type=int, default=3)
    s.add_argument("--per-pair", type=int, default=4)
    s.add_argument("--batches", type=int, default=4)
    s.add_argument("--seed", type=int, default=SEED)
    s.add_argument("--only", help="a TSV whose first two columns are the (tag, keyword) pairs to sample; "
                   "an optional third column is that pair's number of documents (default --per-pair)")
    s.add_argument("--skip-read", nargs="*", default=[], help="earlier rounds' directories: their documents are not drawn again")
    s.add_argument("--id-prefix", default="", help="prefix of the row ids (a later round's rows stay distinct)")
    s.add_argument("--out", required=True)
    c = sub.add_parser("collect")
    c.add_argument("dir", nargs="+", help="one directory per round (batch_N.jsonl and verdict_N.jsonl)")
    c.add_argument("--keep", help="an earlier reads TSV whose rows go first (a later round adds to it)")
    c.add_argument("--out", required=True)
    m = sub.add_parser("summarize")
    m.add_argument("reads", help="collect's output")
    m.add_argument("--out", required=True)
    m.add_argument("--check", action="store_true", help="fail unless --out already holds the summary")
    x = sub.add_parser("fixture")
    x.add_argument("reads", help="collect's output")
    x.add_argument("--tagged", required=True, help="query --json of a run with the current rules")
    x.add_argument("--per-pair", type=int, default=2)
    x.add_argument("--out", required=True)
    args = ap.parse_args()
    {"sample": sample, "collect": collect, "summarize": summarize, "fixture": fixture}[args.cmd](args)


if __name__ == "__main__":
    main()
