# Cumulative table: features added one at a time (train_model.py fold seed) + mean over 5 fold seeds.
import sys, json
import numpy as np
from cv import load, cv_scores, prf, best, p_at_recall, fit
from cols import col, rows, Y
order = sys.argv[1].split(',')
SEEDS = list(range(20261128, 20261133))
print('| features | th0 P | th0 R | th0 F1 | fp/fn | best th | P | R | F1 | P@R>=.90 | 5-seed th0 P/R/F1 |')
print('|---|---|---|---|---|---|---|---|---|---|---|')
for k in range(len(order) + 1):
    sel = order[:k]
    X = [r['base'] + [col(r, n) for n in sel] for r in rows]
    s = cv_scores(X, Y, SEEDS[0])
    p0, r0, f0, tp, fp, fn = prf(s, Y, 0.0)
    (pb, rb, fb, *_), tb = best(s, Y)
    par = p_at_recall(s, Y)[0]
    ms = []
    for sd in SEEDS:
        ss = cv_scores(X, Y, sd); ms.append(prf(ss, Y, 0.0)[:3])
    m = np.mean(ms, axis=0)
    print('| %s | %.3f | %.3f | %.3f | %d/%d | %.2f | %.3f | %.3f | %.3f | %.3f | %.3f/%.3f/%.3f |' % (
        ('+ ' + sel[-1]) if sel else 'base (17)', p0, r0, f0, fp, fn, tb, pb, rb, fb, par, *m))
X = [r['base'] + [col(r, n) for n in order] for r in rows]
w = fit(X, Y)
print('full-fit weights:', ', '.join('%.4f' % v for v in w))
