#!/usr/bin/env python3
"""Select the items for Part C of the hand-labelled dev set (selection only;
labels are assigned by a human reader, never by this script).

Per feed, in this order (300 items in all):
  eastmoney (eastmoney-shared.jsonl.gz, key code, title + summary)  120 items
  ths       (ths-shared.jsonl.gz,       key id,   title + digest)   120 items
  cls       (cls-shared.jsonl.gz,       key id,   title + content)   60 items
Within a feed the strata are drawn in this order, each disjoint from the ones
before it:
  random     ~30%  uniformly random among all eligible items;
  announce   ~23%  uniformly random among the remaining items whose title+body
                   contains a company-announcement word (ANNOUNCE_NET);
  roundup    ~23%  uniformly random among the remaining items whose title+body
                   contains a market round-up word (ROUNDUP_NET);
  weak       ~23%  the clusters where keyword rules miss most: one item at a
                   time, cycling through WEAK_NETS in order, each drawn
                   uniformly from the remaining items that contain a word of
                   that cluster's net.
The word nets only steer the draw toward likely positives and hard negatives.
They decide no labels.
Eligible = deduplicated by key (first occurrence wins), non-empty text,
len(title)+len(body) <= 3000 characters, key NOT in gold_part_a.jsonl,
gold_part_b.jsonl or gold_holdout.jsonl, and published before
2026-07-16 00:00 UTC (items from 2026-07-16 on are reserved for a new held-out
set; eastmoney's showTime is Beijing time, UTC+8).
Title: the feed's title; for cls with an empty title, the 【…】 prefix of
content without brackets (or "" when there is none), as in Part A and the
held-out set. Body = the body field exactly as in the feed.
Fixed seed 20261128. Output: one JSON line per item
  {"key", "feed", "title", "body", "subset"}
  ("subset": "random" | "announce" | "roundup" | "weak:<cluster>").
Usage: sample_part_c.py [CORPUS_DIR] [OUT_JSONL]
"""
import datetime, json, os, random, sys

from feed_items import DEFAULT_CORPUS, gold_keys, read_feed, title_body

SEED = 20261128
MAX_CHARS = 3000
CUTOFF = datetime.datetime(2026, 7, 16, tzinfo=datetime.timezone.utc)
BEIJING = datetime.timezone(datetime.timedelta(hours=8))

ANNOUNCE_NET = ["公告", "拟", "签订", "中标", "回购", "增持", "业绩"]
ROUNDUP_NET = ["板块", "涨停", "盘中", "早报", "收评", "午评", "晚报", "复盘", "概念股"]
WEAK_NETS = [
    ("biomedicine", ["医药", "创新药", "药物", "药品", "疫苗", "临床", "原料药", "CXO", "CRO", "抗体"]),
    ("network-communications", ["通信", "光模块", "5G", "6G", "基站", "光纤", "CPO", "交换机", "运营商"]),
    ("software-it", ["软件", "云计算", "数据中心", "服务器", "信创", "操作系统", "网络安全", "SaaS", "云服务"]),
    ("ai", ["人工智能", "AI", "大模型", "算力", "智能体", "生成式"]),
    ("new-materials", ["新材料", "碳纤维", "复合材料", "稀土", "石墨烯", "特种材料", "高分子"]),
    ("high-end-equipment", ["装备", "工程机械", "轨道交通", "盾构", "重型机械", "燃气轮机", "挖掘机"]),
    ("smart-terminals", ["手机", "平板", "可穿戴", "智能眼镜", "消费电子", "PC", "耳机", "智能家居", "AR", "VR"]),
    ("robotics", ["机器人", "具身智能", "减速器", "灵巧手"]),
    ("energy-storage", ["储能", "蓄能", "电池", "钠电", "固态电池"]),
]

FEEDS = [
    # feed name (files and fields: feed_items.FEED_FILES), time field, n_random, n_announce, n_roundup, n_weak
    ("eastmoney", "showTime", 36, 28, 28, 28),
    ("ths", "ctime", 36, 28, 28, 28),
    ("cls", "ctime", 18, 14, 14, 14),
]

HERE = os.path.dirname(os.path.abspath(__file__))
EXCLUDE_GOLD = [os.path.join(HERE, "..", f)
                for f in ("gold_part_a.jsonl", "gold_part_b.jsonl", "gold_holdout.jsonl")]

def published_utc(d, time_field):
    v = d[time_field]
    if time_field == "showTime":
        return datetime.datetime.strptime(v, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    return datetime.datetime.fromtimestamp(int(v), datetime.timezone.utc)


def load(corpus, feed, time_field, exclude):
    items, n_late = [], 0
    for key, d in read_feed(corpus, feed):
        if key in exclude:
            continue
        if published_utc(d, time_field) >= CUTOFF:
            n_late += 1
            continue
        title, body = title_body(feed, d)
        if not (title + body).strip() or len(title) + len(body) > MAX_CHARS:
            continue
        items.append({"key": key, "feed": feed, "title": title, "body": body})
    return items, n_late


def has_any(it, words):
    text = it["title"] + it["body"]
    return any(w in text for w in words)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/part_c_items.jsonl"
    exclude = gold_keys(EXCLUDE_GOLD)
    rng = random.Random(SEED)
    chosen = []
    for feed, tf, n_rand, n_ann, n_round, n_weak in FEEDS:
        items, n_late = load(corpus, feed, tf, exclude)
        taken = set()

        def draw(pool, n, subset):
            picked = rng.sample(pool, n)
            taken.update(it["key"] for it in picked)
            chosen.extend(dict(it, subset=subset) for it in picked)
            return picked

        draw(items, n_rand, "random")
        ann_pool = [it for it in items if it["key"] not in taken and has_any(it, ANNOUNCE_NET)]
        draw(ann_pool, n_ann, "announce")
        round_pool = [it for it in items if it["key"] not in taken and has_any(it, ROUNDUP_NET)]
        draw(round_pool, n_round, "roundup")
        weak_pools = {c: [it for it in items if has_any(it, ws)] for c, ws in WEAK_NETS}
        for i in range(n_weak):
            cluster = WEAK_NETS[i % len(WEAK_NETS)][0]
            pool = [it for it in weak_pools[cluster] if it["key"] not in taken]
            draw(pool, 1, f"weak:{cluster}")
        print(f"{feed}: eligible={len(items)} dropped_from_0716={n_late} "
              f"announce_pool={len(ann_pool)} roundup_pool={len(round_pool)} "
              f"weak_pools=" + ",".join(f"{c}:{len(p)}" for c, p in weak_pools.items()) +
              f" random={n_rand} announce={n_ann} roundup={n_round} weak={n_weak}",
              file=sys.stderr)
    keys = [it["key"] for it in chosen]
    assert len(keys) == len(set(keys)), "duplicate keys"
    assert not set(keys) & exclude, "overlap with existing gold sets"
    with open(out, "w", encoding="utf-8") as f:
        for it in chosen:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")
    print(f"wrote {len(chosen)} items to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
