#!/usr/bin/env python3
"""Fits the same-story model (pipeline/story/story_model.cc) on the labelled
dev pairs, by L2-regularised logistic regression over the features that
`newsflow story features` computes, and writes the weights between the
@weights-begin/@weights-end markers of story_model.cc.

Only pairs_dev.jsonl is ever used: the held-out pairs must not influence the
model (tests/story/README.md). The script prints 5-fold cross-validated
precision/recall on dev at a few logit thresholds, which is how the default
threshold (StoryOptions::threshold) was chosen.

  python3 tests/story/tools/merge_feeds.py --since 2026-05-14 --until 2026-07-01 --out dev.jsonl
  python3 tests/story/tools/train_model.py --stream dev.jsonl [--newsflow build/newsflow] [--write]

Pure Python (no numpy), deterministic (fixed fold seed, fixed iterations).
"""
import argparse, json, math, os, random, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODEL = os.path.join(ROOT, "pipeline", "story", "story_model.cc")
L2, ITERATIONS, RATE = 0.003, 4000, 1.0


def fit(X, Y):
    w = [0.0] * len(X[0])
    n = len(X)
    for _ in range(ITERATIONS):
        g = [0.0] * len(w)
        for x, y in zip(X, Y):
            z = sum(a * b for a, b in zip(w, x))
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            for k, xk in enumerate(x):
                g[k] += (p - y) * xk
        for k in range(len(w)):
            w[k] -= RATE * (g[k] / n + (L2 * w[k] if k else 0.0))
    return w


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--newsflow", default=os.path.join(ROOT, "build", "newsflow"))
    ap.add_argument("--pairs", default=os.path.join(ROOT, "tests", "story", "pairs_dev.jsonl"))
    ap.add_argument("--stream", required=True,
                    help="the dev split's feeds merged in time order (tools/merge_feeds.py --since 2026-05-14 --until 2026-07-01)")
    ap.add_argument("--write", action="store_true", help="write the weights into story_model.cc")
    args = ap.parse_args()
    if "holdout" in os.path.basename(args.pairs):
        sys.exit("refusing to fit on held-out pairs")
    out = subprocess.run([args.newsflow, "story", "features", "--pairs", args.pairs, "--stream", args.stream],
                         check=True, capture_output=True, text=True).stdout
    rows = [json.loads(l) for l in out.splitlines() if l.strip()]
    X = [r["features"] for r in rows]
    Y = [1 if r["label"] == "same" else 0 for r in rows]

    idx = list(range(len(X)))
    random.Random(20261128).shuffle(idx)
    score = [0.0] * len(X)
    for k in range(5):
        test = set(idx[k::5])
        w = fit([X[i] for i in idx if i not in test], [Y[i] for i in idx if i not in test])
        for i in test:
            score[i] = sum(a * b for a, b in zip(w, X[i]))
    print("5-fold cross-validated on dev (%d pairs, %d same):" % (len(X), sum(Y)))
    for th in (-0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0):
        tp = sum(1 for s, y in zip(score, Y) if s > th and y)
        fp = sum(1 for s, y in zip(score, Y) if s > th and not y)
        print("  logit > %5.2f  precision %.3f  recall %.3f" % (th, tp / max(1, tp + fp), tp / max(1, sum(Y))))

    w = fit(X, Y)
    print("weights:", ", ".join("%.4f" % v for v in w))
    if args.write:
        src = open(MODEL, encoding="utf-8").read()
        body = "    " + ", ".join("%.4f" % v for v in w) + ",\n"
        new = re.sub(r"(// @weights-begin\n).*?(    // @weights-end)", lambda m: m.group(1) + body + m.group(2),
                     src, flags=re.S)
        open(MODEL, "w", encoding="utf-8").write(new)
        print("wrote", MODEL)


if __name__ == "__main__":
    main()
