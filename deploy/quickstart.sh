#!/usr/bin/env bash
# One command from a fresh machine to tagged news: installs what is missing,
# builds Release, runs the main job on the bundled sample of real feed items
# (cls, eastmoney and ths, detected per line), prints the summary and a query.
#
#   deploy/quickstart.sh            file source (no broker)
#   deploy/quickstart.sh --kafka    the streaming path: starts the Kafka broker
#                                   (deploy/kafka/start.sh), replays the sample
#                                   into a topic with `newsflow produce`, consumes
#                                   it in a consumer group into RocksDB, queries
#   deploy/quickstart.sh --desk     the sample with the example subscriptions
#                                   (deploy/subscriptions.example.yaml), then
#                                   `newsflow serve`: the web desk, the API and
#                                   /metrics on 127.0.0.1 (port $NEWSFLOW_DESK_PORT,
#                                   default 8080; 0 = any free port) until Ctrl-C
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

kafka=0
desk=0
case "${1:-}" in
  "") ;;
  --kafka) kafka=1 ;;
  --desk) desk=1 ;;
  *) echo "usage: $0 [--kafka | --desk]" >&2; exit 2 ;;
esac

if ((kafka)); then "$root/deploy/install-deps.sh" --with-kafka; else "$root/deploy/install-deps.sh"; fi
echo "== building (Release)"
BUILD_TYPE=Release BUILD_TARGET=newsflow "$root/deploy/build.sh" >/dev/null
build="${BUILD_DIR:-$root/build}"
nf="$build/newsflow"
db="$build/quickstart-db"
rm -rf "$db"

if ((kafka)); then
  echo "== kafka broker (deploy/kafka/start.sh)"
  broker=$("$root/deploy/kafka/start.sh" | tail -n 1)
  echo "broker at $broker"
  # A fresh topic and group per run, so the demo always starts from the beginning.
  run_id=$(date +%s)
  topic="quickstart-news-$run_id"
  group="quickstart-$run_id"
  "$root/deploy/kafka/topic.sh" create "$topic" 3 >/dev/null
  cat tests/fixtures/cls-sample.jsonl tests/fixtures/eastmoney-sample.jsonl tests/fixtures/ths-sample.jsonl \
    >"$build/quickstart-sample.jsonl"
  echo "== newsflow produce: the sample into topic $topic (3 partitions, keyed by document key)"
  "$nf" produce --broker "$broker" --topic "$topic" "$build/quickstart-sample.jsonl"
  echo "== newsflow run --source kafka://$broker/$topic?group=$group&exit=eof"
  "$nf" run --source "kafka://$broker/$topic?group=$group&exit=eof" --format auto --rules rules/sets \
    --db "$db" --dead-letter "kafka://$broker/$topic-dlq" --quiet
  echo "(offsets are stored in the DB with the documents and committed to Kafka for lag tools;"
  echo " the broker keeps running: stop it with deploy/kafka/stop.sh)"
elif ((desk)); then
  echo "== newsflow run over the sample with the example subscriptions (one alert per subscription and story)"
  cat tests/fixtures/cls-sample.jsonl tests/fixtures/eastmoney-sample.jsonl tests/fixtures/ths-sample.jsonl |
    "$nf" run --source - --format auto --rules rules/sets --db "$db" --quiet \
      --subscriptions deploy/subscriptions.example.yaml --alerts "file:$build/quickstart-alerts.jsonl"
  port="${NEWSFLOW_DESK_PORT:-8080}"
  echo
  echo "== newsflow serve: the desk (Ctrl-C to stop). Try:"
  echo "   curl -s http://127.0.0.1:$port/health"
  echo "   curl -s http://127.0.0.1:$port/metrics"
  echo "   curl -s 'http://127.0.0.1:$port/api/query?tag=region:shenzhen&limit=3'"
  echo "   (more items: $nf run --source FILE --db $db --subscriptions deploy/subscriptions.example.yaml --alerts file:...)"
  echo "desk at:"
  # serve prints the URL (with the bound port) on its first line of stdout.
  exec "$nf" serve --db "$db" --listen "127.0.0.1:$port" --rules rules/sets \
    --subscriptions deploy/subscriptions.example.yaml
else
  echo "== newsflow run over $(cat tests/fixtures/*-sample.jsonl | wc -l) real items from three feeds"
  cat tests/fixtures/cls-sample.jsonl tests/fixtures/eastmoney-sample.jsonl tests/fixtures/ths-sample.jsonl |
    "$nf" run --source - --format auto --rules rules/sets --db "$db" --quiet
fi

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
