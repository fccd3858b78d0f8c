#!/usr/bin/env python3
"""Draw CANDIDATE same-story pairs for the cross-feed near-duplicate
clustering dev / holdout sets (selection only: this script assigns NO
labels; every label is set later by a reader).

Corpora (read-only, $NEWSFLOW_CORPUS_DIR, else ../shared/corpus beside the clone, by default; --corpus to change):
  cls       cls-shared.jsonl.gz        key "cls:<id>"         time ctime (unix s)
            text = title (often "") + content
  eastmoney eastmoney-shared.jsonl.gz  key "eastmoney:<code>" time showTime
            ("YYYY-MM-DD HH:MM:SS", Beijing time = UTC+8, converted to unix s)
            text = title + summary
  ths       ths-shared.jsonl.gz        key "ths:<id>"         time int(ctime)
            text = title + digest
Items are deduplicated by key (first occurrence in the file wins; eastmoney
re-publishes ~35 codes with a later showTime), and kept only when the text is
non-empty and len(title) + len(body) <= MAX_CHARS (1500) characters.

Splits (by item time, UTC; a pair's two items are always in the same split, so
the dev and holdout sets never share an item):
  dev     = 2026-05-14 00:00:00 .. 2026-06-30 23:59:59 UTC
  holdout = 2026-07-01 00:00:00 .. 2026-07-31 23:59:59 UTC

Similarity (the "similarity" field of every pair): Jaccard of the SETS of
character bigrams of the normalised text. Normalisation (for similarity
only; the output keeps the raw strings): html.unescape, strip HTML tags, drop
the "财联社5月14日电" / "人民财讯5月27日电" dateline, NFKC, lower-case, keep only
CJK ideographs, ASCII letters/digits, "." and "%", then take the bigrams of
title + body.

Candidate pairs: two distinct items of the split, |t_a - t_b| <= 24 h.
  * Similarity candidates come from an inverted index over RARE bigrams
    (document frequency in the split 2..DF_CAP = 1000), walked forward in time
    order inside the 24 h window; a pair is a candidate when it shares at least
    MIN_SHARED = 3 rare bigrams, and then its exact Jaccard is computed.
  * Name anchors: stock / company names taken from the split's cls
    stock_list[].name and ths stock[].name (NFKC, lower-case, >= 3 chars),
    found as substrings of the normalised text of any feed's item.
  * N-gram anchors: CJK-only character 4-grams whose document frequency in the
    split is 2..NGRAM_DF_MAX (= 20) (a proxy for a distinctive name / topic).

Strata (drawn in this order; default sizes for 340 pairs, scaled by --n):
  xfeed_high     35%  different feeds, Jaccard >= 0.5
  xfeed_mid_near 10%  different feeds, 0.15 <= Jaccard < 0.5, |dt| <= 15 min
                      (paraphrased re-reports: the hard positives)
  xfeed_mid      10%  different feeds, 0.15 <= Jaccard < 0.5 (any |dt| <= 24 h)
  within_high   7.5%  same feed, Jaccard >= 0.5
  within_mid    7.5%  same feed, 0.15 <= Jaccard < 0.5
  hardneg_name 12.5%  share a stock/company name, |dt| <= 6 h,
                      0.05 <= Jaccard < 0.3 (any feeds)
  hardneg_ngram 12.5% share a rare CJK 4-gram, |dt| <= 6 h,
                      0.05 <= Jaccard < 0.3 (any feeds)
  random_1h      5%   two items drawn at random with |dt| <= 1 h (any feeds)
Sampling: random.Random(SEED = 20261201) for everything. xfeed_*/within_*:
uniform over the stratum's candidate pairs (candidates sorted, then shuffled).
hardneg_*: anchor first (uniform over the anchors that have at least one
eligible pair), then a pair uniformly among that anchor's eligible pairs.
random_1h: an item uniformly, then a partner uniformly among the split's
other items within +-1 h. Every item is used in at most ONE pair of the
output (a drawn pair that reuses an item is skipped), so no pair is repeated.
The final list is shuffled (same RNG) and numbered "<split>-0001", ...

Output: JSON Lines, one pair per line:
  {"pair_id", "stratum",
   "a": {"key", "feed", "time", "title", "body"},  (a = the earlier item;
   "b": {...},                                      time = unix seconds, UTC)
   "similarity": float (Jaccard, 4 decimals), "label": null, "note": ""}
title/body are the raw feed strings (title + content / summary / digest).

Usage:
  sample_pairs.py --split dev --out tests/story/pairs_dev.jsonl
  sample_pairs.py --split holdout --out tests/story/pairs_holdout_candidates.jsonl
  sample_pairs.py --split dev --seed 20261129 --exclude tests/story/pairs_dev.jsonl \
      --id-prefix dev2 --out /tmp/dev2.jsonl      (a second dev draw, no item reused)
Options: --n TOTAL (default 340), --corpus DIR, --seed SEED, --exclude PAIRS...
(items of those pairs files are never drawn), --id-prefix P (pair ids P-0001...).
Deterministic: the same corpus, split, --n and --seed give the same file.
"""
import argparse
import bisect
import calendar
import collections
import datetime
import gzip
import html
import json
import os
import random
import re
import sys
import time
import unicodedata

SEED = 20261201
MAX_CHARS = 1500
WINDOW = 24 * 3600
HARD_WINDOW = 6 * 3600
RANDOM_WINDOW = 3600
NEAR_WINDOW = 15 * 60
DF_CAP = 1000
MIN_SHARED = 3
SIM_MIN = 0.15      # only pairs at or above this are kept as similarity candidates
NGRAM_DF_MAX = 20
NAME_MIN_LEN = 3

SPLITS = {
    "dev": (datetime.datetime(2026, 5, 14), datetime.datetime(2026, 7, 1)),
    "holdout": (datetime.datetime(2026, 7, 1), datetime.datetime(2026, 8, 1)),
}

# name, share of the total, kind, parameters
STRATA = [
    ("xfeed_high", 0.35, "sim", dict(cross=True, lo=0.5, hi=1.01)),
    ("xfeed_mid_near", 0.10, "sim", dict(cross=True, lo=0.15, hi=0.5, maxdt=NEAR_WINDOW)),
    ("xfeed_mid", 0.10, "sim", dict(cross=True, lo=0.15, hi=0.5)),
    ("within_high", 0.075, "sim", dict(cross=False, lo=0.5, hi=1.01)),
    ("within_mid", 0.075, "sim", dict(cross=False, lo=0.15, hi=0.5)),
    ("hardneg_name", 0.125, "name", dict(lo=0.05, hi=0.3)),
    ("hardneg_ngram", 0.125, "ngram", dict(lo=0.05, hi=0.3)),
    ("random_1h", 0.05, "random", dict()),
]

FEEDS = [
    # feed, file, key field, body field, time field
    ("cls", "cls-shared.jsonl.gz", "id", "content", "ctime"),
    ("eastmoney", "eastmoney-shared.jsonl.gz", "code", "summary", "showTime"),
    ("ths", "ths-shared.jsonl.gz", "id", "digest", "ctime"),
]

HERE = os.path.dirname(os.path.abspath(__file__))
# The shared corpus: $NEWSFLOW_CORPUS_DIR, else ../shared/corpus beside the
# clone (as CI lays it out); every story tool takes its default from here.
DEFAULT_CORPUS = os.environ.get("NEWSFLOW_CORPUS_DIR") or os.path.normpath(
    os.path.join(HERE, "..", "..", "..", "..", "shared", "corpus"))

TAG = re.compile(r"<[^>]*>")
DATELINE = re.compile(r"(财联社|人民财讯)\d{1,2}月\d{1,2}日电[，,]?")
KEEP = re.compile(r"[^0-9a-z.%\u3400-\u4dbf\u4e00-\u9fff]+")
CJK4 = re.compile(r"^[\u4e00-\u9fff]{4}$")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def item_time(feed, raw):
    if feed == "eastmoney":
        dt = datetime.datetime.strptime(raw, "%Y-%m-%d %H:%M:%S")
        return calendar.timegm(dt.timetuple()) - 8 * 3600
    return int(raw)


def normalise(text):
    text = TAG.sub("", html.unescape(text))
    text = DATELINE.sub("", text)
    text = unicodedata.normalize("NFKC", text).lower()
    return KEEP.sub("", text)


def load_items(corpus, split):
    lo, hi = SPLITS[split]
    t_lo, t_hi = calendar.timegm(lo.timetuple()), calendar.timegm(hi.timetuple())
    items = []
    for feed, fname, kf, bf, tf in FEEDS:
        seen = set()
        with gzip.open(os.path.join(corpus, fname), "rt", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                key = "%s:%s" % (feed, r[kf])
                if key in seen:
                    continue
                seen.add(key)
                title = r.get("title") or ""
                body = r.get(bf) or ""
                if not (title + body).strip() or len(title) + len(body) > MAX_CHARS:
                    continue
                t = item_time(feed, r[tf])
                if not (t_lo <= t < t_hi):
                    continue
                names = []
                if feed == "cls":
                    names = [s.get("name") or "" for s in r.get("stock_list") or []]
                elif feed == "ths":
                    names = [s.get("name") or "" for s in r.get("stock") or []]
                items.append(dict(key=key, feed=feed, time=t, title=title, body=body,
                                  norm=normalise(title + body), names=names))
    items.sort(key=lambda it: (it["time"], it["key"]))
    return items


def jaccard(a, b):
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similarity_candidates(items, grams):
    """All pairs (i < j, |dt| <= 24 h) sharing >= MIN_SHARED rare bigrams
    whose exact Jaccard is >= SIM_MIN: {(i, j): jaccard}."""
    times = [it["time"] for it in items]
    df = collections.Counter()
    for g in grams:
        df.update(g)
    post = collections.defaultdict(list)
    rare = []
    for i, g in enumerate(grams):
        r = [b for b in g if df[b] <= DF_CAP and df[b] >= 2]
        rare.append(r)
        for b in r:
            post[b].append(i)
    ptimes = {b: [times[i] for i in p] for b, p in post.items()}
    out = {}
    for i in range(len(items)):
        tmax = times[i] + WINDOW
        cnt = collections.Counter()
        for b in rare[i]:
            p = post[b]
            k = bisect.bisect_right(p, i)
            e = bisect.bisect_right(ptimes[b], tmax, k)
            if e > k:
                cnt.update(p[k:e])
        gi = grams[i]
        for j, c in cnt.items():
            if c >= MIN_SHARED:
                s = jaccard(gi, grams[j])
                if s >= SIM_MIN:
                    out[(i, j)] = s
    return out


def anchored_pairs(items, grams, anchor_items, window, lo, hi):
    """{anchor: sorted [(i, j)]} for items sharing the anchor, |dt| <= window,
    lo <= Jaccard < hi."""
    times = [it["time"] for it in items]
    res = {}
    cache = {}
    for anchor in sorted(anchor_items):
        idx = sorted(set(anchor_items[anchor]))
        pairs = []
        for x in range(len(idx)):
            i = idx[x]
            for y in range(x + 1, len(idx)):
                j = idx[y]
                if times[j] - times[i] > window:
                    break
                s = cache.get((i, j))
                if s is None:
                    s = cache[(i, j)] = jaccard(grams[i], grams[j])
                if lo <= s < hi:
                    pairs.append((i, j))
        if pairs:
            res[anchor] = pairs
    return res


def name_anchors(items):
    names = set()
    for it in items:
        for n in it["names"]:
            n = normalise(n)
            if len(n) >= NAME_MIN_LEN:
                names.add(n)
    by_prefix = collections.defaultdict(list)
    for n in names:
        by_prefix[n[:2]].append(n)
    anchors = collections.defaultdict(list)
    for i, it in enumerate(items):
        s = it["norm"]
        found = set()
        for p in range(len(s) - 1):
            for n in by_prefix.get(s[p:p + 2], ()):
                if s.startswith(n, p):
                    found.add(n)
        for n in found:
            anchors[n].append(i)
    return anchors


def ngram_anchors(items):
    sets = []
    df = collections.Counter()
    for it in items:
        s = it["norm"]
        g = {s[p:p + 4] for p in range(len(s) - 3)}
        g = {x for x in g if CJK4.match(x)}
        sets.append(g)
        df.update(g)
    keep = {g for g, c in df.items() if 2 <= c <= NGRAM_DF_MAX}
    occ = collections.defaultdict(list)
    for i, g in enumerate(sets):
        for x in g & keep:
            occ[x].append(i)
    return occ


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", required=True, choices=sorted(SPLITS))
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=340)
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--exclude", nargs="*", default=[], metavar="PAIRS",
                    help="pairs files whose items are not drawn again (a second draw that adds to a labelled set)")
    ap.add_argument("--id-prefix", help="pair_id prefix (default: the split's name)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.time()

    items = load_items(args.corpus, args.split)
    grams = []
    for it in items:
        s = it["norm"]
        grams.append(frozenset(s[p:p + 2] for p in range(len(s) - 1)))
    log("items: %d (%s)" % (len(items), dict(collections.Counter(it["feed"] for it in items))))

    sims = similarity_candidates(items, grams)
    log("similarity candidates: %d  (%.0fs)" % (len(sims), time.time() - t0))

    quotas = [int(round(args.n * share)) for _, share, _, _ in STRATA]
    quotas[0] += args.n - sum(quotas)
    used = set()
    excluded = set()
    for path in args.exclude:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    rec = json.loads(line)
                    excluded.update((rec["a"]["key"], rec["b"]["key"]))
    used.update(i for i, it in enumerate(items) if it["key"] in excluded)
    if args.exclude:
        log("excluded: %d items of %s" % (len(used), ", ".join(args.exclude)))
    chosen = []  # (stratum, i, j)

    def take(stratum, i, j):
        if i == j or i in used or j in used:
            return False
        used.add(i)
        used.add(j)
        chosen.append((stratum, min(i, j), max(i, j)))
        return True

    for (stratum, _, kind, par), quota in zip(STRATA, quotas):
        got = 0
        if kind == "sim":
            cands = sorted(p for p, s in sims.items()
                           if par["lo"] <= s < par["hi"]
                           and (items[p[0]]["feed"] != items[p[1]]["feed"]) == par["cross"]
                           and items[p[1]]["time"] - items[p[0]]["time"] <= par.get("maxdt", WINDOW))
            rng.shuffle(cands)
            pool = len(cands)
            for i, j in cands:
                if got >= quota:
                    break
                got += take(stratum, i, j)
        elif kind in ("name", "ngram"):
            anchors = name_anchors(items) if kind == "name" else ngram_anchors(items)
            ap_ = anchored_pairs(items, grams, anchors, HARD_WINDOW, par["lo"], par["hi"])
            keys = sorted(ap_)
            pool = sum(len(v) for v in ap_.values())
            while got < quota and keys:
                a = rng.randrange(len(keys))
                lst = ap_[keys[a]]
                k = rng.randrange(len(lst))
                i, j = lst.pop(k)
                if not lst:
                    keys[a] = keys[-1]
                    keys.pop()
                got += take(stratum, i, j)
        else:  # random
            times = [it["time"] for it in items]
            pool = len(items)
            tries = 0
            while got < quota and tries < 100000:
                tries += 1
                i = rng.randrange(len(items))
                lo = bisect.bisect_left(times, times[i] - RANDOM_WINDOW)
                hi = bisect.bisect_right(times, times[i] + RANDOM_WINDOW)
                j = rng.randrange(lo, hi)
                got += take(stratum, i, j)
        log("%-14s quota %3d got %3d  (pool %d pairs)  %.0fs"
            % (stratum, quota, got, pool, time.time() - t0))

    rng.shuffle(chosen)

    def item_out(i):
        it = items[i]
        return {"key": it["key"], "feed": it["feed"], "time": it["time"],
                "title": it["title"], "body": it["body"]}

    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for n, (stratum, i, j) in enumerate(chosen, 1):
            rec = {"pair_id": "%s-%04d" % (args.id_prefix or args.split, n), "stratum": stratum,
                   "a": item_out(i), "b": item_out(j),
                   "similarity": round(jaccard(grams[i], grams[j]), 4),
                   "label": None, "note": ""}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    log("wrote %d pairs to %s (%.0fs)" % (len(chosen), args.out, time.time() - t0))


if __name__ == "__main__":
    main()
