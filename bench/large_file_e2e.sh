#!/usr/bin/env bash
# large_file_e2e.sh — issue 13's file -> RocksDB figure: `newsflow run -q`
# over an N-item plain JSON Lines file (default 400,000) made from the three
# wire feeds (bench/tools/make_large_input.py: copies with new ids and
# times 120 days apart), the whole run with start-up, into a new store each
# time; with story ids (the default) and with --no-stories alternating,
# ROUNDS times. Prints wall, CPU, peak RSS and items/s per run.
#
#   BUILD_DIR=build bench/large_file_e2e.sh [N] [ROUNDS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
N="${1:-400000}"
ROUNDS="${2:-2}"
NF="$BUILD_DIR/newsflow"
CORPUS="${NEWSFLOW_CORPUS_DIR:-$ROOT/../shared/corpus}"
for f in cls eastmoney ths; do
  [[ -f "$CORPUS/$f-shared.jsonl.gz" ]] || { echo "needs $CORPUS/$f-shared.jsonl.gz (absent)" >&2; exit 1; }
done
[[ -x "$NF" ]] || { echo "no $NF: build first (BUILD_DIR)" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
python3 "$ROOT/tests/story/tools/merge_feeds.py" --corpus "$CORPUS" --out "$TMP/all3.jsonl" >/dev/null
python3 "$ROOT/bench/tools/make_large_input.py" --input "$TMP/all3.jsonl" --items "$N" --out "$TMP/in.jsonl"
rm "$TMP/all3.jsonl"
cat "$TMP/in.jsonl" > /dev/null  # in the page cache, as for every run after
"$NF" rules check --rules "$ROOT/rules/sets" > /dev/null  # the compiled-rules cache warm
for ((r = 1; r <= ROUNDS; r++)); do
  for mode in stories no-stories; do
    rm -rf "$TMP/db"
    args=(); [[ $mode == no-stories ]] && args=(--no-stories)
    /usr/bin/time -o "$TMP/time" -f "%e %U %S %M" "$NF" run -q --rules "$ROOT/rules/sets" \
      --source "file:$TMP/in.jsonl" --db "$TMP/db" "${args[@]}" > /dev/null
    read -r wall user sys rss < "$TMP/time"
    awk -v r="$r" -v m="$mode" -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" -v k="$rss" 'BEGIN {
      printf "round %d  %-10s  %d items: %.2f s wall, %.2f s CPU, peak RSS %d MiB, %.0f items/s\n",
             r, m, n, w, u + s, k / 1024, n / w }'
  done
done
