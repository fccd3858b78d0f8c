# Greedy forward selection over candidate features, scored by mean CV F1 (best threshold) over 5 fold seeds.
import sys, json
import numpy as np
from cv import seed_figures
from cols import col, rows, names, Y
pool = names + ['lm*spec_shared', 'lm*body_containment', 'lm*head_in_text', 'lm*ent_match', 'lm*shared_long_numbers',
                'lm*head_both_in_text']
SEEDS = list(range(20261128, 20261133))
def evaluate(sel):
    res = [(f['p0'], f['r0'], f['f0'], f['pb'], f['rb'], f['fb'], f['tb'], f['p_r90'])
           for f in seed_figures(sel, rows, col, Y, SEEDS)]
    return np.mean(np.array(res), axis=0)
sel = []
cur = evaluate(sel)
print('base', np.round(cur, 3))
for step in range(6):
    cand = []
    for n in pool:
        if n in sel: continue
        m = evaluate(sel + [n])
        cand.append((m[2] + m[5], n, m))
    cand.sort(reverse=True)
    for sc, n, m in cand[:4]:
        print('  try +%-26s th0 P %.3f R %.3f F1 %.3f | best P %.3f R %.3f F1 %.3f th %.2f | P@R.9 %.3f' % (n, *m))
    sc, n, m = cand[0]
    if sc <= cur[2] + cur[5] + 0.002: break
    sel.append(n); cur = m
    print('STEP', step, sel, flush=True)
