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
build="${BUILD_DIR:-$root/build}"
mkdir -p "$build"
# The build's output goes to a log (the progress lines would bury the demo);
# a failed build shows its tail, where the compiler's error is.
build_log="$build/quickstart-build.log"
echo "== building (Release; output in $build_log)"
if ! BUILD_TYPE=Release BUILD_TARGET=newsflow "$root/deploy/build.sh" >"$build_log" 2>&1; then
  echo "quickstart: the build failed; the end of $build_log:" >&2
  tail -n 60 "$build_log" >&2
  exit 1
fi
nf="$build/newsflow"
db="$build/quickstart-db"
alerts="$build/quickstart-alerts.jsonl"
# --desk edits its subscriptions over the API (PUT /api/subscriptions): a
# copy in the build directory, not the tracked example.
subscriptions="$build/quickstart-subscriptions.yaml"
# Each run starts from nothing: the alert sink appends, so it goes with the db.
rm -rf "$db" "$alerts"

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
  cp deploy/subscriptions.example.yaml "$subscriptions"
  echo "== newsflow run over the sample with the example subscriptions (one alert per subscription and story)"
  cat tests/fixtures/cls-sample.jsonl tests/fixtures/eastmoney-sample.jsonl tests/fixtures/ths-sample.jsonl |
    "$nf" run --source - --format auto --rules rules/sets --db "$db" --quiet \
      --subscriptions "$subscriptions" --alerts "file:$alerts"
  echo
  echo "== newsflow serve: the desk (Ctrl-C to stop)"
  echo "desk at:"
  # serve prints its URL, with the port it bound (NEWSFLOW_DESK_PORT=0: any
  # free one), on its first line of stdout: the examples use that port.
  show_try() {
    local url port
    IFS= read -r url || return 0
    printf '%s\n' "$url"
    port=${url##*:}
    port=${port%%/*}
    echo "Try:"
    echo "   curl -s http://127.0.0.1:$port/health"
    echo "   curl -s http://127.0.0.1:$port/metrics"
    echo "   curl -s 'http://127.0.0.1:$port/api/query?tag=region:shenzhen&limit=3'"
    echo "   (the subscriptions file the desk edits: $subscriptions)"
    echo "   (more items: $nf run --source FILE --db $db --subscriptions $subscriptions --alerts file:$alerts)"
    cat
  }
  exec "$nf" serve --db "$db" --listen "127.0.0.1:${NEWSFLOW_DESK_PORT:-8080}" --rules rules/sets \
    --subscriptions "$subscriptions" > >(show_try)
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
