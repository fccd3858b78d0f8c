# Does a trigram-hash name match (C++-friendly: name's trigram hashes all in the other's sketch grams)
# agree with the substring name match used in the prototype?
import json, pickle
from dataset import stock_names
from newfeat import DocInfo
from sketch import trigrams, cps, normalize
from sim import load_pairs
items, codes = pickle.load(open('items.pkl', 'rb'))
pairs = load_pairs()
def ntri(n):
    g, k = trigrams(cps(normalize(n)))
    return set(g) if k >= 3 else None
diff = 0; tot = 0
for p in pairs:
    d = {s: items[p[s]['key']] for s in 'ab'}
    inf = {s: DocInfo(d[s]['key'], d[s]['feed'], d[s]['time_ms'], d[s]['title'], d[s]['body'], codes.get(d[s]['key'], []), stock_names(d[s])) for s in 'ab'}
    x, y = inf['a'], inf['b']
    sub = any(n in y.text for n in x.names) or any(n in x.text for n in y.names)
    def tri(u, v):
        for n in u.names:
            t = ntri(n)
            if t is None:
                if n in v.text: return True   # 2-character names: substring (rare)
            elif t <= v.sk.gset: return True
        return False
    tr = tri(x, y) or tri(y, x)
    tot += sub or tr
    if sub != tr:
        diff += 1; print(p['pair_id'], 'substring', sub, 'trigram', tr, x.names, y.names)
print('pairs with a name match', tot, 'disagreements', diff)
