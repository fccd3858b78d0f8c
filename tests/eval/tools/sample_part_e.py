#!/usr/bin/env python3
"""Selects the 300 items of development part E (tests/eval/gold_part_e.jsonl)
the way sample_part_c.py selected part C (same eligibility: before
2026-07-16 UTC, which held-out set 2 keeps; title+body <= 3000 characters;
same strata sizes), with another seed, excluding every existing gold set
(parts A-D, both held-out sets), and weak-cluster nets aimed at the clusters
with the most misses left on the development parts A-D after the second
precision pass (ai, aerospace, new-energy, petrochemical, biomedicine,
smart-sensors, health, energy-saving-environmental, new-materials). It
assigns no labels.

Usage: sample_part_e.py [CORPUS_DIR] [OUT_JSONL]
"""
import os
import sys

import sample_part_c as c
from feed_items import DEFAULT_CORPUS

c.SEED = 20261130
c.WEAK_NETS = [
    ("ai", ["人工智能", "AI", "大模型", "算力", "智能体", "生成式", "机器学习"]),
    ("aerospace", ["航天", "卫星", "火箭", "商业航天", "空间站", "星座", "遥感"]),
    ("new-energy", ["光伏", "风电", "新能源", "核电", "氢能", "绿电", "储能电站"]),
    ("petrochemical", ["石化", "炼化", "化工", "成品油", "乙烯", "PX", "炼油", "燃料油", "化纤"]),
    ("biomedicine", ["医药", "创新药", "药物", "药品", "疫苗", "临床", "原料药", "抗体", "生物药"]),
    ("smart-sensors", ["传感器", "MEMS", "激光雷达", "毫米波雷达", "图像传感"]),
    ("health", ["健康", "养老", "医疗服务", "康复", "体检", "医保"]),
    ("energy-saving-environmental", ["节能", "环保", "固废", "污水", "再生资源", "回收", "减排"]),
    ("new-materials", ["新材料", "碳纤维", "复合材料", "稀土", "石墨烯", "特种材料", "高分子"]),
]
c.EXCLUDE_GOLD = [os.path.join(c.HERE, "..", f)
                  for f in ("gold_part_a.jsonl", "gold_part_b.jsonl", "gold_part_c.jsonl", "gold_part_d.jsonl",
                            "gold_holdout.jsonl", "gold_holdout2.jsonl")]

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.argv[2:] = ["/tmp/part_e_items.jsonl"] if len(sys.argv) == 2 else [DEFAULT_CORPUS, "/tmp/part_e_items.jsonl"]
    c.main()
