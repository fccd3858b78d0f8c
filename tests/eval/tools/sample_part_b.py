#!/usr/bin/env python3
"""Select the items for Part B of the hand-labelled dev set (selection only;
labels are assigned by a human reader, never by this script).

Per feed (eastmoney, ths): 85 items =
  34 (~40%) uniformly random among all eligible items, plus
  51 (~60%) uniformly random among eligible items whose title+body contains at
  least one word of a broad industry/region net (BROAD_NET below).
Eligible = title+body <= 3000 characters, non-empty text; deduplicated by key
(first occurrence wins). The two subsets are disjoint.
Fixed seed 20261124. Output: one JSON line per item
  {"key", "feed", "title", "body", "subset"}  ("subset": "random" | "broad").
Usage: sample_part_b.py [CORPUS_DIR] [OUT_JSONL]
"""
import gzip, json, random, sys
from feed_items import DEFAULT_CORPUS

SEED = 20261124
N_PER_FEED = 85
N_RANDOM = 34          # ~40%
N_BROAD = N_PER_FEED - N_RANDOM  # ~60%
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
    ("eastmoney", "eastmoney-shared.jsonl.gz", "code", "summary"),
    ("ths", "ths-shared.jsonl.gz", "id", "digest"),
]


def load(path, feed, key_field, body_field):
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
            title = d.get("title") or ""
            body = d.get(body_field) or ""
            if not (title + body).strip() or len(title) + len(body) > MAX_CHARS:
                continue
            items.append({"key": key, "feed": feed, "title": title, "body": body})
    return items


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/part_b_items.jsonl"
    rng = random.Random(SEED)
    chosen = []
    for feed, fname, kf, bf in FEEDS:
        items = load(f"{corpus}/{fname}", feed, kf, bf)
        rand = rng.sample(items, N_RANDOM)
        taken = {it["key"] for it in rand}
        pool = [it for it in items if it["key"] not in taken
                and any(w in it["title"] + it["body"] for w in BROAD_NET)]
        broad = rng.sample(pool, N_BROAD)
        for it in rand:
            chosen.append(dict(it, subset="random"))
        for it in broad:
            chosen.append(dict(it, subset="broad"))
        print(f"{feed}: eligible={len(items)} broad_pool={len(pool)} "
              f"random={len(rand)} broad={len(broad)}", file=sys.stderr)
    with open(out, "w", encoding="utf-8") as f:
        for it in chosen:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")
    print(f"wrote {len(chosen)} items to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
