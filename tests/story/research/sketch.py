"""Python re-implementation of pipeline/story (sketch, 17 features, streaming
index) for research. Normalizer is approximated (HTML strip, entities,
full-width fold, whitespace collapse; no t2s)."""
import calendar, datetime, html, json, math, re

M64 = (1 << 64) - 1


def mix(x):
    x &= M64
    x ^= x >> 33
    x = (x * 0xff51afd7ed558ccd) & M64
    x ^= x >> 33
    x = (x * 0xc4ceb9fe1a85ec53) & M64
    x ^= x >> 33
    return x & 0xFFFFFFFF


TAG = re.compile(r"<(?:!--.*?-->|/?[A-Za-z][^>]*>|![^>]*>)", re.S)
SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
BLOCK = re.compile(r"</?(?:p|br|div|li|ul|ol|tr|td|th|table|h[1-6]|blockquote|section|article|hr)\b[^>]*>", re.I)
DROPPED = set(range(0x2000, 0x200E)) | {0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0xFEFF}


def normalize(s):
    if not s:
        return ""
    if "<" in s:
        s = SCRIPT.sub(" ", s)
        s = BLOCK.sub(" ", s)
        s = TAG.sub("", s)
    if "&" in s:
        s = html.unescape(s)
    out = []
    for ch in s:
        c = ord(ch)
        if 0xFF01 <= c <= 0xFF5E:
            out.append(chr(c - 0xFEE0))
        elif c == 0x3000 or c == 0xA0 or ch in " \t\r\n\f\v":
            out.append(" ")
        elif c in DROPPED or c < 0x20 or c == 0x7F:
            continue
        else:
            out.append(ch)
    return re.sub(" +", " ", "".join(out)).strip()


def keep(c):
    if 48 <= c <= 57 or 97 <= c <= 122 or 0x4E00 <= c <= 0x9FFF:
        return c
    if 65 <= c <= 90:
        return c | 0x20
    return 0


def isdigit(c):
    return 48 <= c <= 57


def dateline_at(c, i):
    j = i
    n = len(c)

    def digits(mx):
        nonlocal j
        k = 0
        while j < n and isdigit(c[j]) and k < mx:
            j += 1
            k += 1
        return k > 0
    if not digits(2) or j >= n or c[j] != ord("月"):
        return 0
    j += 1
    if not digits(2) or j >= n or c[j] != ord("日"):
        return 0
    j += 1
    if j >= n or c[j] not in (ord("电"), ord("讯")):
        return 0
    return j + 1 - i


UNITS = set(map(ord, "%亿万元点倍个家只股手吨桶"))
CAL = set(map(ord, "年月日号时"))


def numbers(c, with_text=False):
    out = []
    i = 0
    n = len(c)
    while i < n:
        if not isdigit(c[i]):
            i += 1
            continue
        b = i
        h = 0x9e3779b97f4a7c15
        while i < n and isdigit(c[i]):
            h = (h * 131 + c[i]) & M64
            i += 1
        if i + 1 < n and c[i] == 46 and isdigit(c[i + 1]):
            h = (h * 131 + 46) & M64
            i += 1
            while i < n and isdigit(c[i]):
                h = (h * 131 + c[i]) & M64
                i += 1
        ln = i - b
        clock = (i < n and c[i] == 58) or (b > 0 and c[b - 1] == 58)
        if clock or (i < n and c[i] in CAL):
            continue
        if i < n and c[i] in UNITS:
            h = (h * 131 + c[i]) & M64
            i += 1
            ln += 1
        elif i + 1 < n and ((c[i] == ord("美") and c[i + 1] == ord("元")) or (c[i] == ord("盎") and c[i + 1] == ord("司"))):
            h = (h * 131 + c[i] + c[i + 1] * 7) & M64
            i += 2
            ln += 2
        if ln >= 2:
            out.append((mix(h), "".join(map(chr, c[b:i]))) if with_text else mix(h))
    return out


def trigrams(c, lead=300):
    out = []
    w0 = w1 = w2 = 0
    kept = 0
    i = 0
    n = len(c)
    while i < n:
        d = dateline_at(c, i)
        if d > 0:
            i += d
            continue
        k = keep(c[i])
        i += 1
        if k == 0:
            continue
        w0, w1, w2 = w1, w2, k
        kept += 1
        if kept >= 3:
            out.append(mix((w0 << 42) ^ (w1 << 21) ^ w2))
        if kept >= lead:
            break
    return sorted(set(out)), kept


def headline(title, body):
    if title.strip(" \t\r\n"):
        return title
    b = body.lstrip(" \t\r\n")
    if not b.startswith("【"):
        return ""
    e = b.find("】")
    if e < 0:
        return ""
    return b[1:e]


def cps(s):
    return [ord(ch) for ch in s]


def cut_bytes(s, nb):
    b = s.encode("utf-8")
    if len(b) <= nb:
        return s
    return b[:nb].decode("utf-8", "ignore")  # C++ would emit 0 cps for a split char; negligible


class Sketch:
    __slots__ = ("grams", "title_grams", "numbers", "title_numbers", "length", "gset", "tgset", "nset", "tnset",
                 "title_n", "body_n", "head")

    def __init__(self, title_raw, body_raw):
        t = normalize(title_raw)
        b = normalize(body_raw)
        self.title_n, self.body_n = t, b
        h = headline(t, b)
        self.head = h
        text = cps(t) + [10] + cps(cut_bytes(b, 1500))
        self.grams, self.length = trigrams(text)
        self.title_grams, _ = trigrams(cps(h))
        self.numbers = sorted(set(numbers(text)))
        self.title_numbers = sorted(set(numbers(cps(h))))
        self.gset = set(self.grams)
        self.tgset = set(self.title_grams)
        self.nset = set(self.numbers)
        self.tnset = set(self.title_numbers)


NAMES = ["bias", "containment", "jaccard", "title_containment", "has_titles", "number_agree", "numbers_small",
         "numbers_shared", "title_number_conflict", "log_minutes", "over_4h", "within_15min", "cross_feed",
         "length_ratio", "shared_grams", "weighted_coverage", "rare_shared"]
WEIGHTS = [-2.3444, 0.5727, 0.6298, 2.0170, -0.5215, 1.1370, 0.1426, 1.4330, -0.1251, -2.0803, -0.7341, 0.4713,
           0.9809, -0.5181, 0.3600, 0.9727, 1.7833]


def features(x, tx, sx, y, ty, sy, wcov, rare):
    f = [0.0] * 17
    f[0] = 1.0
    shared = len(x.gset & y.gset)
    small = min(len(x.grams), len(y.grams))
    uni = len(x.grams) + len(y.grams) - shared
    f[1] = shared / small if small else 0.0
    f[2] = shared / uni if uni else 0.0
    if x.title_grams and y.title_grams:
        f[3] = len(x.tgset & y.tgset) / min(len(x.title_grams), len(y.title_grams))
        f[4] = 1.0
    ns, nb = (x.nset, y.nset) if len(x.nset) <= len(y.nset) else (y.nset, x.nset)
    nsh = len(ns & nb)
    f[5] = 1.0 if not ns else nsh / len(ns)
    f[6] = min(len(ns), 10) / 10
    f[7] = min(nsh, 5) / 5
    f[8] = 1.0 if (x.tnset and y.tnset and not (x.tnset & y.tnset)) else 0.0
    minutes = abs(tx - ty) / 60000.0
    f[9] = math.log1p(minutes) / 7
    f[10] = 1.0 if minutes > 240 else 0.0
    f[11] = 1.0 if minutes <= 15 else 0.0
    f[12] = 1.0 if sx != sy else 0.0
    la, lb = x.length, y.length
    f[13] = min(la, lb) / max(la, lb) if max(la, lb) > 0 else 0.0
    f[14] = min(shared, 100) / 100
    f[15] = wcov
    f[16] = min(rare, 20.0) / 20
    return f


def logit(f, w=WEIGHTS):
    return sum(a * b for a, b in zip(w, f))


# ---------------------------------------------------------------- decoding
def item_time_ms(feed, o):
    if feed == "eastmoney":
        dt = datetime.datetime.strptime(o["showTime"], "%Y-%m-%d %H:%M:%S")
        return (calendar.timegm(dt.timetuple()) - 8 * 3600) * 1000
    return int(o["ctime"]) * 1000


def sval(v):
    return v if isinstance(v, str) else ""


def decode(line):
    o = json.loads(line)
    if "showTime" in o:
        feed = "eastmoney"
        key = "eastmoney:" + str(o["code"])
        title, body = sval(o.get("title")), sval(o.get("summary"))
        stocks = [s for s in (o.get("stockList") or [])]
    elif "digest" in o or "tagInfo" in o or ("ctime" in o and isinstance(o.get("ctime"), str)):
        feed = "ths"
        key = "ths:" + str(o["id"])
        title, body = sval(o.get("title")), sval(o.get("digest")) or sval(o.get("short"))
        stocks = o.get("stock") or []
    else:
        feed = "cls"
        key = "cls:" + str(o["id"])
        title = sval(o.get("title"))
        body = sval(o.get("content")) or sval(o.get("brief"))
        if not title:
            b = body.lstrip(" \t\r\n")
            if b.startswith("【") and "】" in b:
                title = b[1:b.find("】")]
        stocks = o.get("stock_list") or []
    return dict(key=key, feed=feed, time_ms=item_time_ms(feed, o), title=title, body=body, stocks=stocks, raw=o)
