#!/usr/bin/env python3
"""Select the items for the HELD-OUT test set (selection only; labels are
assigned by a human reader, never by this script).

The held-out set is never used to tune the rules; it measures them.

Per feed, in this order (40 items each, 160 in all):
  cls       (cls-shared.jsonl.gz,        key id,   title + content)
  eastmoney (eastmoney-shared.jsonl.gz,  key code, title + summary)
  ths       (ths-shared.jsonl.gz,        key id,   title + digest)
  fincuge   (fincuge-2021-2022.jsonl.gz, key id,   title + content)
  16 (40%) uniformly random among all eligible items of the feed, plus
  24 (60%) uniformly random among the remaining eligible items whose
  title+body contains at least one word of the broad industry/region net
  (BROAD_NET, the same list as Part A / Part B). The two subsets are disjoint.
Eligible = deduplicated by key (first occurrence wins), non-empty text,
len(title)+len(body) <= 3000 characters, and key NOT in gold_part_a.jsonl or
gold_part_b.jsonl (the dev set).
Title: the feed's title; for cls with an empty title, the 【…】 prefix of
content without brackets (or "" when there is none). Body = the body field
exactly as in the feed.
Fixed seed 20261125. Output: one JSON line per item
  {"key", "feed", "title", "body", "subset"}  ("subset": "random" | "broad").
Usage: sample_holdout.py [CORPUS_DIR] [OUT_JSONL]
"""
import gzip, json, os, random, re, sys
from feed_items import DEFAULT_CORPUS

SEED = 20261125
N_RANDOM = 16
N_BROAD = 24
MAX_CHARS = 3000

BROAD_NET = [
    "芯片", "半导体", "集成电路", "人工智能", "大模型", "算力", "机器人", "新能源", "光伏",
    "储能", "电池", "汽车", "医药", "医疗", "材料", "卫星", "无人机", "低空", "量子", "软件",
    "数据", "碳", "区块链", "显示", "传感器", "通信", "5G", "广东", "深圳", "广州", "大湾区",
    "港澳", "游戏", "化工", "海洋", "船", "基因", "细胞", "脑", "激光", "机床", "仪器", "环保",
    "节能", "健康", "养老", "服装", "珠宝", "化妆品", "数字人民币", "跨境", "理财通",
]

FEEDS = [
    # feed name, file, key field, body field
    ("cls", "cls-shared.jsonl.gz", "id", "content"),
    ("eastmoney", "eastmoney-shared.jsonl.gz", "code", "summary"),
    ("ths", "ths-shared.jsonl.gz", "id", "digest"),
    ("fincuge", "fincuge-2021-2022.jsonl.gz", "id", "content"),
]

HERE = os.path.dirname(os.path.abspath(__file__))
DEV_GOLD = [os.path.join(HERE, "..", "gold_part_a.jsonl"),
            os.path.join(HERE, "..", "gold_part_b.jsonl")]

BRACKET = re.compile(r"^\s*【([^】]*)】")


def dev_keys():
    keys = set()
    for path in DEV_GOLD:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    keys.add(json.loads(line)["key"])
    return keys


def load(path, feed, key_field, body_field, exclude):
    seen, items = set(), []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            d = json.loads(line)
            key = f"{feed}:{d[key_field]}"
            if key in seen:
                continue
            seen.add(key)
            if key in exclude:
                continue
            title = d.get("title") or ""
            body = d.get(body_field) or ""
            if feed == "cls" and not title.strip():
                m = BRACKET.match(body)
                title = m.group(1) if m else ""
            if not (title + body).strip() or len(title) + len(body) > MAX_CHARS:
                continue
            items.append({"key": key, "feed": feed, "title": title, "body": body})
    return items


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/holdout_items.jsonl"
    exclude = dev_keys()
    rng = random.Random(SEED)
    chosen = []
    for feed, fname, kf, bf in FEEDS:
        items = load(f"{corpus}/{fname}", feed, kf, bf, exclude)
        rand = rng.sample(items, N_RANDOM)
        taken = {it["key"] for it in rand}
        pool = [it for it in items if it["key"] not in taken
                and any(w in it["title"] + it["body"] for w in BROAD_NET)]
        broad = rng.sample(pool, N_BROAD)
        chosen += [dict(it, subset="random") for it in rand]
        chosen += [dict(it, subset="broad") for it in broad]
        print(f"{feed}: eligible={len(items)} broad_pool={len(pool)} "
              f"random={len(rand)} broad={len(broad)}", file=sys.stderr)
    keys = [it["key"] for it in chosen]
    assert len(keys) == len(set(keys)), "duplicate keys"
    assert not set(keys) & exclude, "overlap with dev set"
    with open(out, "w", encoding="utf-8") as f:
        for it in chosen:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")
    print(f"wrote {len(chosen)} items to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
