#!/usr/bin/env python3
"""Agreement between two readers' labels of the same items (a measurement of
label consistency, not of the rules).

tests/eval/second_reader/*.jsonl hold a second reader's labels
({"key", "labels"}) for items of a gold part, labelled blind to the first
reader's labels with the same instructions. For each family (cluster, theme,
region, cluster+theme) this prints the tags both readers gave, the tags only
one gave, and F1 taking the gold file as the reference.

Usage: agreement.py GOLD SECOND [GOLD SECOND ...]
  e.g. agreement.py tests/eval/gold_part_f.jsonl tests/eval/second_reader/part_f_1-150.jsonl
"""
import json
import sys


def tags_by_key(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                out[d["key"]] = {x["tag"] for x in d["labels"]}
    return out


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit(__doc__)
    for gold_path, second_path in zip(args[::2], args[1::2]):
        gold, second = tags_by_key(gold_path), tags_by_key(second_path)
        missing = [k for k in second if k not in gold]
        if missing:
            sys.exit(f"{second_path}: {len(missing)} keys not in {gold_path}, e.g. {missing[0]}")
        print(f"{second_path} vs {gold_path}: {len(second)} items")
        for fams in (("cluster",), ("theme",), ("region",), ("cluster", "theme")):
            both = only_gold = only_second = 0
            for k, s in second.items():
                g = {t for t in gold[k] if t.split(":")[0] in fams}
                s = {t for t in s if t.split(":")[0] in fams}
                both += len(g & s)
                only_gold += len(g - s)
                only_second += len(s - g)
            f1 = 2 * both / (2 * both + only_gold + only_second) if both + only_gold + only_second else 1.0
            print(f"  {'+'.join(fams):14s} both {both:4d}  only first {only_gold:3d}  only second {only_second:3d}  F1 {f1:.3f}")


if __name__ == "__main__":
    main()
