#!/usr/bin/env python3
"""Validate a same-story pairs file (pairs_dev.jsonl, pairs_holdout.jsonl or a
candidates file written by sample_pairs.py). Checks, per line:

  * the line is a JSON object with exactly the keys
    pair_id, stratum, a, b, similarity, label, note
    and a/b each with exactly key, feed, time, title, body;
  * label is "same" or "different" (or null only with --candidates), note is
    a string (non-empty when labelled);
  * stratum is one of sample_pairs.STRATA;
  * a.key != b.key, key prefix == feed, a.time <= b.time, b.time - a.time <= 24 h;
  * key, time, title and body are identical to the corpus item (first
    occurrence of the key in the feed file, as sample_pairs.py reads it;
    string equality of the decoded JSON = byte equality of the UTF-8 text);
  * both items lie inside the split window named by the pair_id prefix
    (a later draw's prefix carries its number: dev2-0001 is a dev pair,
    holdout2-0001 a holdout pair) ("dev-" / "holdout-");
  * similarity equals the Jaccard recomputed with sample_pairs.py (+-1e-4);
and, over the file: no duplicate pair_id, no duplicate pair (unordered key
pair), no item used twice. Finally, no item may appear in two of
tests/story/pairs_dev.jsonl, pairs_holdout.jsonl, pairs_holdout2.jsonl and
pairs_holdout3.jsonl, nor in pairs_dev.jsonl and pairs_holdout_candidates.jsonl
(whichever of them exist; a candidates file is a draft of a held-out draw and
may repeat it).

Prints counts per stratum x label. Exit status 0 when everything holds, 1
otherwise.

Usage: validate_pairs.py [--candidates] [--corpus DIR] [FILE ...]
       (--corpus defaults to $NEWSFLOW_CORPUS_DIR, else ../shared/corpus)
       (default FILE: tests/story/pairs_dev.jsonl)
"""
import argparse
import collections
import gzip
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ in the tree
import sample_pairs as sp  # noqa: E402

STORY = os.path.normpath(os.path.join(HERE, ".."))
DEV = os.path.join(STORY, "pairs_dev.jsonl")
HOLDOUTS = [os.path.join(STORY, "pairs_holdout.jsonl"),
            os.path.join(STORY, "pairs_holdout2.jsonl"),
            os.path.join(STORY, "pairs_holdout3.jsonl"),
            os.path.join(STORY, "pairs_holdout_candidates.jsonl")]

PAIR_KEYS = {"pair_id", "stratum", "a", "b", "similarity", "label", "note"}
ITEM_KEYS = {"key", "feed", "time", "title", "body"}
STRATA = {s[0] for s in sp.STRATA}


def load_corpus(corpus, wanted):
    """{key: (time, title, body)} for the wanted keys, first occurrence wins."""
    out = {}
    for feed, fname, kf, bf, tf in sp.FEEDS:
        with gzip.open(os.path.join(corpus, fname), "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                key = "%s:%s" % (feed, r[kf])
                if key in wanted and key not in out:
                    out[key] = (sp.item_time(feed, r[tf]), r.get("title") or "", r.get(bf) or "")
    return out


def read_pairs(path, errors):
    pairs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                p = json.loads(line)
            except ValueError as e:
                errors.append("%s:%d: not JSON (%s)" % (path, n, e))
                continue
            pairs.append((n, p))
    return pairs


def split_bounds(split):
    import calendar
    lo, hi = sp.SPLITS[split]
    return calendar.timegm(lo.timetuple()), calendar.timegm(hi.timetuple())


def check_file(path, corpus, candidates, errors):
    pairs = read_pairs(path, errors)
    wanted = set()
    for n, p in pairs:
        for side in ("a", "b"):
            it = p.get(side)
            if isinstance(it, dict) and isinstance(it.get("key"), str):
                wanted.add(it["key"])
    items = load_corpus(corpus, wanted)

    ids, unordered, used = set(), set(), collections.Counter()
    counts = collections.Counter()
    for n, p in pairs:
        where = "%s:%d" % (path, n)
        if not isinstance(p, dict) or set(p) != PAIR_KEYS:
            errors.append("%s: keys %s != %s" % (where, sorted(p) if isinstance(p, dict) else p, sorted(PAIR_KEYS)))
            continue
        pid = p["pair_id"]
        if not isinstance(pid, str) or "-" not in pid:
            errors.append("%s: bad pair_id %r" % (where, pid))
            continue
        if pid in ids:
            errors.append("%s: duplicate pair_id %s" % (where, pid))
        ids.add(pid)
        split = pid.split("-", 1)[0].rstrip("0123456789")  # "dev2-0001": the second dev draw
        if split not in sp.SPLITS:
            errors.append("%s: pair_id %s does not name a split" % (where, pid))
            continue
        t_lo, t_hi = split_bounds(split)
        if p["stratum"] not in STRATA:
            errors.append("%s: unknown stratum %r" % (where, p["stratum"]))
        label = p["label"]
        if label is None:
            if not candidates:
                errors.append("%s: unlabelled pair %s" % (where, pid))
        elif label not in ("same", "different"):
            errors.append("%s: bad label %r" % (where, label))
        if not isinstance(p["note"], str) or (label is not None and not p["note"].strip()):
            errors.append("%s: note must be a non-empty string for a labelled pair" % where)
        counts[(p["stratum"], label)] += 1
        ok = True
        for side in ("a", "b"):
            it = p[side]
            if not isinstance(it, dict) or set(it) != ITEM_KEYS:
                errors.append("%s: %s keys != %s" % (where, side, sorted(ITEM_KEYS)))
                ok = False
                continue
            key = it["key"]
            if not isinstance(key, str) or key.split(":", 1)[0] != it["feed"]:
                errors.append("%s: %s key %r does not match feed %r" % (where, side, key, it["feed"]))
                ok = False
                continue
            ref = items.get(key)
            if ref is None:
                errors.append("%s: %s key %s not in corpus" % (where, side, key))
                ok = False
                continue
            if it["time"] != ref[0]:
                errors.append("%s: %s %s time %r != corpus %r" % (where, side, key, it["time"], ref[0]))
            if it["title"] != ref[1]:
                errors.append("%s: %s %s title differs from corpus" % (where, side, key))
            if it["body"] != ref[2]:
                errors.append("%s: %s %s body differs from corpus" % (where, side, key))
            if not (t_lo <= ref[0] < t_hi):
                errors.append("%s: %s %s outside split %s" % (where, side, key, split))
            used[key] += 1
        if not ok:
            continue
        a, b = p["a"], p["b"]
        if a["key"] == b["key"]:
            errors.append("%s: a and b are the same item" % where)
        if not (a["time"] <= b["time"] and b["time"] - a["time"] <= sp.WINDOW):
            errors.append("%s: times not ordered or more than 24 h apart" % where)
        pair = tuple(sorted((a["key"], b["key"])))
        if pair in unordered:
            errors.append("%s: duplicate pair %s" % (where, pair))
        unordered.add(pair)
        ga = sp.normalise(a["title"] + a["body"])
        gb = sp.normalise(b["title"] + b["body"])
        sa = frozenset(ga[i:i + 2] for i in range(len(ga) - 1))
        sb = frozenset(gb[i:i + 2] for i in range(len(gb) - 1))
        if not isinstance(p["similarity"], (int, float)) or abs(sp.jaccard(sa, sb) - p["similarity"]) > 1e-4:
            errors.append("%s: similarity %r != recomputed %.4f" % (where, p["similarity"], sp.jaccard(sa, sb)))
    for key, c in used.items():
        if c > 1:
            errors.append("%s: item %s used in %d pairs" % (path, key, c))
    return pairs, counts, set(used)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", default=[DEV])
    ap.add_argument("--candidates", action="store_true",
                    help="allow label null (unlabelled candidate files)")
    ap.add_argument("--corpus", default=sp.DEFAULT_CORPUS,
                    help="the shared corpus (default: $NEWSFLOW_CORPUS_DIR, else ../shared/corpus)")
    args = ap.parse_args()
    missing = [f for _, f, *_ in sp.FEEDS if not os.path.isfile(os.path.join(args.corpus, f))]
    if missing:
        sys.exit("validate_pairs.py: needs the shared corpus (../shared/corpus beside the clone, "
                 "$NEWSFLOW_CORPUS_DIR or --corpus DIR); absent in %s: %s" % (args.corpus, ", ".join(missing)))
    errors = []
    item_sets = {}
    for path in args.files:
        pairs, counts, used = check_file(path, args.corpus, args.candidates, errors)
        item_sets[os.path.abspath(path)] = used
        labels = collections.Counter()
        print("%s: %d pairs, %d items" % (path, len(pairs), len(used)))
        for stratum in [s[0] for s in sp.STRATA]:
            row = {lab: c for (s, lab), c in counts.items() if s == stratum}
            if row:
                print("  %-15s %s" % (stratum, "  ".join("%s=%d" % (k, v) for k, v in sorted(row.items(), key=str))))
            for lab, c in row.items():
                labels[lab] += c
        print("  %-15s %s" % ("total", "  ".join("%s=%d" % (k, v) for k, v in sorted(labels.items(), key=str))))

    # The labelled sets (dev and the held-out draws) must not share an item;
    # a candidates file (a draft of a held-out draw, which may repeat that
    # draw's items) must not share one with dev.
    labelled = [f for f in [DEV] + HOLDOUTS if os.path.exists(f) and not f.endswith("_candidates.jsonl")]
    candidates = [f for f in HOLDOUTS if os.path.exists(f) and f.endswith("_candidates.jsonl")]
    items_of = {}
    for f in labelled + candidates:
        items_of[f] = item_sets.get(os.path.abspath(f))
        if items_of[f] is None:
            items_of[f] = check_file(f, args.corpus, True, [])[2]
    checks = [(x, y) for i, x in enumerate(labelled) for y in labelled[i + 1:]]
    if DEV in labelled:
        checks += [(DEV, c) for c in candidates]
    for x, y in checks:
        shared = items_of[x] & items_of[y]
        if shared:
            errors.append("%d items shared between %s and %s, e.g. %s"
                          % (len(shared), x, y, sorted(shared)[:3]))
        else:
            print("no item shared between %s and %s" % (os.path.basename(x), os.path.basename(y)))

    for e in errors[:200]:
        print("ERROR", e)
    if errors:
        print("%d error(s)" % len(errors))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
