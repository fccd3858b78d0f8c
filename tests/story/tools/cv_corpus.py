#!/usr/bin/env python3
"""Corpus-level K-fold cross-validation of the same-story model on the dev
pairs: what a change to the features, the index or its options is decided by.

For each fold: fit the weights (as train_model.py: L2-regularised logistic
regression) on the other folds' pairs, compile them into newsflow
(story_model.cc, then `ninja -C BUILD newsflow`), store the dev stream with
story assignment, and score the fold's pairs as `story eval` does (a pair is
`same` iff both documents carry one story id). The tp/fp/fn/tn of the folds
are pooled. story_model.cc is restored (and newsflow rebuilt) at the end,
also on an error.

Only the dev pairs are read: the held-out pairs must not choose anything
(tests/story/README.md).

  python3 tests/story/tools/merge_feeds.py --since 2026-05-14 --until 2026-07-01 --out /tmp/dev.jsonl
  python3 tests/story/tools/cv_corpus.py --stream /tmp/dev.jsonl [--folds 5] [--errors F] [-- RUN OPTIONS]

RUN OPTIONS go to `newsflow run` (e.g. -- --story-threshold 0.25). --errors
writes the misclassified pairs (pair_id, label, stratum, note) as JSON Lines.
Needs a configured build directory (ninja). ~20 s per fold on 2 cores.
"""
import argparse, json, os, random, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODEL = os.path.join(ROOT, "pipeline", "story", "story_model.cc")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_model import fit  # noqa: E402


def write_weights(src, w):
    body = "    " + ", ".join("%.4f" % v for v in w) + ",\n"
    return re.sub(r"(// @weights-begin\n).*?(    // @weights-end)", lambda m: m.group(1) + body + m.group(2),
                  src, flags=re.S)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stream", required=True, help="the dev split's feeds merged in time order (merge_feeds.py)")
    ap.add_argument("--pairs", default=os.path.join(ROOT, "tests", "story", "pairs_dev.jsonl"))
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--errors", help="write the misclassified pairs here")
    ap.add_argument("run_options", nargs="*", help="after --: options for `newsflow run`")
    args = ap.parse_args()
    if "holdout" in os.path.basename(args.pairs):
        sys.exit("refusing to cross-validate on held-out pairs")
    newsflow = os.path.join(args.build, "newsflow")
    pairs = {}
    with open(args.pairs, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                pairs[json.loads(line)["pair_id"]] = line
    feats = subprocess.run([newsflow, "story", "features", "--pairs", args.pairs, "--stream", args.stream],
                           check=True, capture_output=True, text=True).stdout
    rows = [json.loads(l) for l in feats.splitlines() if l.strip()]
    ids = sorted(r["pair_id"] for r in rows)
    random.Random(args.seed).shuffle(ids)
    original = open(MODEL, encoding="utf-8").read()
    work = tempfile.mkdtemp(prefix="story-cv-")
    total = [0, 0, 0, 0]
    errors = []
    try:
        for k in range(args.folds):
            test = set(ids[k::args.folds])
            train = [r for r in rows if r["pair_id"] not in test]
            w = fit([r["features"] for r in train], [1 if r["label"] == "same" else 0 for r in train])
            open(MODEL, "w", encoding="utf-8").write(write_weights(original, w))
            subprocess.run(["ninja", "-C", args.build, "newsflow"], check=True, capture_output=True)
            db = os.path.join(work, "db")
            shutil.rmtree(db, ignore_errors=True)
            subprocess.run([newsflow, "run", "-q", "--json", "--rules", os.path.join(ROOT, "rules", "sets"),
                            "--source", "file:" + args.stream, "--db", db] + args.run_options,
                           check=True, capture_output=True)
            fold = os.path.join(work, "fold.jsonl")
            with open(fold, "w", encoding="utf-8") as f:
                for p in sorted(test):
                    f.write(pairs[p])
            out = subprocess.run([newsflow, "story", "eval", "--json", "--pairs", fold, "--db", db],
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            for i, key in enumerate(("tp", "fp", "fn", "tn")):
                total[i] += r[key]
            for e in r["errors"]:
                pr = json.loads(pairs[e["pair_id"]])
                errors.append({"pair_id": e["pair_id"], "label": pr["label"], "stratum": pr["stratum"], "note": pr["note"]})
    finally:
        open(MODEL, "w", encoding="utf-8").write(original)
        subprocess.run(["ninja", "-C", args.build, "newsflow"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    if args.errors:
        with open(args.errors, "w", encoding="utf-8") as f:
            for e in errors:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
    tp, fp, fn, tn = total
    print(json.dumps({"folds": args.folds, "run_options": args.run_options, "precision": round(tp / max(1, tp + fp), 4),
                      "recall": round(tp / max(1, tp + fn), 4), "tp": tp, "fp": fp, "fn": fn, "tn": tn}))


if __name__ == "__main__":
    main()
