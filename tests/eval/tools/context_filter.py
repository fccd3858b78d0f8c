#!/usr/bin/env python3
"""Context (word-sense) filter over the keyword rules' cluster:/theme: tags.

For every cluster:/theme: tag the rules fire on an item (`newsflow rules
explain --json`, one process per item with the item's feed labels, cached as
in stage2_features.py), each keyword span contributes sparse binary features
built from the characters around it:

  * the keyword, the tag, the field (title/body/label; label spans give the
    label name only);
  * anchored context: the 1-, 2- and 3-character strings immediately left of
    the span and immediately right of it (L1= L2= L3= / R1= R2= R3=);
  * bag context: every character 1-3-gram inside a window of --window chars
    (default 10) left of the span and right of it, marked L or R;
    digits are folded to 0, ASCII letters lower-cased, text edges marked ^/$;
  * conjunctions: (tag, context feature) and (keyword, context feature);
  * item cues: round-up title, market title, feed, number of tags fired,
    number of spans/keywords of the candidate (binned), title hit, label only.

Aggregation (--agg):
  bag     candidate features = union over its spans (binary), one logistic
          regression per candidate (default);
  noisyor a span-level model (every span inherits its candidate's target),
          candidate probability = 1 - prod(1 - p_span);
  max / mean  the same span model, max / mean of span probabilities.

Target: the item's gold labels carry the tag. Model: L2 logistic regression
(scipy L-BFGS on a sparse matrix, zero init, bias unpenalised: deterministic).
The vocabulary is built on training rows only (features seen in >= --min-df
training candidates). Regularisation C and the keep threshold are chosen by an
inner 5-fold CV (grouped by item) on the training items only; the threshold
grid includes 0 (= keep everything, i.e. the rules alone).

Every figure is cluster+theme micro P/R/F1 over ALL gold tags of the test
items: gold tags the rules never fire count as FN.

Protocols:
  (1) train A-E, test F+G;  (2) train A-C+F+G, test D+E;
  (3) 5-fold CV over all items of A-G, grouped by item (inner CV per fold).
Plus: out-of-fold AUC, FPs removed vs TPs lost, top-weighted features of the
model fitted on all rows, and the number of feature lookups per item a C++
implementation would do.

It reads only tests/eval/gold_part_{a..g}.jsonl and takes no gold file
argument, so the held-out sets (gold_holdout*.jsonl) cannot be passed to it.

Reproduce (the explain runs take about 3 min the first time; the rest about
1-3 min on one core; the reported figures used a copy of the binary and rule
set at HEAD 54019c0, rule set 4d5b6a28263bb8bc, because build/ was being
rebuilt by other work):

    cp build/newsflow /tmp/cf/newsflow; cp -r rules/sets /tmp/cf/rules_sets
    python3 tests/eval/tools/context_filter.py --newsflow /tmp/cf/newsflow \
        --rules /tmp/cf/rules_sets --cache /tmp/cf/explain_cache.jsonl \
        [--agg bag|noisyor|max|mean] [--window 10] [--no-conj] [--weights 30]

Needs numpy and scipy (`pip install numpy scipy`; a research tool, not run by
tests/run.sh).
"""
import argparse, collections, json, math, os, random, re, sys

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import stage2_features as s2  # noqa: E402  (explain + caching, offsets, title cues)

EVAL = os.path.dirname(HERE)
PARTS = "abcdefg"
FAMILIES = ("cluster:", "theme:")
C_GRID = [0.03, 0.1, 0.3, 1.0, 3.0]
THR_GRID = [0.0] + [round(0.05 * i, 2) for i in range(1, 20)]


# --- data ------------------------------------------------------------------
def load_items(a):
    cache = {}
    if os.path.exists(a.cache):
        for line in open(a.cache, encoding="utf-8"):
            k, v = json.loads(line)
            cache[k] = v
    items, new = [], []
    for p in PARTS:
        g = os.path.join(EVAL, f"gold_part_{p}.jsonl")
        for line in open(g, encoding="utf-8"):
            it = json.loads(line)
            k, out, fresh = s2.explain(a.newsflow, a.rules, it, cache)
            if fresh:
                new.append((k, out))
            it["part"] = p
            it["uid"] = f"{p}:{it['key']}"
            it["out"] = out
            it["gold"] = sorted({l["tag"] for l in it["labels"] if l["tag"].startswith(FAMILIES)})
            items.append(it)
    if new:
        with open(a.cache, "a", encoding="utf-8") as c:
            for k, v in new:
                c.write(json.dumps([k, v], ensure_ascii=False) + "\n")
    vs = {it["out"].get("ruleset_version") for it in items}
    print(f"{len(items)} items, rule set {sorted(v for v in vs if v)}, {len(new)} new explain runs", file=sys.stderr)
    return items


_DIG = re.compile(r"[0-9０-９]")


def norm(s):
    return _DIG.sub("0", s.lower())


def binned(n, edges=(1, 2, 3, 5, 8)):
    for e in edges:
        if n <= e:
            return str(e)
    return f">{edges[-1]}"


def span_features(tag, kw, field, left, right, conj):
    """features of one title/body span; left/right already normalised and edge-marked."""
    base = [f"F={field}"]
    for n in (1, 2, 3):
        if len(left) >= n:
            base.append(f"L{n}={left[-n:]}")
        if len(right) >= n:
            base.append(f"R{n}={right[:n]}")
    grams = set()
    for side, w in (("L", left), ("R", right)):
        for n in (1, 2, 3):
            for i in range(len(w) - n + 1):
                grams.add(f"{side}g:{w[i:i + n]}")
    ctx = base + sorted(grams)
    f = [f"K={kw}", f"T={tag}"] + ctx
    if conj:
        f += [f"T={tag}|{c}" for c in ctx] + [f"K={kw}|{c}" for c in ctx]
    return f


def build_candidates(items, window, conj):
    """one row per (item, fired cluster/theme tag): spans' feature lists + item cues."""
    cands = []
    for it in items:
        out, title, body = it["out"], it["title"], it["body"]
        tmap, bmap = s2.norm_positions(title), s2.norm_positions(body)
        tags = [t for t in out["tags"] if t.startswith(FAMILIES)]
        roundup, market = bool(s2.ROUNDUP.search(title)), bool(s2.MARKET.search(title))
        by_tag = collections.defaultdict(list)
        for s in out["spans"]:
            by_tag[s["tag"]].append(s)
        for t in tags:
            spans = by_tag.get(t, [])
            kw_spans = [s for s in spans if s["field"] in ("title", "body")]
            item_f = [f"T={t}", f"C:feed={it['feed']}", f"C:ntags={binned(len(tags), (1, 2, 3, 4))}",
                      f"C:nspans={binned(len(kw_spans))}",
                      f"C:nkw={binned(len({s['keyword'] for s in kw_spans}), (1, 2, 3))}"]
            if roundup:
                item_f += ["C:roundup", f"T={t}|C:roundup"]
            if market:
                item_f += ["C:market", f"T={t}|C:market"]
            if any(s["field"] == "title" for s in kw_spans):
                item_f.append("C:title_hit")
            if not kw_spans:
                item_f.append("C:label_only")
            span_fs = []
            for s in spans:
                if s["field"] == "label":
                    span_fs.append([f"LAB={s['keyword']}", f"T={t}|LAB={s['keyword']}", "F=label"])
                    continue
                text, m = (title, tmap) if s["field"] == "title" else (body, bmap)
                b, e = s2.locate(text, m, s)
                if b is None:
                    span_fs.append([f"K={s['keyword']}", f"T={t}"])
                    continue
                left = ("^" if b < window else "") + text[max(0, b - window):b]
                right = text[e:e + window] + ("$" if e + window > len(text) else "")
                span_fs.append(span_features(t, s["keyword"], s["field"], norm(left), norm(right), conj))
            cands.append({"uid": it["uid"], "part": it["part"], "tag": t, "y": int(t in it["gold"]),
                          "item_f": item_f, "span_fs": span_fs, "n_kw_spans": len(kw_spans)})
    return cands


# --- model -------------------------------------------------------------------
class Model:
    """L2 logistic regression over binary string features (span- or bag-level)."""

    def __init__(self, agg, C, min_df):
        self.agg, self.C, self.min_df = agg, C, min_df

    def rows(self, cands):
        """(feature-set, target, candidate index) per training/test row."""
        out = []
        for i, c in enumerate(cands):
            if self.agg == "bag":
                fs = set(c["item_f"])
                for f in c["span_fs"]:
                    fs.update(f)
                out.append((fs, c["y"], i))
            else:
                for f in (c["span_fs"] or [[]]):
                    out.append((set(c["item_f"]) | set(f), c["y"], i))
        return out

    def matrix(self, rows):
        ind, ptr = [], [0]
        for fs, _, _ in rows:
            ind.extend(sorted(self.vocab[f] for f in fs if f in self.vocab))
            ptr.append(len(ind))
        return sp.csr_matrix((np.ones(len(ind)), ind, ptr), shape=(len(rows), len(self.vocab)))

    def fit(self, cands):
        rows = self.rows(cands)
        df = collections.Counter()
        for c in cands:  # document frequency over candidates, not spans
            fs = set(c["item_f"])
            for f in c["span_fs"]:
                fs.update(f)
            df.update(fs)
        self.vocab = {f: i for i, f in enumerate(sorted(f for f, n in df.items() if n >= self.min_df))}
        X = self.matrix(rows)
        y = np.array([r[1] for r in rows], dtype=float)
        # span models: weight each span 1/n_spans so every candidate counts once
        cnt = collections.Counter(r[2] for r in rows)
        sw = np.array([1.0 / cnt[r[2]] for r in rows])
        lam = 1.0 / self.C
        d = X.shape[1]

        def obj(wb):
            w, b = wb[:d], wb[d]
            z = X @ w + b
            p = 1.0 / (1.0 + np.exp(-z))
            loss = np.sum(sw * (np.logaddexp(0, z) - y * z)) + 0.5 * lam * w @ w
            g = sw * (p - y)
            return loss, np.concatenate([X.T @ g + lam * w, [g.sum()]])

        r = minimize(obj, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                     options={"maxiter": 500, "gtol": 1e-6})
        self.w, self.b = r.x[:d], r.x[d]
        return self

    def predict(self, cands):
        rows = self.rows(cands)
        p = 1.0 / (1.0 + np.exp(-(self.matrix(rows) @ self.w + self.b)))
        per = collections.defaultdict(list)
        for (_, _, i), q in zip(rows, p):
            per[i].append(q)
        out = []
        for i in range(len(cands)):
            q = np.array(per[i])
            if self.agg in ("bag", "max"):
                out.append(float(q.max()))
            elif self.agg == "mean":
                out.append(float(q.mean()))
            else:  # noisy-OR
                out.append(float(1.0 - np.prod(1.0 - q)))
        return np.array(out)


# --- evaluation ---------------------------------------------------------------
def counts(items, cands, keep):
    tp = sum(c["y"] for c, k in zip(cands, keep) if k)
    fp = sum(1 - c["y"] for c, k in zip(cands, keep) if k)
    gold = sum(len(it["gold"]) for it in items)
    return tp, fp, gold - tp


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def auc(ps, ys):
    ps, ys = np.asarray(ps), np.asarray(ys)
    order = np.argsort(ps, kind="mergesort")
    ranks = np.empty(len(ps))
    sps = ps[order]
    i = 0
    while i < len(ps):  # average ranks over ties
        j = i
        while j + 1 < len(ps) and sps[j + 1] == sps[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1
        i = j + 1
    npos, nneg = ys.sum(), len(ys) - ys.sum()
    return float((ranks[ys == 1].sum() - npos * (npos + 1) / 2) / (npos * nneg)) if npos and nneg else float("nan")


def folds_of(uids, k, seed):
    uids = sorted(uids)
    random.Random(seed).shuffle(uids)
    return {u: i % k for i, u in enumerate(uids)}


def oof(items, cands, agg, C, min_df, seed, k=5):
    f = folds_of([it["uid"] for it in items], k, seed)
    probs = np.zeros(len(cands))
    for i in range(k):
        tr = [c for c in cands if f[c["uid"]] != i]
        te = [j for j, c in enumerate(cands) if f[c["uid"]] == i]
        m = Model(agg, C, min_df).fit(tr)
        probs[te] = m.predict([cands[j] for j in te])
    return probs


def choose(items, cands, a, seed):
    """(C, thr, inner F1) by inner 5-fold CV on the training items only."""
    best = (-1.0, None, None)
    for C in C_GRID:
        p = oof(items, cands, a.agg, C, a.min_df, seed + 1)
        for t in THR_GRID:
            f1 = prf(*counts(items, cands, p >= t))[2]
            if f1 > best[0] + 1e-12:
                best = (f1, C, t)
    return best[1], best[2], best[0]


def train_test(items, cands, train_parts, a):
    itr = [it for it in items if it["part"] in train_parts]
    ite = [it for it in items if it["part"] not in train_parts]
    ctr = [c for c in cands if c["part"] in train_parts]
    cte = [c for c in cands if c["part"] not in train_parts]
    C, thr, f1in = choose(itr, ctr, a, a.seed)
    p = Model(a.agg, C, a.min_df).fit(ctr).predict(cte)
    return ite, cte, p, C, thr, f1in


def fmt(label, c):
    p, r, f = prf(*c)
    return f"| {label} | {c[0]} | {c[1]} | {c[2]} | {p:.3f} | {r:.3f} | {f:.3f} |"


HDR = "| setting | tp | fp | fn | P | R | F1 |\n|---|---:|---:|---:|---:|---:|---:|"


def trade(cands, p, thr):
    dfp = sum(1 for c, q in zip(cands, p) if q < thr and not c["y"])
    dtp = sum(1 for c, q in zip(cands, p) if q < thr and c["y"])
    return dfp, dtp


def report_split(name, items, cands, p, thr, extra):
    base = counts(items, cands, [True] * len(cands))
    filt = counts(items, cands, p >= thr)
    dfp, dtp = trade(cands, p, thr)
    best_t = max(THR_GRID, key=lambda t: prf(*counts(items, cands, p >= t))[2])
    print(f"\n### {name}\n\n{extra}\n\n{HDR}")
    print(fmt("rules alone", base))
    print(fmt(f"rules+filter (thr {thr})", filt))
    print(fmt(f"rules+filter, thr {best_t} (ORACLE, chosen on test)", counts(items, cands, p >= best_t)))
    print(f"\nFilter drops {dfp} FP and {dtp} TP; test AUC {auc(p, [c['y'] for c in cands]):.3f}.")
    print("\n| thr | FP dropped | TP dropped | F1 |\n|---:|---:|---:|---:|")
    for t in (0.3, 0.5, 0.6, 0.7, 0.8, 0.9):
        a_, b_ = trade(cands, p, t)
        print(f"| {t} | {a_} | {b_} | {prf(*counts(items, cands, p >= t))[2]:.3f} |")
    return base, filt, dfp, dtp


def lookups(items, cands, conj, window):
    """feature lookups per item a C++ implementation would do (every generated feature id = one hash probe)."""
    per_item = collections.Counter()
    spans_item = collections.Counter()
    for c in cands:
        n = len(c["item_f"])
        for f in c["span_fs"]:
            n += len(f)
        per_item[c["uid"]] += n
        spans_item[c["uid"]] += len(c["span_fs"])
    all_n = sorted(per_item.get(it["uid"], 0) for it in items)
    fired = sorted(v for v in per_item.values())
    sp_f = sorted(spans_item.values())
    med = lambda v: v[len(v) // 2] if v else 0
    print(f"\n### C++ cost (window {window}, conjunctions {'on' if conj else 'off'})\n")
    print(f"- items with >= 1 cluster/theme candidate: {len(fired)} of {len(items)}")
    print(f"- spans per such item: median {med(sp_f)}, p90 {sp_f[int(0.9 * len(sp_f))]}")
    print(f"- feature lookups per item: median over all items {med(all_n)}, median over items with a candidate "
          f"{med(fired)}, p90 {fired[int(0.9 * len(fired))]}, max {fired[-1]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", default=os.path.join(HERE, "..", "..", "..", "rules", "sets"))
    ap.add_argument("--newsflow", default=os.path.join(HERE, "..", "..", "..", "build", "newsflow"))
    ap.add_argument("--cache", default="/tmp/stage2_explain_cache.jsonl")
    ap.add_argument("--agg", default="bag", choices=["bag", "noisyor", "max", "mean"])
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--no-conj", dest="conj", action="store_false")
    ap.add_argument("--min-df", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--weights", type=int, default=0, help="print the N most positive/negative weights (model on all rows)")
    ap.add_argument("--protocols", default="123")
    a = ap.parse_args()
    items = load_items(a)
    cands = build_candidates(items, a.window, a.conj)
    print(f"## context filter: agg={a.agg} window={a.window} conj={a.conj} min_df={a.min_df} seed={a.seed}")
    print(f"{len(cands)} candidates ({sum(c['y'] for c in cands)} TP, {sum(1 - c['y'] for c in cands)} FP)")

    if "1" in a.protocols:
        ite, cte, p, C, thr, f1in = train_test(items, cands, "abcde", a)
        report_split("(1) train A-E, test F+G", ite, cte, p, thr, f"C={C}, thr={thr} chosen by inner CV on A-E (inner F1 {f1in:.3f})")
    if "2" in a.protocols:
        ite, cte, p, C, thr, f1in = train_test(items, cands, "abcfg", a)
        report_split("(2) train A-C+F+G, test D+E", ite, cte, p, thr, f"C={C}, thr={thr} chosen by inner CV on A-C+F+G (inner F1 {f1in:.3f})")
    if "3" in a.protocols:
        f = folds_of([it["uid"] for it in items], 5, a.seed)
        rawp, keep, chosen = np.zeros(len(cands)), np.zeros(len(cands), dtype=bool), []
        for i in range(5):
            itr = [it for it in items if f[it["uid"]] != i]
            ctr = [c for c in cands if f[c["uid"]] != i]
            te = [j for j, c in enumerate(cands) if f[c["uid"]] == i]
            C, thr, _ = choose(itr, ctr, a, a.seed)
            chosen.append((C, thr))
            rawp[te] = Model(a.agg, C, a.min_df).fit(ctr).predict([cands[j] for j in te])
            keep[te] = rawp[te] >= thr
        base = counts(items, cands, [True] * len(cands))
        filt = counts(items, cands, keep)
        dfp = int(sum(1 for c, k in zip(cands, keep) if not k and not c["y"]))
        dtp = int(sum(1 for c, k in zip(cands, keep) if not k and c["y"]))
        print(f"\n### (3) 5-fold CV over all {len(items)} items, grouped by item\n\n(C, thr) per fold: {chosen}\n\n{HDR}")
        print(fmt("rules alone", base))
        print(fmt("rules+filter (per-fold C/thr)", filt))
        print(f"\nFilter drops {dfp} FP and {dtp} TP; out-of-fold AUC {auc(rawp, [c['y'] for c in cands]):.3f}.")
        print("\n| thr (one for all folds) | FP dropped | TP dropped | F1 |\n|---:|---:|---:|---:|")
        for t in (0.3, 0.5, 0.6, 0.7, 0.8, 0.9):
            a_, b_ = trade(cands, rawp, t)
            print(f"| {t} | {a_} | {b_} | {prf(*counts(items, cands, rawp >= t))[2]:.3f} |")
        with open(f"/tmp/cf/oof_{a.agg}_w{a.window}_c{int(a.conj)}.json", "w") as fo:
            json.dump([{"uid": c["uid"], "tag": c["tag"], "y": c["y"], "p": float(q)} for c, q in zip(cands, rawp)], fo)

    lookups(items, cands, a.conj, a.window)
    if a.weights:
        m = Model(a.agg, 0.3, a.min_df).fit(cands)
        inv = sorted(m.vocab, key=m.vocab.get)
        order = np.argsort(m.w)
        print(f"\n### weights, model on all rows (C=0.3, {len(inv)} features; bias {m.b:+.2f})\n")
        print("most negative (push to drop): " + ", ".join(f"`{inv[j]}` {m.w[j]:+.2f}" for j in order[:a.weights]))
        print("\nmost positive (push to keep): " + ", ".join(f"`{inv[j]}` {m.w[j]:+.2f}" for j in order[::-1][:a.weights]))


if __name__ == "__main__":
    main()
