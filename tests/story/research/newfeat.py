"""Candidate new pair features for the story model, computed from information
available when a document is assigned (its own text/feed fields and the
candidate's). Each doc is reduced to a DocInfo once; pair features are cheap
set operations on two DocInfos."""
import json, math, re
from sketch import Sketch, normalize, cps, trigrams, dateline_at, keep, isdigit, CAL, headline, cut_bytes

# ---------------------------------------------------------------- per document
CODE_RES = [
    (re.compile(r"(?<![0-9])([0-9]{6})\.(SH|SZ|BJ)(?![A-Za-z])", re.I), lambda m: m.group(2).upper() + m.group(1)),
    (re.compile(r"(?<![0-9])([0-9]{4,5})\.HK(?![A-Za-z])", re.I), lambda m: "HK" + m.group(1).zfill(5)),
    (re.compile(r"(?<![A-Za-z0-9])(sh|sz|bj)([0-9]{6})(?![0-9])", re.I), lambda m: m.group(1).upper() + m.group(2)),
]
# "(NVDA.US)" / "(NVDA.O)" forms
US_RE = re.compile(r"[(（]([A-Z]{1,5})\.(US|O|N)[)）]")


def text_codes(t):
    out = set()
    for rx, f in CODE_RES:
        for m in rx.finditer(t):
            out.add(f(m))
    for m in US_RE.finditer(t):
        out.add("US." + m.group(1))
    return out


UNIT_CH = "%亿万元点倍个家只股手吨桶"
MULT = {"万": 1e4, "亿": 1e8}


def numbers_valued(c):
    """(value, unit, text, n_sig) for number tokens, same tokenisation as Numbers() in story_sketch.cc."""
    out = []
    i, n = 0, len(c)
    while i < n:
        if not isdigit(c[i]):
            i += 1
            continue
        b = i
        while i < n and isdigit(c[i]):
            i += 1
        if i + 1 < n and c[i] == 46 and isdigit(c[i + 1]):
            i += 1
            while i < n and isdigit(c[i]):
                i += 1
        digits = "".join(map(chr, c[b:i]))
        ln = i - b
        clock = (i < n and c[i] == 58) or (b > 0 and c[b - 1] == 58)
        if clock or (i < n and c[i] in CAL):
            continue
        unit = ""
        if i < n and chr(c[i]) in UNIT_CH:
            unit = chr(c[i])
            i += 1
            ln += 1
            # 万/亿 followed by a currency/unit word: keep the magnitude, the next char is unit
            if unit in MULT and i < n and chr(c[i]) in "元股手吨桶":
                unit = unit + chr(c[i])
        elif i + 1 < n and ((c[i] == ord("美") and c[i + 1] == ord("元")) or (c[i] == ord("盎") and c[i + 1] == ord("司"))):
            unit = chr(c[i]) + chr(c[i + 1])
            i += 2
            ln += 2
        if ln >= 2:
            try:
                v = float(digits)
            except ValueError:
                continue
            sig = len(digits.replace(".", "").lstrip("0"))
            out.append((v, unit, digits + unit, sig))
    return out


def canon_unit(v, u):
    """value in base units and the unit class: 9000万 == 0.9亿; 元 suffix dropped."""
    if u.endswith("元") and len(u) == 2 and u[0] in MULT:
        u = u[0]
    if u in MULT:
        return v * MULT[u], "x"
    if u == "元":
        return v, "x"
    return v, u


def approx_eq(a, b):
    (va, ua), (vb, ub) = a, b
    if ua != ub:
        return False
    if va == vb:
        return True
    hi = max(abs(va), abs(vb))
    if hi == 0:
        return True
    # rounding / "超6%" vs 6.52%: floor match or within 3% relative (percent: within 0.6 points)
    if ua == "%":
        return abs(va - vb) <= 0.6 or math.floor(va) == math.floor(vb)
    return abs(va - vb) / hi <= 0.03


ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-\.]{2,}")
STOP_ASCII = {"the", "and", "etf", "ipo", "ceo", "cfo", "gdp", "cpi", "ppi", "pmi", "usd", "app", "ai", "hk", "us",
              "sh", "sz", "bj", "com", "www", "http", "https", "ltd", "inc", "co", "fob", "lpr", "mlf", "ifind",
              "nasdaq", "nyse", "wind", "day", "new", "pro", "max", "plus", "kospi", "opec", "fed"}
BOOK = re.compile(r"《([^《》]{2,40})》")
QUOTE = re.compile(r"[“\"]([^“”\"]{3,20})[”\"]")
PREFIX = re.compile(r"^([^：:，,。 ]{2,12})[：:]")


class DocInfo:
    def __init__(self, key, feed, time_ms, title, body, codes, names, sk=None):
        self.key, self.feed, self.time = key, feed, time_ms
        self.sk = sk or Sketch(title, body)
        t, b = self.sk.title_n, self.sk.body_n
        self.head = self.sk.head
        lead = cut_bytes(b, 1500)
        self.lead = lead
        self.text = t + "\n" + lead
        # body without a leading 【headline】 and the headline itself
        bb = b.lstrip()
        if bb.startswith("【") and "】" in bb:
            bb = bb[bb.find("】") + 1:]
        self.body_grams = set(trigrams(cps(cut_bytes(bb, 1500)))[0])
        if not self.body_grams:
            self.body_grams = set(self.sk.grams)
        self.codes = set(c for c in codes if c) | text_codes(self.text)
        self.names = set(n for n in names if n and len(n) >= 2)
        self.nums = [(canon_unit(v, u), txt, sig) for v, u, txt, sig in numbers_valued(cps(self.text))]
        self.tnums = [(canon_unit(v, u), txt, sig) for v, u, txt, sig in numbers_valued(cps(self.head))]
        words = set(w.lower().rstrip(".-") for w in ASCII_WORD.findall(self.text))
        self.words = set(w for w in words if len(w) >= 3 and w not in STOP_ASCII and not w.isdigit())
        self.books = set(BOOK.findall(self.text))
        m = PREFIX.match(self.head or "")
        self.prefix = m.group(1) if m else ""
        self.text_kept = "".join(ch for ch in self.text if keep(ord(ch)))
        self.head_kept = "".join(ch for ch in (self.head or "") if keep(ord(ch)))


# ---------------------------------------------------------------- pair features
def name_in(names, text):
    return any(n in text for n in names)


def approx_frac(xs, ys):
    """fraction of the smaller list's numbers with an approximate partner in the other."""
    if len(xs) > len(ys):
        xs, ys = ys, xs
    if not xs:
        return None
    m = sum(1 for a, _, _ in xs if any(approx_eq(a, b) for b, _, _ in ys))
    return m / len(xs)


NEW_NAMES = ["ent_match", "ent_conflict", "body_containment", "head_in_text", "num_approx", "title_num_approx_conflict",
             "shared_long_numbers", "shared_rare_word", "prefix_equal", "prefix_conflict", "same_feed_far",
             "head_both_in_text", "spec_shared", "head_amount_conflict", "code_match", "head_unshared_run",
             "ent_match_near", "head_slot_conflict", "head_match_frac"]


def pair_features(x, y):
    f = {}
    code_match = bool(x.codes & y.codes)
    name_match = name_in(x.names, y.text) or name_in(y.names, x.text)
    f["ent_match"] = 1.0 if (code_match or name_match) else 0.0
    has_x = bool(x.codes or x.names)
    has_y = bool(y.codes or y.names)
    f["ent_conflict"] = 1.0 if (x.codes and y.codes and not code_match and not name_match) else 0.0
    bx, by = x.body_grams, y.body_grams
    f["body_containment"] = len(bx & by) / min(len(bx), len(by)) if bx and by else 0.0
    hx = x.sk.tgset
    hy = y.sk.tgset
    c1 = len(hx & y.sk.gset) / len(hx) if hx else 0.0
    c2 = len(hy & x.sk.gset) / len(hy) if hy else 0.0
    f["head_in_text"] = max(c1, c2)
    f["head_both_in_text"] = min(c1, c2)
    a = approx_frac(x.nums, y.nums)
    f["num_approx"] = 1.0 if a is None else a
    ta = approx_frac(x.tnums, y.tnums) if (x.tnums and y.tnums) else None
    f["title_num_approx_conflict"] = 1.0 if (ta is not None and ta == 0) else 0.0
    xl = set(t for _, t, s in x.nums if s >= 3)
    yl = set(t for _, t, s in y.nums if s >= 3)
    f["shared_long_numbers"] = min(len(xl & yl), 3) / 3
    f["shared_rare_word"] = 1.0 if ((x.words & y.words) or (x.books & y.books)) else 0.0
    f["prefix_equal"] = 1.0 if (x.prefix and x.prefix == y.prefix) else 0.0
    f["prefix_conflict"] = 1.0 if (x.prefix and y.prefix and x.prefix != y.prefix
                                   and x.prefix not in y.prefix and y.prefix not in x.prefix) else 0.0
    minutes = abs(x.time - y.time) / 60000
    f["same_feed_far"] = 1.0 if (x.feed == y.feed and minutes > 60) else 0.0
    spec = len(x.codes & y.codes) + len(x.words & y.words) + len(x.books & y.books) + len(xl & yl)
    spec += sum(1 for n in x.names if n in y.text) + sum(1 for n in y.names if n in x.text and n not in x.names)
    f["spec_shared"] = min(spec, 3) / 3
    ax = [a for a, _, _ in x.tnums if a[1] in ("x", "美元")]
    ay = [a for a, _, _ in y.tnums if a[1] in ("x", "美元")]
    f["head_amount_conflict"] = 1.0 if (ax and ay and not any(approx_eq(a, b) for a in ax for b in ay)) else 0.0
    f["code_match"] = 1.0 if code_match else 0.0
    f["head_unshared_run"] = min(max(unshared_run(x.head_kept, y.sk.gset), unshared_run(y.head_kept, x.sk.gset)), 10) / 10
    f["ent_match_near"] = f["ent_match"] * (1.0 if minutes <= 60 else 0.0)
    f["head_slot_conflict"], f["head_match_frac"] = head_slot(x.head_kept, y.head_kept)
    return [f[n] for n in NEW_NAMES]


from sketch import mix
import difflib


def _namey(s):
    """at least 2 non-digit kept characters"""
    return sum(1 for ch in s if not ch.isdigit()) >= 2


def head_slot(a, b):
    """Aligns the two headlines (kept characters) by difflib's matching blocks. Returns
    (slot_conflict, matched fraction of the shorter headline): slot_conflict = 1 when the headlines
    match on >= 50% of the shorter one and differ by a substitution of >= 2 non-digit characters on
    both sides (a template with another name in one slot: IPO filings, ETF notices, two companies)."""
    if not a or not b:
        return 0.0, 0.0
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    matched = sum(bl.size for bl in sm.get_matching_blocks())
    frac = matched / min(len(a), len(b))
    conflict = 0.0
    if frac >= 0.5:
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "replace" and _namey(a[i1:i2]) and _namey(b[j1:j2]):
                conflict = 1.0
                break
    return conflict, frac


def unshared_run(head, other_grams):
    """longest run of headline characters covered by no trigram that the other text shares."""
    c = [ord(ch) for ch in head]
    if len(c) < 3:
        return 0
    covered = [False] * len(c)
    for i in range(len(c) - 2):
        g = mix((c[i] << 42) ^ (c[i + 1] << 21) ^ c[i + 2])
        if g in other_grams:
            covered[i] = covered[i + 1] = covered[i + 2] = True
    best = run = 0
    for v in covered:
        run = 0 if v else run + 1
        best = max(best, run)
    return best
