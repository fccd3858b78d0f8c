#!/usr/bin/env python3
"""Selects the 300 items of development part G (tests/eval/gold_part_g.jsonl)
the way sample_part_c.py selected part C (same eligibility: before
2026-07-16 UTC, which held-out set 2 keeps; title+body <= 3000 characters;
same strata sizes), with another seed, excluding every existing gold set
(parts A-F, both held-out sets). Its weak-cluster nets are the
high-volume clusters (ai, semiconductors, software-it,
network-communications, nev-icv, petrochemical, biomedicine, robotics,
smart-terminals): on unseen text most misses in absolute numbers fall there,
because most gold tags do. It assigns no labels.

Usage: sample_part_g.py [CORPUS_DIR] [OUT_JSONL]
"""
import os
import sys

import sample_part_c as c
from feed_items import DEFAULT_CORPUS

c.SEED = 20261202
c.WEAK_NETS = [
    ("ai", ["人工智能", "AI", "大模型", "算力", "智能体", "生成式"]),
    ("semiconductors", ["芯片", "半导体", "晶圆", "集成电路", "存储", "封测", "光刻"]),
    ("software-it", ["软件", "云计算", "数据中心", "服务器", "信创", "操作系统", "网络安全", "云服务"]),
    ("network-communications", ["通信", "光模块", "5G", "6G", "基站", "光纤", "CPO", "交换机", "运营商"]),
    ("nev-icv", ["新能源车", "新能源汽车", "电动车", "智能驾驶", "自动驾驶", "充电桩", "锂电", "动力电池"]),
    ("petrochemical", ["石化", "炼化", "化工", "成品油", "乙烯", "化纤", "化学"]),
    ("biomedicine", ["医药", "创新药", "药物", "药品", "疫苗", "临床", "原料药", "抗体"]),
    ("robotics", ["机器人", "具身智能", "减速器", "灵巧手"]),
    ("smart-terminals", ["手机", "平板", "可穿戴", "智能眼镜", "消费电子", "PC", "耳机", "智能家居"]),
]
c.EXCLUDE_GOLD = [os.path.join(c.HERE, "..", f)
                  for f in ("gold_part_a.jsonl", "gold_part_b.jsonl", "gold_part_c.jsonl", "gold_part_d.jsonl",
                            "gold_part_e.jsonl", "gold_part_f.jsonl", "gold_holdout.jsonl", "gold_holdout2.jsonl")]

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.argv[2:] = ["/tmp/part_g_items.jsonl"] if len(sys.argv) == 2 else [DEFAULT_CORPUS, "/tmp/part_g_items.jsonl"]
    c.main()
