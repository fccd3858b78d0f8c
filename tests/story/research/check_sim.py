# Verifies the Python simulation against the binary: story ids (devdocs) and features (story features).
import json, time, sys
from sim import run, base_scorer, load_pairs
from sketch import features, logit
pairs = load_pairs()
feats = {}
def on_pair(p, e, o, trace, idx):
    if o is None: return
    w = trace['weights']; r = trace['rare']; m = trace['mass']
    wc = min(1.0, w.get(o.key, 0.0) / m) if m > 0 else 0.0
    feats[p['pair_id']] = features(e.sk, e.time, e.feed, o.sk, o.time, o.feed, wc, r.get(o.key, 0))
t0 = time.time()
stories, docs = run(base_scorer(), pairs=pairs, on_pair=on_pair)
print('sim secs', time.time() - t0, file=sys.stderr)
dd = {}
for l in open('/tmp/devdocs.jsonl'):
    o = json.loads(l); dd[o['key']] = o['story']
agree = sum(1 for k in dd if stories.get(k) == dd[k]); print('story agree', agree, len(dd))
# same-grouping agreement
ref = {}
for l in open('feats.jsonl'):
    o = json.loads(l); ref[o['pair_id']] = o['features']
bad = 0
for pid, f in ref.items():
    g = feats.get(pid)
    if g is None or max(abs(a - b) for a, b in zip(f, g)) > 1e-4:
        bad += 1
        if bad <= 10: print(pid, [round(a, 3) for a in f], g and [round(b, 3) for b in g])
print('feature mismatches', bad, 'of', len(ref))
json.dump(stories, open('sim_stories.json', 'w'))
