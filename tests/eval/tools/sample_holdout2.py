#!/usr/bin/env python3
"""Select the items for HELD-OUT SET 2 (selection only; labels are assigned by
a human reader, never by this script).

Held-out set 2 is measured once per tuning round and never used to tune the
rules. It replaces nothing: gold_holdout.jsonl stays as it is.

Only the three wire feeds, and only items dated 2026-07-16 .. 2026-07-31 (UTC):
  cls       (cls-shared.jsonl.gz,       key id,   title + content, date from ctime, unix s)
  eastmoney (eastmoney-shared.jsonl.gz, key code, title + summary, date from showTime,
             Beijing time "YYYY-MM-DD HH:MM:SS", converted to UTC by subtracting 8 h)
  ths       (ths-shared.jsonl.gz,       key id,   title + digest,  date from ctime, unix s string)
Per feed, in this order, 70 items each (210 in all):
  28 (40%) uniformly random among all eligible items of the feed, plus
  42 (60%) uniformly random among the remaining eligible items whose
  title+body contains at least one word of the broad industry/region net
  (BROAD_NET, copied from sample_part_b.py). The two subsets are disjoint.
Eligible = deduplicated by key (first occurrence wins), key NOT in
gold_part_a.jsonl, gold_part_b.jsonl or gold_holdout.jsonl, dated in the window
above (UTC), non-empty text, len(title)+len(body) <= 3000 characters.
Title: the feed's title; for cls with an empty title, the 【…】 prefix of
content without brackets (or "" when there is none). Body = the body field
exactly as in the feed (the same rules as sample_part_a/b.py and sample_holdout.py).
Fixed seed 20261129. Output: one JSON line per item
  {"key", "feed", "title", "body", "subset"}  ("subset": "random" | "broad").
Usage: sample_holdout2.py [CORPUS_DIR] [OUT_JSONL]
"""
import datetime, os, random, sys

from feed_items import (DEFAULT_CORPUS, draw_random_and_broad, gold_keys, read_feed, title_body,
                        write_selection)

SEED = 20261129
N_RANDOM = 28
N_BROAD = 42
MAX_CHARS = 3000
DATE_FROM = datetime.date(2026, 7, 16)   # inclusive, UTC
DATE_TO = datetime.date(2026, 7, 31)     # inclusive, UTC

# Copied from sample_part_b.py (the same net as Part A and the first held-out set).
BROAD_NET = [
    "芯片", "半导体", "集成电路", "人工智能", "大模型", "算力", "机器人", "新能源", "光伏",
    "储能", "电池", "汽车", "医药", "医疗", "材料", "卫星", "无人机", "低空", "量子", "软件",
    "数据", "碳", "区块链", "显示", "传感器", "通信", "5G", "广东", "深圳", "广州", "大湾区",
    "港澳", "游戏", "化工", "海洋", "船", "基因", "细胞", "脑", "激光", "机床", "仪器", "环保",
    "节能", "健康", "养老", "服装", "珠宝", "化妆品", "数字人民币", "跨境", "理财通",
]

FEEDS = [
    # feed name (files and fields: feed_items.FEED_FILES), time field
    ("cls", "ctime"),
    ("eastmoney", "showTime"),
    ("ths", "ctime"),
]

HERE = os.path.dirname(os.path.abspath(__file__))
EXCLUDE_GOLD = [os.path.join(HERE, "..", f) for f in
                ("gold_part_a.jsonl", "gold_part_b.jsonl", "gold_holdout.jsonl")]

BEIJING = datetime.timedelta(hours=8)


def utc_date(d, time_field):
    v = d.get(time_field)
    if v in (None, ""):
        return None
    if time_field == "showTime":
        return (datetime.datetime.strptime(v, "%Y-%m-%d %H:%M:%S") - BEIJING).date()
    return datetime.datetime.fromtimestamp(int(v), datetime.timezone.utc).date()


def load(corpus, feed, time_field, exclude):
    items = []
    for key, d in read_feed(corpus, feed):
        if key in exclude:
            continue
        day = utc_date(d, time_field)
        if day is None or not (DATE_FROM <= day <= DATE_TO):
            continue
        title, body = title_body(feed, d)
        if not (title + body).strip() or len(title) + len(body) > MAX_CHARS:
            continue
        items.append({"key": key, "feed": feed, "title": title, "body": body})
    return items


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/holdout2_items.jsonl"
    exclude = gold_keys(EXCLUDE_GOLD)
    rng = random.Random(SEED)
    chosen = []
    for feed, tf in FEEDS:
        chosen += draw_random_and_broad(feed, load(corpus, feed, tf, exclude), rng, N_RANDOM, N_BROAD, BROAD_NET)
    write_selection(chosen, exclude, out)


if __name__ == "__main__":
    main()
