"""Streaming simulation of StoryIndex (story_index.cc) in Python.

Usage as a module: run(stream, pair_keys, model=..., extra=...) processes the
stream, assigns stories, records per-pair diagnostics for the dev pairs.
"""
import json, math, os, sys
from collections import defaultdict
from sketch import Sketch, features, logit, decode, WEIGHTS

WINDOW = 24 * 3600 * 1000
MASK = 3
CAP = 200
MIN_SHARED = 2
MAX_CAND = 8
ROOT_TH = -0.5


class Entry:
    pass


class Index:
    def __init__(self, scorer, threshold=0.0, index_all=False, opts=None):
        """scorer(new_entry, old_entry, wcov, rare) -> logit"""
        self.scorer = scorer
        o = dict(min_shared=MIN_SHARED, max_cand=MAX_CAND, near_min1_ms=0, code_cands_ms=0, root_th=ROOT_TH)
        o.update(opts or {})
        self.o = o
        self.codepost = defaultdict(set)
        self.th = threshold
        self.by_key = {}
        self.post = defaultdict(set)   # gram -> keys
        self.by_time = []              # (time, key) append-only-ish; we evict lazily
        self.wm = -(1 << 62)
        self.mask = MASK
        self.index_all = index_all

    def floor(self, wm=None):
        return (self.wm if wm is None else wm) - WINDOW

    def advance(self, t):
        if t <= self.wm:
            return
        self.wm = t
        fl = self.floor()
        # evict
        import heapq
        bt = self.by_time
        while bt and bt[0][0] < fl:
            tt, _, key, ent = heapq.heappop(bt)
            if self.by_key.get(key) is ent:
                self.evict(ent)

    def _heap_pop(self):
        import heapq
        heapq.heappop(self.by_time)

    def evict(self, e):
        for g in e.igrams:
            s = self.post.get(g)
            if s is not None:
                s.discard(e.key)
                if not s:
                    del self.post[g]
        del self.by_key[e.key]
        for c in getattr(e, 'codes', ()):
            s = self.codepost.get(c)
            if s is not None:
                s.discard(e.key)
                if not s:
                    del self.codepost[c]

    def insert(self, e):
        import heapq
        e.igrams = [g for g in e.sk.grams if (g & self.mask) == 0 or (self.o.get('index_title') and g in e.sk.tgset)]
        for g in e.igrams:
            self.post[g].add(e.key)
        self.by_key[e.key] = e
        for c in getattr(e, 'codes', ()):
            self.codepost[c].add(e.key)
        self.seq = getattr(self, 'seq', 0) + 1
        heapq.heappush(self.by_time, (e.time, self.seq, e.key, e))

    def walk(self, sk):
        n = len(self.by_key)
        log_n = math.log(n + 1)
        mass = 0.0
        counts = defaultdict(int)
        weights = defaultdict(float)
        rare = defaultdict(int)
        it = self.o.get('index_title')
        for g in sk.grams:
            if (g & self.mask) and not (it and g in sk.tgset):
                continue
            p = self.post.get(g)
            df = len(p) if p else 0
            if df > CAP:
                continue
            idf = log_n - math.log(df + 1)
            mass += idf
            if df == 0:
                continue
            for k in p:
                counts[k] += 1
                weights[k] += idf
                if df <= 2:
                    rare[k] += 1
        return mass, counts, weights, rare

    def evidence(self, key, mass, weights, rare):
        w = min(1.0, weights.get(key, 0.0) / mass) if mass > 0 else 0.0
        return w, rare.get(key, 0)

    def assign(self, e, trace=None):
        self.advance(e.time)
        mass, counts, weights, rare = self.walk(e.sk)
        o_ = self.o
        cands = [k for k, c in counts.items() if c >= o_['min_shared']]
        cands.sort(key=lambda k: (-counts[k], self.by_key[k].time, k))
        ranked = cands
        cands = cands[:o_['max_cand']]
        if o_['near_min1_ms']:
            # a separate quota: up to near_quota more window documents within near_min1_ms sharing >= 1
            # indexed trigram, nearest in time first
            near = [k for k, c in counts.items() if k not in cands and abs(self.by_key[k].time - e.time) <= o_['near_min1_ms']]
            near.sort(key=lambda k: (abs(self.by_key[k].time - e.time), -counts[k], k))
            cands = cands + near[:o_.get('near_quota', 4)]
        if o_['code_cands_ms']:
            extra = set()
            for c in getattr(e, 'codes', ()):
                for k in self.codepost.get(c, ()):
                    if k not in counts or counts[k] < o_['min_shared']:
                        if abs(self.by_key[k].time - e.time) <= o_['code_cands_ms']:
                            extra.add(k)
            extra = sorted(extra, key=lambda k: (-abs(self.by_key[k].time - e.time), k))[-o_['max_cand']:]
            cands = cands + [k for k in extra if k not in cands]
        self.nscored = getattr(self, 'nscored', 0) + len(cands)
        self.nassign = getattr(self, 'nassign', 0) + 1
        best = None
        bz = 0.0
        memo = {}
        scored = {}
        for k in cands:
            o = self.by_key[k]
            if abs(o.time - e.time) > WINDOW:
                continue
            wc, ra = self.evidence(k, mass, weights, rare)
            z = self.scorer(e, o, wc, ra)
            ok_root = None
            if z > self.th:
                ok_root = self.agrees_root(o, e, mass, weights, rare, memo)
            scored[k] = (z, ok_root)
            if z <= self.th or not ok_root:
                continue
            if best is None or z > bz or (z == bz and (o.time, o.key) < (best.time, best.key)):
                best, bz = o, z
        e.story = best.story if best else e.key
        if trace is not None:
            trace.update(counts=counts, ranked=ranked, scored=scored, best=best.key if best else None, bz=bz,
                         mass=mass, weights=weights, rare=rare)
        if e.time >= self.floor():
            self.insert(e)
        return e.story

    def agrees_root(self, via, e, mass, weights, rare, memo):
        if via.story == via.key:
            return True
        root = self.by_key.get(via.story)
        if root is None:
            return True
        if root.key in memo:
            return memo[root.key]
        wc, ra = self.evidence(root.key, mass, weights, rare)
        z = self.scorer(e, root, wc, ra)
        memo[root.key] = z > self.o['root_th']
        return memo[root.key]

    def update(self, e):
        old = self.by_key[e.key]
        story = old.story
        self.evict(old)
        self.advance(e.time)
        e.story = story
        if e.time >= self.floor() and e.key not in self.by_key:
            self.insert(e)
        return story

    def in_window(self, t):
        return t >= max(self.wm, t) - WINDOW


def base_scorer(w=WEIGHTS):
    def s(e, o, wc, ra):
        return logit(features(e.sk, e.time, e.feed, o.sk, o.time, o.feed, wc, ra), w)
    return s


def load_pairs(path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pairs_dev.jsonl")):
    assert "holdout" not in path
    return [json.loads(l) for l in open(path)]


def run(scorer, stream="/tmp/dev.jsonl", pairs=None, th=0.0, on_pair=None, index_all=False, opts=None, prep=None):
    """Returns story map key->story; on_pair(pair, newer_entry, older_entry, trace, index) is called
    when the newer item of a labelled pair is assigned."""
    idx = Index(scorer, th, index_all, opts)
    if index_all:
        idx.mask = 0
    by_newer = defaultdict(list)
    if pairs:
        for p in pairs:
            a, b = p["a"], p["b"]
            newer = a if (a["time"], a["key"]) > (b["time"], b["key"]) else b
            by_newer[newer["key"]].append(p)
    stories = {}
    docs = {}
    for line in open(stream):
        try:
            d = decode(line)
        except Exception:
            continue
        e = Entry()
        e.key, e.feed, e.time, e.doc = d["key"], d["feed"], d["time_ms"], d
        e.sk = Sketch(d["title"], d["body"])
        if prep:
            prep(e)
        if e.key in idx.by_key:
            stories[e.key] = idx.update(e)
            continue
        if idx.in_window(e.time):
            trace = {} if e.key in by_newer else None
            stories[e.key] = idx.assign(e, trace)
            if trace is not None and on_pair:
                for p in by_newer[e.key]:
                    other = p["a"]["key"] if p["a"]["key"] != e.key else p["b"]["key"]
                    on_pair(p, e, idx.by_key.get(other) or docs.get(other), trace, idx)
        else:
            stories[e.key] = stories.get(e.key, e.key)
        if pairs is not None:
            docs[e.key] = e
    print('sim: assigned %d, candidates scored %d (%.2f per document)' % (getattr(idx, 'nassign', 0), getattr(idx, 'nscored', 0), getattr(idx, 'nscored', 0) / max(1, getattr(idx, 'nassign', 0))), file=sys.stderr)
    return stories, docs
