#!/usr/bin/env bash
# watchlist_e2e.sh — `newsflow run` over all of cls (the whole run, start-up
# included) with the real rule set alone, and with N watch-list names added
# as a watch list (*.tsv) and as the same names written as YAML rules
# (project:w<i>: YAML rules cannot use watch: tags); the
# three alternate, ROUNDS times, and each run prints its wall seconds and
# peak RSS. The names are the last N lines of bench_data's
# patterns-watchlist-N.tsv (bench/RESULTS.md, "Watch lists").
#
#   BUILD_DIR=build bench/watchlist_e2e.sh 20000 [ROUNDS] [--no-stories]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
N="${1:?usage: watchlist_e2e.sh N [ROUNDS] [run options...]}"
ROUNDS="${2:-3}"
shift $(($# >= 2 ? 2 : 1))
NF="$BUILD_DIR/newsflow"
NAMES="$BUILD_DIR/bench-data/patterns-watchlist-$N.tsv"
CLS="$ROOT/../shared/corpus/cls-shared.jsonl.gz"
[[ -f "$CLS" ]] || { echo "needs ../shared/corpus/cls-shared.jsonl.gz (absent)" >&2; exit 1; }
[[ -f "$NAMES" ]] || { echo "no $NAMES: run $BUILD_DIR/bench/bench_data first (bench/run.sh does)" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
zcat "$CLS" > "$TMP/cls.jsonl"
for kind in tsv yaml; do mkdir "$TMP/$kind" && cp "$ROOT"/rules/sets/*.yaml "$TMP/$kind/"; done
tail -n "$N" "$NAMES" | cut -f2 | awk '{printf "watch:w%d\t%s\n", NR, $0}' > "$TMP/tsv/watch.tsv"
tail -n "$N" "$NAMES" | cut -f2 | awk 'BEGIN {print "version: 1\nrules:"}
  {printf "  - tag: project:w%d\n    any: [\"%s\"]\n    provenance: [{seed: watch, clause: watch}]\n", NR, $0}' \
  > "$TMP/yaml/watch.yaml"
for dir in "$ROOT/rules/sets" "$TMP/tsv" "$TMP/yaml"; do "$NF" rules check --rules "$dir" > /dev/null; done  # warm the cache
for ((r = 1; r <= ROUNDS; r++)); do
  for dir in "$ROOT/rules/sets" "$TMP/tsv" "$TMP/yaml"; do
    rm -rf "$TMP/db"
    name="real set"; [[ "$dir" == "$TMP/tsv" ]] && name="+$N names, watch list"
    [[ "$dir" == "$TMP/yaml" ]] && name="+$N names, YAML rules"
    /usr/bin/time -f "round $r  $name: %e s, peak RSS %M KiB" "$NF" run -q --rules "$dir" \
      --source "$TMP/cls.jsonl" --db "$TMP/db" "$@" 2>&1 >/dev/null | tail -1
  done
done
