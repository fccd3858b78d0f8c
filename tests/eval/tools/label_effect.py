#!/usr/bin/env python3
"""What the feed-label table (rules/sets/labels.yaml) would change on the
DEVELOPMENT gold sets, before the C++ loader understands it.

Per item:
  before = the keyword rules' tags, recovered from
           `newsflow eval --gold FILE --json --rules RULES` (RULES without
           labels.yaml): gold tags minus its FN misses plus its FP misses;
  label score of a tag = the sum of the weights of the distinct table entries
           (field, name) that match the item's `feed_labels` (written by
           attach_labels.py) and list the tag;
  after  = before + every tag whose label score is >= 1.0.
(The C++ evaluation adds label weights to the best rule's keyword score and
lets a `not` keyword of the tag's rules veto a label-only tag; this script
models neither, it measures the label-only additions the brief asks for.)

Prints micro P/R/F1 before and after for the families cluster+theme (together)
and region, overall and per feed; then, per table entry, the false positives
and true positives it adds (an added tag is charged to every entry that
contributed to its label score), with the items.

Held-out files are refused: gold_holdout*.jsonl must never be measured for
tuning.

--corpus-review: no gold, no P/R. Tags every ths and cls item of the shared
corpus with the keyword rules (through `newsflow eval` on a temporary file of
all items with empty gold) and lists, per combination of table entries, the
items where the labels alone would add a tag, with a few titles. The dev sets
cannot show what the table adds (the rules were tuned on them, their recall
is ~0.98), so this is where an entry's loose use shows up.

Usage: label_effect.py [--labels YAML] [--rules DIR] [--newsflow BIN] [-v] [GOLD...]
       label_effect.py --corpus-review [--corpus DIR] [--samples N] [--labels YAML] [--rules DIR]
  (default GOLD: tests/eval/gold_part_{a,b,c}.jsonl)
"""
import argparse, collections, json, os, random, subprocess, sys, tempfile

import yaml

from feed_items import DEFAULT_CORPUS, read_feed, title_body

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(EVAL))
DEV = [os.path.join(EVAL, f"gold_part_{p}.jsonl") for p in "abc"]
FAMILIES = (("cluster+theme", ("cluster:", "theme:")), ("region", ("region:",)))
THRESHOLD = 1.0
RULESET = set()  # rule-set versions newsflow eval reported


def load_table(path):
    """{(field, name): (tags, weight)} from a labels.yaml, with basic checks."""
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    table = {}
    for e in doc.get("labels") or []:
        key = (e["field"], e["name"])
        if key in table:
            sys.exit(f"{path}: duplicate entry {key}")
        table[key] = (list(e["tags"]), float(e.get("weight", 1.0)))
    return table


def rule_predictions(newsflow, rules, gold_path, items):
    """{key: set(tags)} the keyword rules emit, from eval --json misses."""
    out = subprocess.run([newsflow, "eval", "--gold", gold_path, "--json", "--rules", rules],
                         capture_output=True, text=True, errors="replace")
    if out.returncode not in (0, 1) or not out.stdout.strip():
        sys.exit(f"newsflow eval failed on {gold_path}:\n{out.stderr}")
    res = json.loads(out.stdout)
    RULESET.add(res.get("ruleset_version", "?"))
    pred = {d["key"]: {l["tag"] for l in d["labels"]} for d in items}
    for m in res["misses"]:
        if m["kind"] == "FN":
            pred[m["key"]].discard(m["tag"])
        elif m["kind"] == "FP":
            pred[m["key"]].add(m["tag"])
    return pred


def label_scores(table, feed_labels):
    """({tag: score}, {tag: [entries]}) for one item's feed labels."""
    score, why = collections.defaultdict(float), collections.defaultdict(list)
    for entry in dict.fromkeys((l["field"], l["name"]) for l in feed_labels):
        if entry in table:
            tags, w = table[entry]
            for t in tags:
                score[t] += w
                why[t].append(entry)
    return score, why


class Counts:
    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def add(self, gold, pred):
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)

    def prf(self):
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


def fam_of(tag):
    for name, prefixes in FAMILIES:
        if tag.startswith(prefixes):
            return name
    return None


def feed_labels_of(feed, d):
    """(field, name) pairs of one raw record, as attach_labels.py reads them."""
    if feed == "ths":
        return [("ths.tagInfo", t.get("name")) for t in d.get("tagInfo") or []]
    return ([("cls.subjects", s.get("subject_name")) for s in d.get("subjects") or []] +
            [("cls.plate_list", p.get("name")) for p in d.get("plate_list") or []])


def corpus_review(args, table):
    """Label-only additions over the whole ths + cls corpus, grouped by the entries behind them."""
    items, labels = [], {}
    for feed in ("ths", "cls"):
        for key, d in read_feed(args.corpus, feed):
            title, body = title_body(feed, d)
            items.append({"key": key, "feed": feed, "title": title, "body": body, "labels": []})
            labels[key] = [{"field": f, "name": n} for f, n in feed_labels_of(feed, d)]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as tmp:
        for d in items:
            tmp.write(json.dumps(d, ensure_ascii=False) + "\n")
    try:
        pred = rule_predictions(args.newsflow, args.rules, tmp.name, items)
    finally:
        os.unlink(tmp.name)
    groups = collections.defaultdict(list)
    for d in items:
        score, why = label_scores(table, labels[d["key"]])
        for t, s in score.items():
            if s >= THRESHOLD - 1e-9 and t not in pred[d["key"]]:
                groups[(t, tuple(sorted(n for _, n in why[t])))].append(d)
    total = sum(len(v) for v in groups.values())
    print(f"{len(items)} ths+cls items, rule set {', '.join(sorted(RULESET))}; "
          f"the table alone adds {total} tags the keyword rules do not emit:")
    rnd = random.Random(1)
    for (t, names), ds in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"{len(ds):5d}  {t}  <- {' + '.join(names)}")
        for d in rnd.sample(ds, min(args.samples, len(ds))):
            print(f"         {d['key']} {(d['title'] or d['body'])[:60]}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("gold", nargs="*")
    ap.add_argument("--labels", default=os.path.join(REPO, "rules", "sets", "labels.yaml"))
    ap.add_argument("--rules", default=os.path.join(REPO, "rules", "sets"), help="rules dir WITHOUT labels.yaml")
    ap.add_argument("--newsflow", default=os.path.join(REPO, "build", "newsflow"))
    ap.add_argument("-v", "--verbose", action="store_true", help="list every added tag, not only FPs")
    ap.add_argument("--corpus-review", action="store_true", help="label-only additions on the raw corpus (no gold)")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--samples", type=int, default=3, help="--corpus-review: titles shown per group")
    args = ap.parse_args()
    paths = args.gold or DEV
    for p in paths:
        if os.path.basename(p).startswith("gold_holdout"):
            sys.exit(f"refusing {p}: held-out sets are not measured for tuning")
    if os.path.exists(os.path.join(args.rules, "labels.yaml")):
        sys.exit(f"{args.rules} contains labels.yaml: 'before' must be the keyword rules alone")
    table = load_table(args.labels)
    if args.corpus_review:
        return corpus_review(args, table)

    counts = collections.defaultdict(Counts)  # (when, feed or "all", family) -> counts
    per_entry = collections.defaultdict(lambda: {"FP": [], "TP": []})
    added = {"FP": 0, "TP": 0}
    n_items = 0
    for path in paths:
        items = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
        n_items += len(items)
        if any("feed_labels" not in d for d in items):
            sys.exit(f"{path}: items without feed_labels: run attach_labels.py first")
        pred = rule_predictions(args.newsflow, args.rules, path, items)
        for d in items:
            gold = {l["tag"] for l in d["labels"]}
            before = {t for t in pred[d["key"]] if fam_of(t)}
            score, why = label_scores(table, d["feed_labels"])
            after = before | {t for t, s in score.items() if s >= THRESHOLD - 1e-9}
            for fam, _ in FAMILIES:
                g = {t for t in gold if fam_of(t) == fam}
                for when, p in (("before", before), ("after", after)):
                    p = {t for t in p if fam_of(t) == fam}
                    counts[(when, "all", fam)].add(g, p)
                    counts[(when, d["feed"], fam)].add(g, p)
            for t in sorted(after - before):
                kind = "TP" if t in gold else "FP"
                added[kind] += 1
                for e in why[t]:
                    per_entry[e][kind].append((t, d["key"], d["title"][:40]))

    feeds = sorted({k[1] for k in counts if k[1] != "all"})
    print(f"{n_items} items from {', '.join(os.path.basename(p) for p in paths)}; "
          f"{len(table)} table entries; rules {args.rules} (rule set {', '.join(sorted(RULESET))}); "
          f"label-only additions: {added['TP']} TP, {added['FP']} FP\n")
    print(f"{'feed':10} {'family':14} {'before P/R/F1':>22}   {'after P/R/F1':>22}   {'dF1':>7}  tp/fp/fn before -> after")
    for feed in ["all"] + feeds:
        for fam, _ in FAMILIES:
            b, a = counts[("before", feed, fam)], counts[("after", feed, fam)]
            if not (b.tp + b.fp + b.fn + a.fp):
                continue
            pb, pa = b.prf(), a.prf()
            print(f"{feed:10} {fam:14} {pb[0]:6.3f} {pb[1]:6.3f} {pb[2]:6.3f}   {pa[0]:6.3f} {pa[1]:6.3f} {pa[2]:6.3f}   "
                  f"{pa[2] - pb[2]:+7.3f}  {b.tp}/{b.fp}/{b.fn} -> {a.tp}/{a.fp}/{a.fn}")

    print("\nentries that caused false positives (label-only tags not in gold):")
    rows = sorted(per_entry.items(), key=lambda kv: (-len(kv[1]["FP"]), kv[0]))
    any_fp = False
    for (field, name), r in rows:
        if not r["FP"]:
            continue
        any_fp = True
        print(f"  {field} {name}: {len(r['FP'])} FP, {len(r['TP'])} TP")
        for t, key, title in r["FP"]:
            print(f"      FP {t} {key} {title}")
    if not any_fp:
        print("  (none)")
    if args.verbose:
        print("\nentries that added true positives:")
        for (field, name), r in rows:
            for t, key, title in r["TP"]:
                print(f"  {field} {name}: TP {t} {key} {title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
