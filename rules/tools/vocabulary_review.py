"""The review of mined terms (rules/vocabulary/review.tsv) and the rule files,
as the vocabulary tools read them: one reader for write_vocabulary.py,
mine_vocabulary.py and vocabulary_evidence.py.

A review line: tag, term, accept|reject, yes/read, reason, keys read as the
tag (comma-separated); `#` lines are comments. A malformed line ends the
program with FILE:LINE and what is wrong.
"""
import collections
import os
import sys

Review = collections.namedtuple("Review", "tag term accepted yes_read reason keys")


def review_lines(path):
    """Yields a Review for every line of the file."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 5:
                sys.exit(f"{path}:{n}: expected tag, term, decision, yes/read, reason[, keys]")
            tag, term, decision = cols[0].strip(), cols[1].strip(), cols[2].strip()
            if decision not in ("accept", "reject"):
                sys.exit(f"{path}:{n}: decision must be accept or reject, not {decision!r}")
            if not cols[4].strip():
                sys.exit(f"{path}:{n}: a decision needs its reason")
            keys = [k.strip() for k in cols[5].split(",") if k.strip()] if len(cols) > 5 else []
            yield Review(tag, term, decision == "accept", cols[3], cols[4], keys)


def rule_files(rules_dir, skip=None):
    """The rule files the loader reads (`*.yaml` / `*.yml`, any letter case), in name order, but `skip`."""
    names = sorted(n for n in os.listdir(rules_dir) if n.lower().endswith((".yaml", ".yml")) and n != skip)
    return [os.path.join(rules_dir, n) for n in names]
