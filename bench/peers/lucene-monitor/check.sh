#!/usr/bin/env bash
# Agreement check: newsflow's own tags vs the Lucene Monitor peer's, on a corpus.
#   check.sh [CORPUS.jsonl[.gz]] [N] [OUT_DIR]
# defaults: testdata/edge-cases.jsonl (21 hand-made cls items), N=3000, a temp dir.
# Needs build/newsflow (NEWSFLOW=... to use another binary). Prints the peer's
# JSON line and compare_tags.py's summary; exit 1 when the tag sets differ.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
corpus="${1:-$here/testdata/edge-cases.jsonl}"
n="${2:-3000}"
if [[ -n "${3:-}" ]]; then out="$3"; mkdir -p "$out"
else out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT; fi
fmt=cls
case "$(basename "$corpus")" in eastmoney*) fmt=eastmoney ;; ths*) fmt=ths ;; esac
py="${PYTHON:-python3}"
"$py" "$here/make_sample.py" --corpus "$corpus" --format "$fmt" --n "$n" \
  --newsflow "${NEWSFLOW:-$root/build/newsflow}" --rules "$root/rules/sets" "$out"
"$here/run.sh" --rules "$root/rules/sets" --docs "$out/docs.jsonl" --iterations 1 --warmup 0 \
  --dump-tags "$out/lucene-tags.tsv" | tee "$out/lucene.json"
"$py" "$here/compare_tags.py" "$out/ours.jsonl" "$out/lucene-tags.tsv" > "$out/compare.json"
"$py" - "$out/compare.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps({"overall": d["overall"], "docs_equal_share": d["docs_equal_share"],
                  "examples": d["examples"][:5]}, ensure_ascii=False))
sys.exit(0 if d["overall"]["jaccard"] in (1.0, None) else 1)
PY
