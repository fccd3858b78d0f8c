# 5-fold CV exactly as tests/story/tools/train_model.py (fold seed 20261128, L2 0.003, 4000 iterations, rate 1.0),
# vectorised with numpy. Rows are ordered as `story features` prints them (that order fixes the folds).
import json, random, sys
import numpy as np
L2, ITERATIONS, RATE = 0.003, 4000, 1.0

def fit(X, Y):
    X = np.asarray(X, float); Y = np.asarray(Y, float)
    n, d = X.shape
    w = np.zeros(d)
    reg = np.full(d, L2); reg[0] = 0.0
    for _ in range(ITERATIONS):
        z = np.clip(X @ w, -30, 30)
        p = 1 / (1 + np.exp(-z))
        g = X.T @ (p - Y)
        w -= RATE * (g / n + reg * w)
    return w

def load(order_file='feats.jsonl', data='pairs_feat.json'):
    order = [json.loads(l)['pair_id'] for l in open(order_file)]
    D = json.load(open(data))
    by = {r['pair_id']: r for r in D['rows']}
    return [by[p] for p in order], D['new_names']

def cv_scores(X, Y, seed=20261128):
    n = len(X)
    idx = list(range(n)); random.Random(seed).shuffle(idx)
    X = np.asarray(X, float); Y = np.asarray(Y, float)
    score = np.zeros(n)
    for k in range(5):
        test = set(idx[k::5])
        tr = [i for i in idx if i not in test]
        w = fit(X[tr], Y[tr])
        te = sorted(test)
        score[te] = X[te] @ w
    return score

def prf(score, Y, th):
    tp = sum(1 for s, y in zip(score, Y) if s > th and y)
    fp = sum(1 for s, y in zip(score, Y) if s > th and not y)
    fn = sum(1 for s, y in zip(score, Y) if s <= th and y)
    p = tp / max(1, tp + fp); r = tp / max(1, tp + fn)
    return p, r, (2 * p * r / (p + r) if p + r else 0), tp, fp, fn

def best(score, Y):
    ths = [round(-1.5 + 0.05 * i, 2) for i in range(61)]
    return max(((prf(score, Y, t), t) for t in ths), key=lambda a: (a[0][2], -abs(a[1])))

def p_at_recall(score, Y, r=0.90):
    """best precision with recall >= r (threshold sweep over the scores)."""
    bestp = (0, None)
    for t in sorted(set(score)):
        p, rr, *_ = prf(score, Y, t - 1e-9)
        if rr >= r and p > bestp[0]: bestp = (p, t)
    return bestp

if __name__ == '__main__':
    rows, names = load()
    X = [r['base'] for r in rows]; Y = [1 if r['label'] == 'same' else 0 for r in rows]
    w = fit(X, Y)
    print('full-fit weights:', ', '.join('%.4f' % v for v in w))
    s = cv_scores(X, Y)
    for th in (-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0):
        p, r, f, *_ = prf(s, Y, th); print('  logit > %5.2f  precision %.3f  recall %.3f' % (th, p, r))


def seed_figures(sel, rows, col, Y, seeds):
    """Per fold seed: threshold-0 P/R/F1/fp/fn, the best threshold and its P/R/F1,
    and P at recall >= 0.90, for the base features plus the columns `sel`."""
    X = [r['base'] + [col(r, n) for n in sel] for r in rows]
    out = []
    for sd in seeds:
        s = cv_scores(X, Y, sd)
        p0, r0, f0, tp, fp, fn = prf(s, Y, 0.0)
        (pb, rb, fb, *_), tb = best(s, Y)
        out.append(dict(p0=p0, r0=r0, f0=f0, fp=fp, fn=fn, tb=tb, pb=pb, rb=rb, fb=fb, p_r90=p_at_recall(s, Y)[0]))
    return out
