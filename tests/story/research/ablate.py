import sys, json
import numpy as np
from cv import load, cv_scores, prf, best, p_at_recall, fit
rows, names = load()
Y = [1 if r['label'] == 'same' else 0 for r in rows]
def X_with(sel):
    return [r['base'] + [r['new'][names.index(n)] for n in sel] for r in rows]
def report(sel, tag=None, seeds=(20261128,)):
    out = []
    for seed in seeds:
        s = cv_scores(X_with(sel), Y, seed)
        p0, r0, f0, tp, fp, fn = prf(s, Y, 0.0)
        (pb, rb, fb, *_), tb = best(s, Y)
        par = p_at_recall(s, Y, 0.90)[0]
        out.append((p0, r0, f0, tp, fp, fn, tb, pb, rb, fb, par))
    m = np.mean(np.array(out), axis=0)
    print('%-60s th0 P %.3f R %.3f F1 %.3f (fp %2d fn %2d) | best th %5.2f P %.3f R %.3f F1 %.3f | P@R.90 %.3f' %
          ((tag or '+'.join(sel) or 'base'), m[0], m[1], m[2], m[4], m[5], m[6], m[7], m[8], m[9], m[10]))
    return m
if __name__ == '__main__':
    seeds = (20261128,) if len(sys.argv) < 2 else tuple(range(20261128, 20261128 + int(sys.argv[1])))
    report([], seeds=seeds)
    for n in names:
        report([n], seeds=seeds)
