# Builds /tmp/story_research/pairs_feat.json: per dev pair the binary's 17 features + candidate new features.
import json, pickle
from sketch import decode
from newfeat import DocInfo, pair_features, NEW_NAMES, text_codes
from sim import load_pairs

def stock_names(d):
    o = d['raw']
    if d['feed'] == 'cls':
        return [s.get('name', '') for s in (o.get('stock_list') or []) if isinstance(s, dict)]
    if d['feed'] == 'ths':
        return [s.get('name', '') for s in (o.get('stock') or []) if isinstance(s, dict)]
    return []

def load_items(keys):
    items = {}
    for l in open('/tmp/dev.jsonl'):
        d = decode(l)
        if d['key'] in keys and d['key'] not in items:
            items[d['key']] = d
    return items

def codes_of(keys):
    out = {}
    for l in open('/tmp/devdocs.jsonl'):
        o = json.loads(l)
        if o['key'] in keys: out[o['key']] = o['stock_codes']
    return out

if __name__ == '__main__':
    pairs = load_pairs()
    keys = {p[s]['key'] for p in pairs for s in 'ab'}
    items = load_items(keys); codes = codes_of(keys)
    base = {json.loads(l)['pair_id']: json.loads(l) for l in open('feats.jsonl')}
    infos = {}
    for k, d in items.items():
        infos[k] = DocInfo(k, d['feed'], d['time_ms'], d['title'], d['body'], codes.get(k, []), stock_names(d))
    rows = []
    for p in pairs:
        x, y = infos[p['a']['key']], infos[p['b']['key']]
        rows.append(dict(pair_id=p['pair_id'], stratum=p['stratum'], label=p['label'],
                         base=base[p['pair_id']]['features'], new=pair_features(x, y)))
    json.dump(dict(new_names=NEW_NAMES, rows=rows), open('pairs_feat.json', 'w'))
    # print a quick table: mean of each new feature by label
    for j, n in enumerate(NEW_NAMES):
        s = [r['new'][j] for r in rows if r['label'] == 'same']; d = [r['new'][j] for r in rows if r['label'] != 'same']
        print('%-26s same %.3f  diff %.3f' % (n, sum(s) / len(s), sum(d) / len(d)))
    pickle.dump((items, codes), open('items.pkl', 'wb'))
