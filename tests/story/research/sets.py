import sys
import numpy as np
from cv import seed_figures
from cols import col, rows, Y
SEEDS = list(range(20261128, 20261138))
def ev(sel):
    res = [(f['p0'], f['r0'], f['f0'], f['fp'], f['fn'], f['tb'], f['pb'], f['rb'], f['fb'], f['p_r90'])
           for f in seed_figures(sel, rows, col, Y, SEEDS)]
    m = np.mean(res, axis=0)
    print('%-95s th0 P %.3f R %.3f F1 %.3f fp %.1f fn %.1f | best th %.2f P %.3f R %.3f F1 %.3f | P@R.9 %.3f' % ('+'.join(sel) or 'base', *m), flush=True)
for s in sys.argv[1:]:
    ev([x for x in s.split(',') if x])
