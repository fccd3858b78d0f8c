import sys
import numpy as np
from cv import cv_scores, prf, best, p_at_recall
from cols import col, rows, Y
SEEDS = list(range(20261128, 20261138))
def ev(sel):
    X = [r['base'] + [col(r, n) for n in sel] for r in rows]
    res = []
    for sd in SEEDS:
        s = cv_scores(X, Y, sd)
        p0, r0, f0, tp, fp, fn = prf(s, Y, 0.0)
        (pb, rb, fb, *_), tb = best(s, Y)
        res.append((p0, r0, f0, fp, fn, tb, pb, rb, fb, p_at_recall(s, Y)[0]))
    m = np.mean(res, axis=0)
    print('%-95s th0 P %.3f R %.3f F1 %.3f fp %.1f fn %.1f | best th %.2f P %.3f R %.3f F1 %.3f | P@R.9 %.3f' % ('+'.join(sel) or 'base', *m), flush=True)
for s in sys.argv[1:]:
    ev([x for x in s.split(',') if x])
