#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the repository's own
fixtures (tests/fixtures/*.jsonl, rules/sets/*.yaml, deploy/formats/*.yaml,
seeds/*.txt) plus hand-made edge cases. Deterministic: running it again gives
the same files. Seeds are kept small (lines cut to a few KiB, < 1 MB in all).

    python3 fuzz/make_seeds.py          # rewrite fuzz/corpus/
"""
import gzip
import hashlib
import json
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")
FIX = os.path.join(ROOT, "tests", "fixtures")


def lines_of(feed):
    with open(os.path.join(FIX, feed + "-sample.jsonl"), "rb") as f:
        return [l.rstrip(b"\r\n") for l in f if l.strip()]


def pick(items, n):
    """n items spread over the list (smallest ones first among equals)."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def shrink(obj, limit=600):
    """Cuts long strings of a feed object so that a seed stays small."""
    if isinstance(obj, dict):
        return {k: shrink(v, limit) for k, v in obj.items()}
    if isinstance(obj, list):
        return [shrink(v, limit) for v in obj[:4]]
    if isinstance(obj, str) and len(obj) > limit:
        return obj[:limit]
    return obj


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


class Corpus:
    def __init__(self):
        self.files = {}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode()
        name = hashlib.sha1(data).hexdigest()[:16]
        self.files.setdefault(target, {})[name] = data

    def write(self):
        # Rewrites the targets this script seeds; hand-made corpora of other
        # targets (fuzz_http_api) stay as they are.
        total = 0
        for target, files in sorted(self.files.items()):
            d = os.path.join(OUT, target)
            if os.path.isdir(d):
                shutil.rmtree(d)
            os.makedirs(d)
            for name, data in sorted(files.items()):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
                total += len(data)
            print(f"{target}: {len(files)} seeds, {sum(len(x) for x in files.values())} bytes")
        print(f"total {total} bytes")
        if total > 1_000_000:
            sys.exit("seed corpora over 1 MB: cut them down")


def feed_lines(feed, n):
    out = []
    for raw in pick(lines_of(feed), n):
        out.append(dumps(shrink(json.loads(raw))))
    return out


def main():
    c = Corpus()
    feeds = {f: feed_lines(f, 20) for f in ("cls", "eastmoney", "ths")}
    edge = {
        "cls": [
            b'{"id":1,"ctime":1700000000,"content":"\xe3\x80\x90\xe6\xa0\x87\xe9\xa2\x98\xe3\x80\x91\xe6\xad\xa3\xe6\x96\x87","title":"","level":"A","stock_list":[{"StockID":"sh600000"},{"name":"x"}]}',
            b'{"id":"2","ctime":"1700000000","content":null,"brief":"fallback","shareurl":null,"level":3}',
            b'{"id":3,"ctime":-1,"content":"x"}',
            b'{"id":4,"ctime":99999999999999999,"content":"x"}',
            b'{"id":5,"ctime":1700000000,"content":"x"} trailing',
            b'{"id":6,"ctime":1700000000,"content":"\\u0000\\ud83d\\ude00\\"esc"}',
            b'  {"id":7,"ctime":1700000000,"content":"x","id":8}',
            b'[1,2,3]',
        ],
        "eastmoney": [
            b'{"code":"202607043794152922","showTime":"2026-07-04 09:53:04","summary":"s","title":"t","stockList":["150.012322",1,null]}',
            b'{"code":"1","showTime":"2026-02-31T24:00:60","summary":"s"}',
            b'{"code":"1","showTime":"0000-01-01 00:00:00","summary":"s"}',
            b'{"code":"1","showTime":null,"summary":"s"}',
            b'{"code":"","showTime":"2026-07-04 09:53:04","summary":"s"}',
        ],
        "ths": [
            b'{"id":"4859205","ctime":"1785503147","title":"t","digest":"","short":"fallback","import":"0","stock":[{"stockCode":"600000"},{"stockCode":5}],"url":"u"}',
            b'{"id":"1","ctime":"17855031470000000000","title":"t"}',
            b'{"id":"1","ctime":"","title":"t"}',
            b'{"id":"1","ctime":"1785503147","title":"","digest":""}',
        ],
    }
    for feed in feeds:
        for line in feeds[feed] + edge[feed]:
            c.add("fuzz_decoder_" + feed, line)
    for feed in feeds:
        for line in feeds[feed][:8] + edge[feed][:2]:
            c.add("fuzz_decoder_auto", line)
    c.add("fuzz_decoder_auto", b'{"content":"x","ctime":1}')
    c.add("fuzz_decoder_auto", b'{"nothing":"known"}')

    # Field-map feeds: fincuge ({id,title,content}) and the "full" map of
    # fuzz_decoder_map.cc (nested pointers), built from the cls sample.
    for raw in pick(lines_of("cls"), 12):
        o = shrink(json.loads(raw), 300)
        c.add("fuzz_decoder_map", dumps({"id": o["id"], "title": o.get("title", ""), "content": o.get("content", "")}))
        c.add("fuzz_decoder_map", dumps({
            "meta": {"id": str(o["id"]), "time": "2026-07-07 16:49:58"},
            "title": o.get("title", ""), "content": {"text": o.get("content", "")}, "brief": o.get("brief", ""),
            "links": [o.get("shareurl", "")], "level": o.get("level", ""),
            "stocks": [{"code": s.get("StockID", "")} for s in o.get("stock_list", [])[:3]]}))
    c.add("fuzz_decoder_map", b'{"id":1,"content":"","title":"t"}')
    c.add("fuzz_decoder_map", b'{"meta":{"id":7},"content":{"text":null},"brief":"\xe3\x80\x90h\xe3\x80\x91b","links":[]}')

    # Field maps.
    with open(os.path.join(ROOT, "deploy", "formats", "fincuge.yaml"), "rb") as f:
        c.add("fuzz_field_map", f.read())
    for m in [
        "source: full\nid: /meta/id\ntitle: /title\nbody: /content/text\nbody_fallback: /brief\ntime: /meta/time\n"
        "time_format: datetime\ntz_offset: \"-03:30\"\nurl: /links/0\nlevel: /level\nstocks: /stocks\n"
        "stock_field: code\ntitle_from_body_brackets: true\nrequired: [id, time, body]\n",
        "source: s\nid: /id\nbody: /body\ntime: /ctime\ntime_format: unix_ms\ntz_offset: Z\n",
        "source: s\nid: /a~1b/~0c\ntitle: /\nrequired: [title]\n",
        "source: s\nid: /0\ntitle: /\"\"\ntime: /t\ntime_format: unix_s\nrequired: []\n",
        "{source: s, id: /id, title: /title, tz_offset: '+14:59', time_format: datetime, time: /t}\n",
        "source: s\nid: /id\n",
        "source: s\nid: id\ntitle: /t\n",
        "source: s\nid: /id\ntitle: /t\nbogus: 1\n",
    ]:
        c.add("fuzz_field_map", m)

    # Normalizer: titles and bodies from every feed, HTML, entities,
    # full-width and traditional text from seeds/.
    for feed, key in (("cls", "content"), ("eastmoney", "summary"), ("ths", "digest")):
        for raw in pick(lines_of(feed), 8):
            o = json.loads(raw)
            c.add("fuzz_normalizer", o.get(key, "")[:400])
            if o.get("title"):
                c.add("fuzz_normalizer", o["title"][:200])
    for name in sorted(os.listdir(os.path.join(ROOT, "seeds")))[:5]:
        with open(os.path.join(ROOT, "seeds", name), "rb") as f:
            text = f.read().decode("utf-8", "replace")
        c.add("fuzz_normalizer", text[200:360])
    for s in [
        "<p>鹏城实验室&amp;华为</p><br/>发布 &lt;AI&gt; &#24291;&#x5EE3;&nbsp;&quot;x&quot; &#39;",
        "<script>var a='<p>';</script><style>p{}</style><!-- c -->正文<div>块</div><li>项",
        "ＡＩ芯片　全角　ＣＢＤＣ！＃",
        "以碳達峰為牽引，持續深化產業、能源、交通等方面結構調整",
        "華為昇騰與乾崑，郭明錤，高浩灃",
        "a\u00a0\u00a0b\u3000\u3000c \t\r\n d\u200bе\u00ad\u2028x\ufeff",
        "bad \xff\xfe utf8 \xc0\xaf overlong \xed\xa0\x80 surrogate",
        "&#0; &#x110000; &#xD800; &#99999999999; &bogus; &amp &",
        "<a href=\"x>y\">link</a><img src=x><unclosed",
        "𠀀𪚥𫓹 四字节",
    ]:
        c.add("fuzz_normalizer", s.encode("utf-8", "surrogateescape") if isinstance(s, str) else s)
    c.add("fuzz_normalizer", b"bad \xff\xfe utf8 \xc0\xaf overlong \xed\xa0\x80 surrogate \xf4\x90\x80\x80")

    # Story sketch: title NUL body NUL title NUL body, two reports of one
    # story and two of different ones from the labelled dev pairs, plus
    # datelines, numbers, stock codes, direction words and broken UTF-8.
    with open(os.path.join(ROOT, "tests", "story", "pairs_dev.jsonl"), encoding="utf-8") as f:
        pairs = [json.loads(line) for line in f]
    for want in ("same", "different"):
        for p in [p for p in pairs if p["label"] == want][:6]:
            a, b = p["a"], p["b"]
            c.add("fuzz_story_sketch", "\0".join([a["title"], a["body"][:600], b["title"], b["body"][:600]]))
    for s in [
        "\0财联社5月29日电，沪指涨0.5%，成交额1.2万亿元，宁德时代(300750.SZ)涨3%\0\0【沪指收跌0.5%】沪指跌0.5%",
        "港股IPO：某公司拟增持不超过1%股份\0正文 601866.SH sz002552 0700.HK (NVDA.O) 1690亿美元 500万股 3万人\0"
        "港股IPO：某公司拟减持不超过1%股份\0",
        "欧洲主要股指开盘集体下跌\0\0欧洲主要股指开盘集体上涨\0",
        "\0" + "1" * 40 + "." + "9" * 20 + "亿 12:30 5月 3.5% 1.2.3.4 ..." + "\0\0",
    ]:
        c.add("fuzz_story_sketch", s)
    c.add("fuzz_story_sketch", "标题".encode() + b"\xff\xfe\xc0\xaf\xed\xa0\x80\0" + "正文".encode() +
          b"\xe4\xb8\0\xe4\xb8\xad\0\xf4\x90\x80\x80")  # broken UTF-8: stray, overlong, surrogate, cut

    # Line source: knob byte + file content (plain, gzip, multi-member,
    # truncated, CRLF, no final newline).
    sample = b"\n".join(feeds["ths"][:3]) + b"\n"
    small = b'{"id":"1"}\r\n{"id":"2"}\n\n{"id":"3"}'
    for knob, content in [
        (0x00, sample), (0x3f, small), (0xff, b""), (0x01, b"\n\n\n"), (0x07, b"no newline"),
        (0x12, gzip.compress(sample, mtime=0)),
        (0x09, gzip.compress(small, mtime=0) + gzip.compress(b"x\ny\n", mtime=0)),
        (0x00, gzip.compress(sample, mtime=0)[:-9]),  # truncated
        (0x00, gzip.compress(b"", mtime=0)),
        (0x05, gzip.compress(small, mtime=0) + b"\0\0\0\0"),  # trailing padding
        (0x05, gzip.compress(small, mtime=0) + b"\x1f"),
        (0x05, b"\x1f\x8b"),
        (0x05, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"),  # header only
    ]:
        c.add("fuzz_line_source", bytes([knob]) + content)
    # Line source via zlib: knob, flags, cut1, cut2 + plain content.
    for hdr, content in [
        (b"\x00\x00\x00\x00", sample), (b"\x07\x01\x80\x00", small), (b"\x3f\x03\x40\xc0", sample),
        (b"\x00\x40\x00\x00", b""), (b"\x12\x21\x10\x20", b"a\r\nb\n\nc"), (b"\x01\x9c\x00\x01", small),
        (b"\xff\x1e\x55\xaa", b"\n" * 40),
    ]:
        c.add("fuzz_line_source_gzip", hdr + content)

    # Rules: each rule of rules/sets as a file of its own, some files of 3.
    import yaml  # python3-yaml, from deploy/install-deps.sh
    rules, labels = [], []
    for name in sorted(os.listdir(os.path.join(ROOT, "rules", "sets"))):
        with open(os.path.join(ROOT, "rules", "sets", name), encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        rules += doc.get("rules", [])
        labels += doc.get("labels", [])

    def rule_file(rs):
        return yaml.safe_dump({"version": 1, "rules": rs}, allow_unicode=True, sort_keys=False, width=200)

    for r in pick(rules, 24):
        r = dict(r)
        r["provenance"] = r["provenance"][:1]
        c.add("fuzz_rule_loader", rule_file([r]))
    for i in range(0, 12, 3):
        c.add("fuzz_rule_loader", rule_file([dict(r, provenance=r["provenance"][:1]) for r in pick(rules, 12)[i:i + 3]]))
    c.add("fuzz_rule_loader", """version: 1
rules:
  - tag: cluster:semiconductors
    name: 半导体
    any: [芯片, {kw: AI, case: true}, EDA]
    all:
      - [集成电路, 晶圆]
    not: [薯片]
    except: [芯片级服务]
    regex: ['第[三3]代半导体', 'AI\\d+']
    title_weight: 3
    min_score: 0.5
    alert: true
    provenance:
      - seed: 000_1fa3d0f570f714d3.txt
        clause: "x"
""")
    # Label tables (SCHEMA.md "Feed labels"): a few real entries, alone and beside a rule.
    for i in range(0, 12, 4):
        c.add("fuzz_rule_loader", yaml.safe_dump({"version": 1, "labels": pick(labels, 12)[i:i + 4]},
                                                 allow_unicode=True, sort_keys=False, width=200))
    c.add("fuzz_rule_loader", yaml.safe_dump({"version": 1, "rules": [dict(pick(rules, 1)[0], provenance=pick(rules, 1)[0]["provenance"][:1])],
                                              "labels": pick(labels, 2)}, allow_unicode=True, sort_keys=False, width=200))
    c.add("fuzz_rule_loader", "version: 1\nrules: []\n")
    c.add("fuzz_rule_loader", "version: 2\nrules: []\n")
    c.add("fuzz_rule_loader", "version: 1\nrules:\n  - tag: bad\n    any: [x]\n")

    # Literal tier: keywords of the real rules (some case-sensitive), an empty
    # line, a fixture text; and hand-made overlaps, case and invalid UTF-8.
    kws = []
    for r in rules:
        for k in r.get("any", []):
            if isinstance(k, str):
                kws.append(k)
    texts = [json.loads(l).get("content") or json.loads(l).get("brief") or "" for l in lines_of("cls")[:6]]
    for i, t in enumerate(texts):
        ks = pick(kws, 60)[i * 10:(i + 1) * 10]
        c.add("fuzz_literal_tier", ("\n".join(ks) + "\n!AI\n\n" + t[:1500]).encode())
    c.add("fuzz_literal_tier", "深圳华强\n华强\n华强北\n!SAIC\nai\n5G\n\n深圳华强北的SAIC与saic, AI 5G 15G".encode())
    c.add("fuzz_literal_tier", b"\xe4\xb8\xad\xe5\x9b\xbd\nab\n\n\xe4\xb8\xe4\xb8\xad\xe5\x9b\xbd\xc1\x81b\x80AB")

    # Watch lists (SCHEMA.md "Watch lists"): real keywords as entities' names,
    # then a fixture text as a comment line (its names hit); and hand-made
    # BOM, CRLF, empty cells, comments and the errors the parser names.
    for i, t in enumerate(texts[:4]):
        ks = pick(kws, 48)[i * 12:(i + 1) * 12]
        rows = ["watch:w%d\t%s" % (j, "\t".join(ks[j * 3:j * 3 + 3])) for j in range(4)]
        c.add("fuzz_watch_list", ("\n".join(rows) + "\n# " + t[:1000].replace("\n", " ") + "\n").encode())
    c.add("fuzz_watch_list", "\ufeff# desk\r\nwatch:nvidia\t英伟达\tNVIDIA\t\r\n\r\n  # x\nwatch:catl\t 宁德时代 \t\t300750".encode())
    c.add("fuzz_watch_list", "watch:a\t茅台\t茅台\n".encode())
    c.add("fuzz_watch_list", "watch:a\t甲\nwatch:a\t乙\n".encode())
    c.add("fuzz_watch_list", "cluster:ai\t人工智能\nwatch:\tx\nwatch:b\n".encode())
    c.add("fuzz_watch_list", b"watch:a\t\xff\xfe\twatch:b\t\xe3\x80\x80\n")

    # Record codec: records and dead letters encoded as storage/src/record_codec.cc does.
    def varint(v):
        out = bytearray()
        while v >= 0x80:
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        out.append(v)
        return bytes(out)

    def zz(v):
        return varint(((v << 1) ^ (v >> 63)) & 0xFFFFFFFFFFFFFFFF)

    def s(x):
        x = x.encode() if isinstance(x, str) else x
        return varint(len(x)) + x

    def record(key, source, t, title, body, url, level, stocks, tags, spans, version, origin):
        out = b"\x01" + s(key) + s(source) + zz(t) + s(title) + s(body) + s(url) + s(level)
        out += varint(len(stocks)) + b"".join(s(x) for x in stocks)
        out += varint(len(tags)) + b"".join(s(tg) + struct.pack("<d", sc) for tg, sc in tags)
        out += varint(len(spans)) + b"".join(s(tg) + s(kw) + bytes([fld]) + varint(b) + varint(e)
                                             for tg, kw, fld, b, e in spans)
        return out + s(version) + s(origin)

    def record_v3(key, source, t, title, body, url, level, stocks, codes, tags, spans, version, origin, story):
        # The current layout: stock_codes after stocks, the story last.
        v1 = record(key, source, t, title, body, url, level, stocks, tags, spans, version, origin)
        head = b"\x01" + s(key) + s(source) + zz(t) + s(title) + s(body) + s(url) + s(level)
        head += varint(len(stocks)) + b"".join(s(x) for x in stocks)
        rest = v1[len(head):]
        return b"\x03" + head[1:] + varint(len(codes)) + b"".join(s(x) for x in codes) + rest + s(story)

    def record_v4(key, source, t, title, body, url, level, stocks, codes, labels, tags, spans, version, origin, story):
        # The current layout: labels (field, name) after stock_codes.
        v3 = record_v3(key, source, t, title, body, url, level, stocks, codes, tags, spans, version, origin, story)
        head = b"\x01" + s(key) + s(source) + zz(t) + s(title) + s(body) + s(url) + s(level)
        head += varint(len(stocks)) + b"".join(s(x) for x in stocks)
        head += varint(len(codes)) + b"".join(s(x) for x in codes)
        return b"\x04" + head[1:] + varint(len(labels)) + b"".join(s(f) + s(n) for f, n in labels) + v3[len(head):]

    for raw in pick(lines_of("cls"), 4):
        o = json.loads(raw)
        subjects = [("cls.subjects", x.get("subject_name", "")) for x in o.get("subjects", [])[:3]]
        spans = [("cluster:ai", "AI", 0, 3, 5)] + [("cluster:ai", n, 2, i, i + 1) for i, (_, n) in enumerate(subjects)]
        c.add("fuzz_record_codec", record_v4(
            f"cls:{o['id']}", "cls", o["ctime"] * 1000, o.get("title", "")[:80], o.get("content", "")[:200],
            o.get("shareurl", ""), o.get("level", ""), [], [], subjects, [("cluster:ai", 2.25)], spans,
            "0123456789abcdef", f"file:tests/fixtures/cls-sample.jsonl:{o['id'] % 100}", f"cls:{o['id']}"))
    for raw in pick(lines_of("cls"), 10):
        o = json.loads(raw)
        c.add("fuzz_record_codec", record(
            f"cls:{o['id']}", "cls", o["ctime"] * 1000, o.get("title", "")[:80], o.get("content", "")[:200],
            o.get("shareurl", ""), o.get("level", ""), [x.get("StockID", "") for x in o.get("stock_list", [])[:3]],
            [("cluster:ai", 2.25), ("theme:carbon", 1.0)], [("cluster:ai", "AI", 0, 3, 5), ("theme:carbon", "碳", 1, 10, 13)],
            "0123456789abcdef", f"file:tests/fixtures/cls-sample.jsonl:{o['id'] % 100}"))
    for raw in pick(lines_of("cls"), 4):
        o = json.loads(raw)
        stocks = [x.get("StockID", "") for x in o.get("stock_list", [])[:3]]
        c.add("fuzz_record_codec", record_v3(
            f"cls:{o['id']}", "cls", o["ctime"] * 1000, o.get("title", "")[:80], o.get("content", "")[:200],
            o.get("shareurl", ""), o.get("level", ""), stocks, [x.upper() for x in stocks],
            [("cluster:ai", 2.25)], [("cluster:ai", "AI", 0, 3, 5)], "0123456789abcdef",
            f"file:tests/fixtures/cls-sample.jsonl:{o['id'] % 100}", f"cls:{o['id']}"))
    c.add("fuzz_record_codec", record_v3("k", "ths", 1, "", "", "", "", ["CVX", "ag9999"], ["US.CVX", ""], [], [],
                                         "", "", ""))
    c.add("fuzz_record_codec", record("", "", 0, "", "", "", "", [], [], [], "", ""))
    c.add("fuzz_record_codec", record("k", "s", -1, "t", "b", "", "", [""], [("t", float("nan"))],
                                      [("t", "k", 1, 0xFFFFFFFF, 0)], "", ""))
    c.add("fuzz_record_codec", record("k", "s", -(2 ** 63), "", "", "", "", [], [("t", -0.0)], [], "", ""))
    for reason, pos, raw, t in [("json: TAPE_ERROR at byte 17", "file:x.jsonl:3", b'{"id":', 1700000000000),
                                ("oversized line", "kafka:news/0@42", b"\x00\xff" * 8, 0),
                                ("", "", b"", -5)]:
        c.add("fuzz_record_codec", b"\x01" + s(reason) + s(pos) + s(raw) + zz(t))

    # Time: two tz bytes + text.
    for tz, text in [(b"\x01\xe0", "2026-07-04 09:53:04"), (b"\x00\x00", "2026-07-04T09:53:04"),
                     (b"\x03\x83", "1970-01-01 00:00:00"), (b"\x00\x00", "0000-02-29 23:59:60"),
                     (b"\xff\xff", "9999-12-31 23:59:59"), (b"\x00\x00", "2026-07-04"), (b"\x00\x00", "2026-07-04Z"),
                     (b"\x00\x00", "2026-07-04 09:53"), (b"\x00\x00", "2026-07-04T09:53Z"),
                     (b"\x00\x00", "1700000000000"), (b"\x00\x00", "17000000000000Z"), (b"\x00\x00", "2026-13-01"),
                     (b"\x00\x00", "2026-02-31 25:61:61"), (b"\x00\x00", "")]:
        c.add("fuzz_time", tz + text.encode())

    # Subscriptions: the example file and small variations.
    with open(os.path.join(ROOT, "deploy", "subscriptions.example.yaml"), encoding="utf-8") as f:
        c.add("fuzz_subscriptions", f.read())
    for text in ["subscriptions:\n  - {name: a, any: [cluster:ai]}\n",
                 "subscriptions:\n  - {name: a, all: [region:shenzhen], any: [cluster:ai, cluster:semiconductors], "
                 "not: [theme:esg], min_score: 1.5, sources: [cls]}\n",
                 "subscriptions:\n  - {name: a, any: [cluster:ai]}\n  - {name: a, any: [cluster:ai]}\n",
                 "subscriptions: []\n", "subscriptions:\n  - name: x\n    all: [cluster:ai]\n    min_score: 1e308\n"]:
        c.add("fuzz_subscriptions", text)

    c.write()


if __name__ == "__main__":
    main()
