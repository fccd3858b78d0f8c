from cv import load
rows, names = load()
Y = [1 if r['label'] == 'same' else 0 for r in rows]
def col(r, n):
    if n.startswith('lm*'):
        return r['base'][9] * col(r, n[3:])
    if n.startswith('xf*'):
        return r['base'][12] * col(r, n[3:])
    return r['new'][names.index(n)]
