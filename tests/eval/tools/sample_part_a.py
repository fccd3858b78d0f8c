#!/usr/bin/env python3
"""Select the items for Part A of the hand-labelled dev set (selection only;
labels are assigned by a human reader, never by this script).

Per feed:
  cls      (cls-shared.jsonl.gz):        90 items = 36 random + 54 broad
  fincuge  (fincuge-2021-2022.jsonl.gz): 80 items = 32 random + 48 broad
"random" (~40%) = uniformly random among all eligible items of the feed;
"broad"  (~60%) = uniformly random among the remaining eligible items whose
title+body contains at least one word of a broad industry/region net
(BROAD_NET below). The two subsets are disjoint.
Eligible = non-empty text, len(title)+len(body) <= 3000 characters;
deduplicated by key (first occurrence wins).
Title: the feed's title; for cls with an empty title, the 【…】 prefix of
content without brackets (or "" when there is none). Body = content as is.
Fixed seed 20261123. Output: one JSON line per item
  {"key", "feed", "title", "body", "subset"}  ("subset": "random" | "broad").
Usage: sample_part_a.py [CORPUS_DIR] [OUT_JSONL]
"""
import gzip, json, random, re, sys
from feed_items import DEFAULT_CORPUS

SEED = 20261123
MAX_CHARS = 3000

BROAD_NET = [
    "芯片", "半导体", "集成电路", "人工智能", "大模型", "算力", "机器人", "新能源", "光伏",
    "储能", "电池", "汽车", "医药", "医疗", "材料", "卫星", "无人机", "低空", "量子", "软件",
    "数据", "碳", "区块链", "显示", "传感器", "通信", "5G", "广东", "深圳", "广州", "大湾区",
    "港澳", "游戏", "化工", "海洋", "船", "基因", "细胞", "脑", "激光", "机床", "仪器", "环保",
    "节能", "健康", "养老", "服装", "珠宝", "化妆品", "数字人民币", "跨境", "理财通",
]

FEEDS = [
    # feed name, file, n_random, n_broad
    ("cls", "cls-shared.jsonl.gz", 36, 54),
    ("fincuge", "fincuge-2021-2022.jsonl.gz", 32, 48),
]

BRACKET = re.compile(r"^\s*【([^】]*)】")


def load(path, feed):
    seen, items = set(), []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            d = json.loads(line)
            key = f"{feed}:{d['id']}"
            if key in seen:
                continue
            seen.add(key)
            body = d.get("content") or ""
            title = d.get("title") or ""
            if feed == "cls" and not title.strip():
                m = BRACKET.match(body)
                title = m.group(1) if m else ""
            if not (title + body).strip() or len(title) + len(body) > MAX_CHARS:
                continue
            items.append({"key": key, "feed": feed, "title": title, "body": body})
    return items


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/part_a_items.jsonl"
    rng = random.Random(SEED)
    chosen = []
    for feed, fname, n_rand, n_broad in FEEDS:
        items = load(f"{corpus}/{fname}", feed)
        rand = rng.sample(items, n_rand)
        taken = {it["key"] for it in rand}
        pool = [it for it in items if it["key"] not in taken
                and any(w in it["title"] + it["body"] for w in BROAD_NET)]
        broad = rng.sample(pool, n_broad)
        chosen += [dict(it, subset="random") for it in rand]
        chosen += [dict(it, subset="broad") for it in broad]
        print(f"{feed}: eligible={len(items)} broad_pool={len(pool)} "
              f"random={len(rand)} broad={len(broad)}", file=sys.stderr)
    with open(out, "w", encoding="utf-8") as f:
        for it in chosen:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")
    print(f"wrote {len(chosen)} items to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
