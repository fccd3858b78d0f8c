#!/usr/bin/env bash
# One command from a fresh machine to tagged news: installs what is missing,
# builds Release, runs the main job on the bundled sample of real feed items
# (cls, eastmoney and ths, detected per line), prints the summary and a query.
#
#   deploy/quickstart.sh            file source (no broker)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/deploy/install-deps.sh"
echo "== building (Release)"
BUILD_TYPE=Release BUILD_TARGET=newsflow "$root/deploy/build.sh" >/dev/null
build="${BUILD_DIR:-$root/build}"
nf="$build/newsflow"
db="$build/quickstart-db"
rm -rf "$db"

echo "== newsflow run: $(cat tests/fixtures/*-sample.jsonl | wc -l) real items from three feeds"
cat tests/fixtures/cls-sample.jsonl tests/fixtures/eastmoney-sample.jsonl tests/fixtures/ths-sample.jsonl |
  "$nf" run --source - --format auto --rules rules/sets --db "$db" --quiet

echo
echo "== newsflow query --tag region:shenzhen --limit 5"
"$nf" query --db "$db" --tag region:shenzhen --limit 5
echo
echo "== newsflow query --tag cluster:semiconductors --limit 5"
"$nf" query --db "$db" --tag cluster:semiconductors --limit 5
echo
echo "== newsflow rules explain (why a text is tagged)"
"$nf" rules explain --rules rules/sets $'深圳推进12英寸芯片生产线建设\n加快发展第三代半导体与低空经济，建设eVTOL起降点。'
echo
echo "database: $db   (try: $nf query --db $db --json --limit 3)"
