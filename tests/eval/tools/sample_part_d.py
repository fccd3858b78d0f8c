#!/usr/bin/env python3
"""Selects the 300 items of development part D (tests/eval/gold_part_d.jsonl)
the way sample_part_c.py selected part C (same eligibility: before
2026-07-16 UTC, which held-out set 2 keeps; title+body <= 3000 characters),
with another seed, excluding every existing gold set (parts A-C, both
held-out sets), and weak-cluster nets aimed at the clusters where held-out
set 1's misses concentrate (petrochemical, software-it, semiconductors,
smart-terminals, aerospace, energy-saving-environmental, marine,
biomedicine) and at the cross-border-finance theme. It assigns no labels.

Usage: sample_part_d.py [CORPUS_DIR] [OUT_JSONL]
"""
import os
import sys

import sample_part_c as c
from feed_items import DEFAULT_CORPUS

c.SEED = 20261129
c.WEAK_NETS = [
    ("petrochemical", ["石化", "炼化", "化工", "原油", "成品油", "乙烯", "PX", "炼油", "燃料油"]),
    ("software-it", ["软件", "云计算", "数据中心", "服务器", "信创", "操作系统", "网络安全", "SaaS", "云服务"]),
    ("semiconductors", ["芯片", "半导体", "晶圆", "集成电路", "存储", "封测", "光刻"]),
    ("smart-terminals", ["手机", "平板", "可穿戴", "智能眼镜", "消费电子", "PC", "耳机", "智能家居"]),
    ("aerospace", ["航天", "卫星", "火箭", "航空", "商业航天", "大飞机"]),
    ("energy-saving-environmental", ["节能", "环保", "固废", "污水", "再生资源", "回收", "减排"]),
    ("marine", ["海洋", "船舶", "海工", "深海", "海上风电", "造船"]),
    ("biomedicine", ["医药", "创新药", "药物", "药品", "疫苗", "临床", "原料药", "抗体"]),
    ("cross-border-finance", ["跨境", "人民币国际化", "离岸", "QFII", "外资", "互联互通", "港股通"]),
]
c.EXCLUDE_GOLD = [os.path.join(c.HERE, "..", f)
                  for f in ("gold_part_a.jsonl", "gold_part_b.jsonl", "gold_part_c.jsonl",
                            "gold_holdout.jsonl", "gold_holdout2.jsonl")]

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.argv[2:] = ["/tmp/part_d_items.jsonl"] if len(sys.argv) == 2 else [DEFAULT_CORPUS, "/tmp/part_d_items.jsonl"]
    c.main()
