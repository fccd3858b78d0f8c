import json, os, sys
from cv import load, cv_scores
rows, names = load()
P = {json.loads(l)['pair_id']: json.loads(l) for l in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pairs_dev.jsonl'))}
Y = [1 if r['label'] == 'same' else 0 for r in rows]
sel = sys.argv[1].split(',') if len(sys.argv) > 1 and sys.argv[1] else []
from cols import col
X = [r['base'] + [col(r, n) for n in sel] for r in rows]
s = cv_scores(X, Y)
for r, sc, y in sorted(zip(rows, s, Y), key=lambda t: t[1]):
    if (sc > 0) != bool(y):
        p = P[r['pair_id']]
        print('%s %-14s %-9s cv=%.2f | %s' % (r['pair_id'], r['stratum'], r['label'], sc, p['note'][:90]))
        print('     new:', {n: round(v, 2) for n, v in zip(names, r['new']) if v})
