# Step 1 + 3: corpus-level errors on dev and why (uses the exact Python simulation of story_index).
import json, sys
from sim import run, base_scorer, load_pairs, MASK
from sketch import features, logit
pairs = load_pairs()
dd = {}
for l in open('/tmp/devdocs.jsonl'):
    o = json.loads(l); dd[o['key']] = o['story']
info = {}
def on_pair(p, e, o, trace, idx):
    if o is None:
        info[p['pair_id']] = dict(missing=True); return
    m = trace['mass']; w = trace['weights']; r = trace['rare']
    wc = min(1.0, w.get(o.key, 0.0) / m) if m > 0 else 0.0
    f = features(e.sk, e.time, e.feed, o.sk, o.time, o.feed, wc, r.get(o.key, 0))
    z = logit(f)
    idx_shared_raw = len([g for g in (e.sk.gset & o.sk.gset) if g & MASK == 0])
    cnt = trace['counts'].get(o.key, 0)
    rank = trace['ranked'].index(o.key) + 1 if o.key in trace['ranked'] else None
    best = trace['best']
    info[p['pair_id']] = dict(newer=e.key, older=o.key, z=z, f=f, idx_shared_raw=idx_shared_raw, idx_shared_cap=cnt,
                              n_cands=len(trace['ranked']), rank=rank, scored=trace['scored'].get(o.key),
                              best=best, best_z=trace['bz'], best_story=idx.by_key[best].story if best else None,
                              older_story=o.story, newer_story=e.story, shared_all=len(e.sk.gset & o.sk.gset),
                              ng=(len(e.sk.grams), len(o.sk.grams)))
stories, docs = run(base_scorer(), pairs=pairs, on_pair=on_pair)
out = []
tp = fp = fn = tn = 0
for p in pairs:
    a, b = p['a']['key'], p['b']['key']
    same = dd[a] == dd[b]
    lab = p['label'] == 'same'
    tp += same and lab; fp += same and not lab; fn += (not same) and lab; tn += (not same) and not lab
    i = info[p['pair_id']]
    if same != lab:
        if lab:
            if i['idx_shared_cap'] < 2:
                cls = 'a' 
            elif i['rank'] > 8:
                cls = 'a8'
            elif i['z'] <= 0:
                cls = 'b'
            elif i['scored'] and i['scored'][1] is False:
                cls = 'c-root'
            else:
                cls = 'c-other'
        else:
            cls = 'fp-direct' if i['newer_story'] == i['older_story'] and i['best'] == i['older'] else 'fp-chain'
        i['class'] = cls
    out.append(dict(pair_id=p['pair_id'], stratum=p['stratum'], label=p['label'], pred_same=same, note=p['note'],
                    **{k: v for k, v in i.items() if k not in ('f',)}, f=[round(x, 3) for x in i['f']]))
print('tp fp fn tn', tp, fp, fn, tn, 'P %.3f R %.3f' % (tp / (tp + fp), tp / (tp + fn)))
json.dump(out, open('pair_diag.json', 'w'), ensure_ascii=False, indent=0)
