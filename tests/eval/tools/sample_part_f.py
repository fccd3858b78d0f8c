#!/usr/bin/env python3
"""Selects the 300 items of development part F (tests/eval/gold_part_f.jsonl)
the way sample_part_c.py selected part C (same eligibility: before
2026-07-16 UTC, which held-out set 2 keeps; title+body <= 3000 characters;
same strata sizes), with another seed, excluding every existing gold set
(parts A-E, both held-out sets), and weak-cluster nets aimed at the clusters
whose precision is lowest on dev parts A-E after pass 3 (aerospace,
energy-saving-environmental, health, low-altitude, high-end-equipment,
smart-sensors, new-energy, new-materials, precision-instruments) and at
greater-bay-area, the weakest region. It assigns no labels.

Usage: sample_part_f.py [CORPUS_DIR] [OUT_JSONL]
"""
import os
import sys

import sample_part_c as c
from feed_items import DEFAULT_CORPUS

c.SEED = 20261201
c.WEAK_NETS = [
    ("aerospace", ["航天", "卫星", "火箭", "航空", "商业航天", "飞船", "星座"]),
    ("energy-saving-environmental", ["节能", "环保", "固废", "污水", "再生资源", "回收", "降碳", "治理"]),
    ("health", ["健康", "养老", "医疗服务", "康复", "医院", "医保", "护理"]),
    ("low-altitude", ["低空", "无人机", "eVTOL", "飞行汽车", "通航", "直升机"]),
    ("high-end-equipment", ["装备", "工程机械", "轨道交通", "盾构", "燃气轮机", "挖掘机", "高端装备"]),
    ("smart-sensors", ["传感器", "MEMS", "激光雷达", "毫米波雷达", "感知", "图像传感"]),
    ("new-energy", ["光伏", "风电", "新能源", "核电", "氢能", "绿电", "可再生"]),
    ("new-materials", ["新材料", "碳纤维", "复合材料", "稀土", "石墨烯", "特种材料", "高分子", "合金"]),
    ("precision-instruments", ["仪器", "仪表", "检测设备", "计量", "测量", "分析仪"]),
    ("greater-bay-area", ["大湾区", "粤港澳", "港澳", "横琴", "前海", "南沙", "河套"]),
]
c.EXCLUDE_GOLD = [os.path.join(c.HERE, "..", f)
                  for f in ("gold_part_a.jsonl", "gold_part_b.jsonl", "gold_part_c.jsonl", "gold_part_d.jsonl",
                            "gold_part_e.jsonl", "gold_holdout.jsonl", "gold_holdout2.jsonl")]

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.argv[2:] = ["/tmp/part_f_items.jsonl"] if len(sys.argv) == 2 else [DEFAULT_CORPUS, "/tmp/part_f_items.jsonl"]
    c.main()
