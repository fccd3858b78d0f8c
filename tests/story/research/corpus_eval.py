"""Corpus-level dev evaluation of a model (base 17 + selected new features) with the exact streaming
simulation of story_index: in-sample (weights fitted on all dev pairs) and out-of-fold (for each of the
5 train_model folds, weights fitted on the other 4 folds' pairs, the whole stream re-run, that fold's
pairs scored), like `story eval` (a pair is same iff both documents carry one story id)."""
import json, math, random, sys, time
import numpy as np
from sketch import features, cps, WEIGHTS
from newfeat import text_codes, numbers_valued, canon_unit, approx_eq, PREFIX
from sim import run, load_pairs
from cv import fit, load as load_rows
from cols import col

CODES = {}
for l in open('/tmp/devdocs.jsonl'):
    o = json.loads(l); CODES[o['key']] = [c for c in o['stock_codes'] if c]

def names_of(d):
    o = d['raw']
    lst = o.get('stock_list') if d['feed'] == 'cls' else o.get('stock') if d['feed'] == 'ths' else None
    return set(s.get('name', '') for s in (lst or []) if isinstance(s, dict) and len(s.get('name', '')) >= 2)

def prep(e):
    sk = e.sk
    text = sk.title_n + "\n" + sk.body_n[:1500]
    e.text = text
    e.codes = set(CODES.get(e.key, [])) | text_codes(text)
    e.names = names_of(e.doc)
    e.nums = [canon_unit(v, u) for v, u, _, _ in numbers_valued(cps(text))]
    m = PREFIX.match(sk.head or "")
    e.prefix = m.group(1) if m else ""

def new_feats(x, y, sel):
    out = []
    minutes = abs(x.time - y.time) / 60000
    code_match = bool(x.codes & y.codes)
    name_match = any(n in y.text for n in x.names) or any(n in x.text for n in y.names)
    for n in sel:
        if n == 'ent_conflict':
            out.append(1.0 if (x.codes and y.codes and not code_match and not name_match) else 0.0)
        elif n == 'ent_match_near':
            out.append(1.0 if ((code_match or name_match) and minutes <= 60) else 0.0)
        elif n == 'ent_match':
            out.append(1.0 if (code_match or name_match) else 0.0)
        elif n == 'prefix_equal':
            out.append(1.0 if (x.prefix and x.prefix == y.prefix) else 0.0)
        elif n == 'prefix_conflict':
            out.append(1.0 if (x.prefix and y.prefix and x.prefix != y.prefix and x.prefix not in y.prefix
                               and y.prefix not in x.prefix) else 0.0)
        elif n == 'num_approx':
            a, b = (x.nums, y.nums) if len(x.nums) <= len(y.nums) else (y.nums, x.nums)
            out.append(1.0 if not a else sum(1 for p in a if any(approx_eq(p, q) for q in b)) / len(a))
        elif n == 'head_both_in_text':
            hx, hy = x.sk.tgset, y.sk.tgset
            c1 = len(hx & y.sk.gset) / len(hx) if hx else 0.0
            c2 = len(hy & x.sk.gset) / len(hy) if hy else 0.0
            out.append(min(c1, c2))
        else:
            raise KeyError(n)
    return out

def scorer_for(w, sel):
    w = list(w)
    def s(e, o, wc, ra):
        f = features(e.sk, e.time, e.feed, o.sk, o.time, o.feed, wc, ra)
        if sel:
            f = f + new_feats(e, o, sel)
        return sum(a * b for a, b in zip(w, f))
    return s

def score_pairs(stories, pairs, only=None):
    tp = fp = fn = tn = 0
    errs = []
    for p in pairs:
        if only is not None and p['pair_id'] not in only: continue
        same = stories[p['a']['key']] == stories[p['b']['key']]
        lab = p['label'] == 'same'
        tp += same and lab; fp += same and not lab; fn += (not same) and lab; tn += (not same) and not lab
        if same != lab: errs.append(p['pair_id'])
    return tp, fp, fn, tn, errs

def fmt(c):
    tp, fp, fn, tn = c[:4]
    return 'P %.3f R %.3f (tp %d fp %d fn %d tn %d)' % (tp / max(1, tp + fp), tp / max(1, tp + fn), tp, fp, fn, tn)

def main():
    sel = [x for x in sys.argv[1].split(',') if x] if len(sys.argv) > 1 else []
    th = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    opts = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    oof = len(sys.argv) > 4 and sys.argv[4] == 'oof'
    pairs = load_pairs()
    rows, _ = load_rows()
    X = np.array([r['base'] + [col(r, n) for n in sel] for r in rows]); Y = np.array([1 if r['label'] == 'same' else 0 for r in rows])
    t0 = time.time()
    w = fit(X, Y)
    stories, _ = run(scorer_for(w, sel), th=th, opts=opts, prep=prep)
    c = score_pairs(stories, pairs)
    print('sel=%s th=%.2f opts=%s' % ('+'.join(sel) or 'base', th, opts))
    print('  in-sample   %s  errors %s  (%.0fs)' % (fmt(c), ' '.join(x[4:] for x in c[4]), time.time() - t0), flush=True)
    if oof:
        idx = list(range(len(rows))); random.Random(20261128).shuffle(idx)
        tot = [0, 0, 0, 0]; errs = []
        for k in range(5):
            test = set(idx[k::5]); tr = [i for i in idx if i not in test]
            wk = fit(X[tr], Y[tr])
            st, _ = run(scorer_for(wk, sel), th=th, opts=opts, prep=prep)
            ck = score_pairs(st, pairs, only={rows[i]['pair_id'] for i in test})
            tot = [a + b for a, b in zip(tot, ck[:4])]; errs += ck[4]
        print('  out-of-fold %s  errors %s' % (fmt(tot), ' '.join(sorted(x[4:] for x in errs))), flush=True)

if __name__ == '__main__':
    main()
