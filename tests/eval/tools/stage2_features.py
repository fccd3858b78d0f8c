#!/usr/bin/env python3
"""Features for a learned second stage over the keyword rules' own evidence.

For each development item and each cluster:/theme: tag the rules fire on it
(`newsflow rules explain --json`, one process per item, with the item's feed
labels), builds a feature vector from the rule evidence only -- the tag's
score, its keyword spans (title/body/label), their positions and a few
characters of text around each span -- and the target: whether the item's
gold labels carry the tag. Region tags are left out (the rules' region
precision on the dev sets is 1.0; nothing to filter).

The per-tag / per-keyword precision priors are not computed here: they depend
on the training rows, so stage2_train.py computes them inside each fold from
the `keywords` list every row carries.

Held-out files are refused: gold_holdout*.jsonl must never be used for tuning.

Output: one JSON object per candidate on stdout (or --out):
  {"key", "part", "feed", "tag", "y", "keywords": [...], "f": {name: value}}
plus, per item, a line {"key", "part", "gold": [...], "fired": [...]} with
kind "item" so the trainer can count the false negatives the rules never fire.

Explain outputs are cached (--cache, default /tmp/stage2_explain_cache.jsonl;
keyed by rule-set version, title, body and labels), so re-runs are instant.

Usage: stage2_features.py [--rules DIR] [--newsflow BIN] [--cache FILE]
                          [--out FILE] [GOLD...]
  (default GOLD: tests/eval/gold_part_{a,b,c,d}.jsonl)
"""
import argparse, hashlib, json, math, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.dirname(HERE)
DEV = [os.path.join(EVAL, f"gold_part_{p}.jsonl") for p in "abcd"]
FAMILIES = ("cluster:", "theme:")

# --- text cues -------------------------------------------------------------
# A hit followed within a few characters by one of these is likely part of a
# company name (大晓机器人科技, 某某芯片股份, ...).
COMPANY_SUFFIX = re.compile(r"^.{0,4}?(公司|股份|集团|科技|有限|控股|电子|实业|技术有限|（\d{6}|\(\d{6}|[（(][0-9A-Z.]{4,}[)）])")
# The hit ends a name that then does something (大晓机器人推出 ...): preceded by
# a CJK char (no punctuation) and followed by an action verb.
NAME_VERB = re.compile(r"^(推出|发布|宣布|公告|表示|称|拟|联合|获|完成|披露|回复|回应|澄清|股价|涨停|跌停|收涨|收跌|涨超|跌超|大涨|大跌)")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Title prefix "某某股份：" (announcement style): the hit is inside the name.
TITLE_NAME = re.compile(r"^([^：:，,。\s]{2,10})[：:]")

ROUNDUP = re.compile(r"收评|午评|早报|晚报|早间|晚间|夜报|精选|要闻|一览|汇总|速递|早餐|集锦|复盘|前瞻|周报|日报|盘前|必读|热点|十大|回顾|盘点")
MARKET = re.compile(r"涨停|跌停|板块|概念|异动|拉升|走强|走弱|涨超|跌超|集体|冲高|龙虎榜|资金|收盘|开盘|午盘|尾盘|指数|ETF|涨幅|跌幅|港股|美股|A股|个股")
DENIAL = re.compile(r"不涉及|未涉及|暂无|暂未|否认|不存在|没有|尚未|未取得|未开展|未从事|不属于|无关|澄清|不实|并非|不构成|未有|未形成|不具备")
NEG_BEFORE = re.compile(r"(未|无|非|不|没)$")
CLAUSE_SPLIT = re.compile(r"[。；！？!?;\n]")
ENUM = re.compile(r"(?:^|[\s。；】])(?:\d{1,2}|[一二三四五六七八九十]{1,2})[、.．](?!\d)")


def norm_positions(text):
    """byte offset -> char offset map for a UTF-8 string."""
    m, b = {}, 0
    for i, ch in enumerate(text):
        m[b] = i
        b += len(ch.encode("utf-8"))
    m[b] = len(text)
    return m


def locate(text, bmap, span):
    """char (begin, end) of a span in text; falls back to a search by text."""
    b, e = bmap.get(span["begin"]), bmap.get(span["end"])
    if b is not None and e is not None and text[b:e] == span["text"]:
        return b, e
    i = text.find(span["text"])
    return (i, i + len(span["text"])) if i >= 0 else (None, None)


def clause_of(text, b, e):
    s = max(text.rfind(c, 0, b) for c in "。；！？!?;\n")
    ends = [x for x in (text.find(c, e) for c in "。；！？!?;\n") if x >= 0]
    return text[s + 1:(min(ends) if ends else len(text))]


def enum_segment(enum_starts, pos):
    """index of the enumerated segment (1、 2、 ...) holding pos, -1 if none."""
    k = -1
    for i, s in enumerate(enum_starts):
        if s <= pos:
            k = i
    return k


def explain(newsflow, rules, item, cache):
    key = hashlib.sha1(json.dumps([rules, item["title"], item["body"], item.get("feed_labels", [])],
                                  ensure_ascii=False).encode()).hexdigest()
    if key in cache:
        return key, cache[key], False
    args = [newsflow, "rules", "explain", "--json", "--rules", rules, "--title", item["title"]]
    for fl in item.get("feed_labels") or []:
        args += ["--label", f"{fl['field']}:{fl['name']}"]
    r = subprocess.run(args, input=item["body"], capture_output=True, text=True, check=True)
    out = json.loads(r.stdout)
    cache[key] = out
    return key, out, True


def item_features(item, out):
    title, body = item["title"], item["body"]
    tmap, bmap = norm_positions(title), norm_positions(body)
    feed = item["feed"]
    tn = TITLE_NAME.match(title)
    title_name_end = tn.end(1) if tn else -1
    roundup = bool(ROUNDUP.search(title))
    market = bool(MARKET.search(title))
    enum_starts = [m.end() for m in ENUM.finditer(body)]
    tags = [t for t in out["tags"] if t.startswith(FAMILIES)]
    scores = out["scores"]
    spans_by_tag = {}
    for s in out["spans"]:
        spans_by_tag.setdefault(s["tag"], []).append(s)
    all_kw_hits = sum(1 for s in out["spans"] if s["field"] != "label" and s["tag"].startswith(FAMILIES))
    max_other = {t: max([scores[u] for u in tags if u != t] or [0.0]) for t in tags}
    rows = []
    for t in tags:
        sp = spans_by_tag.get(t, [])
        kw = [s for s in sp if s["field"] in ("title", "body")]
        lab = [s for s in sp if s["field"] == "label"]
        kws = sorted({s["keyword"] for s in kw})
        title_hits = [s for s in kw if s["field"] == "title"]
        body_hits = [s for s in kw if s["field"] == "body"]
        n_company = n_denial = n_negb = n_namestart = 0
        first_rel, segs = 1.0, set()
        for s in kw:
            text, m = (title, tmap) if s["field"] == "title" else (body, bmap)
            b, e = locate(text, m, s)
            if b is None:
                continue
            after, before = text[e:e + 8], text[max(0, b - 6):b]
            comp = bool(COMPANY_SUFFIX.match(after))
            if not comp and before and CJK.match(before[-1]) and NAME_VERB.match(after):
                comp = True
            if s["field"] == "title" and title_name_end >= 0 and e <= title_name_end:
                comp = True
                n_namestart += 1
            n_company += comp
            if DENIAL.search(clause_of(text, b, e)):
                n_denial += 1
            if NEG_BEFORE.search(before[-2:]) or "未" in before[-4:]:
                n_negb += 1
            if s["field"] == "body":
                first_rel = min(first_rel, b / max(1, len(body)))
                segs.add(enum_segment(enum_starts, b))
        nk = max(1, len(kw))
        f = {
            "bias": 1.0,
            "score": scores.get(t, 0.0),
            "log_score": math.log1p(scores.get(t, 0.0)),
            "n_keywords": len(kws),
            "n_hits": len(kw),
            "n_title_hits": len(title_hits),
            "n_body_hits": len(body_hits),
            "title_hit": 1.0 if title_hits else 0.0,
            "label_evidence": 1.0 if lab else 0.0,
            "label_only": 1.0 if lab and not kw else 0.0,
            "first_hit_rel": first_rel if body_hits else 0.0,
            "log_body_len": math.log1p(len(body)),
            "company_frac": n_company / nk,
            "all_company": 1.0 if kw and n_company == len(kw) else 0.0,
            "title_name_hit": 1.0 if n_namestart else 0.0,
            "denial_frac": n_denial / nk,
            "neg_before": 1.0 if n_negb else 0.0,
            "roundup_title": 1.0 if roundup else 0.0,
            "market_title": 1.0 if market else 0.0,
            "n_enum": min(len(enum_starts), 20) / 20.0,
            "enum_segs": len(segs - {-1}),
            "n_tags_item": len(tags),
            "hit_share": len(kw) / max(1, all_kw_hits),
            "score_vs_max_other": scores.get(t, 0.0) - max_other[t],
            "min_kw_len": min((len(k) for k in kws), default=0),
            "ascii_kw_only": 1.0 if kws and all(k.isascii() for k in kws) else 0.0,
            "fam_theme": 1.0 if t.startswith("theme:") else 0.0,
            "feed_cls": 1.0 if feed == "cls" else 0.0,
            "feed_ths": 1.0 if feed == "ths" else 0.0,
            "feed_eastmoney": 1.0 if feed == "eastmoney" else 0.0,
        }
        rows.append({"tag": t, "keywords": kws, "f": f})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("gold", nargs="*", default=DEV)
    ap.add_argument("--rules", default=os.path.join(HERE, "..", "..", "..", "rules", "sets"))
    ap.add_argument("--newsflow", default=os.path.join(HERE, "..", "..", "..", "build", "newsflow"))
    ap.add_argument("--cache", default="/tmp/stage2_explain_cache.jsonl")
    ap.add_argument("--out", default="-")
    a = ap.parse_args()
    for g in a.gold:
        if os.path.basename(g).startswith("gold_holdout"):
            sys.exit(f"{g}: held-out files are never used here")
    cache = {}
    if os.path.exists(a.cache):
        for line in open(a.cache, encoding="utf-8"):
            k, v = json.loads(line)
            cache[k] = v
    new = []
    fo = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
    versions = set()
    for g in a.gold:
        part = re.sub(r"^gold_part_|\.jsonl$", "", os.path.basename(g))
        for line in open(g, encoding="utf-8"):
            item = json.loads(line)
            k, out, fresh = explain(a.newsflow, a.rules, item, cache)
            versions.add(out.get("ruleset_version"))
            if fresh:
                new.append((k, out))
            gold = sorted({l["tag"] for l in item["labels"] if l["tag"].startswith(FAMILIES)})
            rows = item_features(item, out)
            fo.write(json.dumps({"kind": "item", "key": item["key"], "part": part, "feed": item["feed"],
                                 "gold": gold, "fired": [r["tag"] for r in rows]}, ensure_ascii=False) + "\n")
            for r in rows:
                r.update(kind="cand", key=item["key"], part=part, feed=item["feed"], y=int(r["tag"] in gold))
                fo.write(json.dumps(r, ensure_ascii=False) + "\n")
    if new:
        with open(a.cache, "a", encoding="utf-8") as c:
            for k, v in new:
                c.write(json.dumps([k, v], ensure_ascii=False) + "\n")
    print(f"rule set {sorted(v for v in versions if v)}; {len(new)} new explain runs", file=sys.stderr)


if __name__ == "__main__":
    main()
