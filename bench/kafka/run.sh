#!/usr/bin/env bash
# Kafka -> RocksDB benchmark on the real cls corpus (30,201 items, 80 MB):
#
#   1. throughput: the corpus in a topic, consumed to its end by
#      `newsflow run --source kafka://...&exit=eof` (fresh DB and group each
#      run, fsync per batch as always on the Kafka path), beside `kcat`
#      consuming the same topic to /dev/null (the client's ceiling here),
#      the pipeline's Kafka source alone (build/bench/kafka_consume: the
#      same consumer, batches handed straight back, no pipeline behind it)
#      and the file source on the same corpus;
#   2. end-to-end latency at a fixed produce rate: record timestamp (the
#      producer's CreateTime) -> RocksDB commit, from `--latency-out`;
#   3. memory under a backlog: the corpus BACKLOG_REPEAT times in a topic,
#      consumed to the end; peak RSS (VmHWM) beside the 1x run's.
#
#   bench/kafka/run.sh                 uses/starts the broker (deploy/kafka/start.sh;
#                                      one it started is stopped at its end)
#   NEWSFLOW_KAFKA_BOOTSTRAP=127.0.0.1:9092 bench/kafka/run.sh
#
# Environment: NEWSFLOW (binary, default build/newsflow), KAFKA_CONSUME
# (default build/bench/kafka_consume), CORPUS, RULES
# (default rules/sets), RUNS (3), PARTITIONS (2), RATE (2000 msgs/s),
# LAT_ITEMS (20000), BACKLOG_REPEAT (10; 34 = 1.03M messages), WORK_DIR
# (build/bench-kafka). Prints a Markdown summary (also in WORK_DIR/summary.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
nf=${NEWSFLOW:-$root/build/newsflow}
consume=${KAFKA_CONSUME:-$root/build/bench/kafka_consume}
corpus=${CORPUS:-$root/../shared/corpus/cls-shared.jsonl.gz}
rules=${RULES:-$root/rules/sets}
runs=${RUNS:-3}
partitions=${PARTITIONS:-2}
rate=${RATE:-2000}
lat_items=${LAT_ITEMS:-20000}
backlog_repeat=${BACKLOG_REPEAT:-10}
work=${WORK_DIR:-$root/build/bench-kafka}

[[ -x "$nf" ]] || { echo "bench/kafka: $nf not built (deploy/build.sh)" >&2; exit 1; }
[[ -x "$consume" ]] || { echo "bench/kafka: $consume not built (ninja -C build kafka_consume)" >&2; exit 1; }
[[ -f "$corpus" ]] || { echo "bench/kafka: corpus $corpus not found" >&2; exit 1; }
command -v kcat >/dev/null || { echo "bench/kafka: kcat missing (deploy/install-deps.sh)" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"

# The run summary's rate line ("1.80 s  16739 items/s  44.7 MB/s ..."): found
# by its unit, since the lines above it vary (a story line when ids are on).
rate_line() { grep -m1 ' items/s ' "$@" || true; }

# What the run leaves behind: its topics (~0.9 GB with the backlog) are
# deleted, and a broker it started is stopped, so that a later
# tests/run.sh can start its own on the port; a broker that was already
# running stays running. A broker started on a state dir with no data yet
# is stopped with its data wiped: nothing but this run's topics was there.
# (A deleted topic's files go a minute later, or at the broker's next
# start if it was stopped before: Kafka's file.delete.delay.ms.)
topics=()
started_broker="" wipe_broker=""
cleanup() {
  if [[ -n $wipe_broker ]]; then
    "$root/deploy/kafka/stop.sh" --wipe >/dev/null 2>&1 || true
    return
  fi
  local t
  for t in "${topics[@]}"; do "$root/deploy/kafka/topic.sh" delete "$t" >/dev/null 2>&1 || true; done
  if [[ -n $started_broker ]]; then "$root/deploy/kafka/stop.sh" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [[ -n "${NEWSFLOW_KAFKA_BOOTSTRAP:-}" ]]; then
  broker=$NEWSFLOW_KAFKA_BOOTSTRAP
else
  # shellcheck source=deploy/kafka/common.sh
  state=$(source "$root/deploy/kafka/common.sh"
    if kafka_broker_pid >/dev/null; then echo running; elif [[ -d $KAFKA_DATA_DIR ]]; then echo data; else echo none; fi)
  broker=$("$root/deploy/kafka/start.sh" | tail -n 1)
  [[ $state == running ]] || started_broker=1
  [[ $state == none ]] && wipe_broker=1
fi
export KAFKA_PORT=${broker##*:}  # topic.sh talks to 127.0.0.1:$KAFKA_PORT
create_topic() {  # NAME: created with the run's partitions, deleted at its end
  "$root/deploy/kafka/topic.sh" create "$1" "$partitions" >/dev/null
  topics+=("$1")
}
id=$(date +%s)
log() { echo "[bench/kafka] $*" >&2; }

items=$(zcat "$corpus" | grep -c .)
bytes=$(zcat "$corpus" | grep . | tr -d '\n' | wc -c)
mb=$(python3 -c "print(f'{$bytes/1e6:.1f}')")
log "corpus $corpus: $items items, $mb MB; broker $broker; $(nproc) cores"

# Runs "$@" in the background, polls its VmHWM; prints "SECONDS PEAK_KB" on fd 3.
run_peak() {
  local start end peak=0 hwm
  start=$(date +%s.%N)
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [[ -n "$hwm" && "$hwm" -gt "$peak" ]] && peak=$hwm
    sleep 0.05
  done
  wait "$pid"
  end=$(date +%s.%N)
  echo "$(python3 -c "print(f'{$end-$start:.2f}')") $peak" >&3
}

# ---- 1. throughput -----------------------------------------------------------
topic=bench-cls-$id
create_topic "$topic"
log "producing the corpus into $topic ($partitions partitions)"
produce_line=$("$nf" produce --broker "$broker" --topic "$topic" "$corpus")
log "$produce_line"

kcat_best=""
for i in $(seq "$runs"); do
  secs=$( { /usr/bin/env bash -c "TIMEFORMAT=%R; time kcat -b '$broker' -C -t '$topic' -o beginning -e -q \
    -X enable.partition.eof=true >/dev/null" ; } 2>&1 | tail -n 1)
  log "kcat run $i: $secs s"
  kcat_best=$(python3 -c "print(min(x for x in [$secs, ${kcat_best:-1e9}]))")
done

# The Kafka source alone: best run by its first-message-to-end time.
src_best="" src_wall=""
for i in $(seq "$runs"); do
  line=$("$consume" "kafka://$broker/$topic?group=bench-src-$id-$i&exit=eof")
  read -r n wall steady < <(python3 -c "import json,sys; j=json.loads(sys.argv[1]); \
print(j['messages'], j['wall_s'], j['first_to_end_s'])" "$line")
  [[ "$n" == "$items" ]] || { log "kafka_consume run $i read $n of $items"; exit 1; }
  log "kafka source alone, run $i: $steady s first message to end, $wall s wall (incl. group join)"
  if [[ -z "$src_best" ]] || python3 -c "import sys; sys.exit(0 if $steady < $src_best else 1)"; then
    src_best=$steady
    src_wall=$wall
  fi
done

nf_best="" nf_peak_1x=0 nf_summary=""
for i in $(seq "$runs"); do
  db="$work/db-$i"
  out=$( { run_peak "$nf" run -q --rules "$rules" --db "$db" \
    --source "kafka://$broker/$topic?group=bench-$id-$i&exit=eof" >"$work/run-$i.out" 2>"$work/run-$i.err"; } 3>&1)
  secs=${out% *}
  peak=${out#* }
  stored=$(sed -n 's/^read \([0-9]*\).*/\1/p' "$work/run-$i.out")
  [[ "$stored" == "$items" ]] || { log "run $i read $stored of $items"; cat "$work/run-$i.err" >&2; exit 1; }
  log "newsflow run $i: $secs s wall (incl. group join), peak RSS $((peak / 1024)) MB; $(rate_line "$work/run-$i.out")"
  if [[ -z "$nf_best" ]] || python3 -c "import sys; sys.exit(0 if $secs < $nf_best else 1)"; then
    nf_best=$secs
    nf_summary=$(rate_line "$work/run-$i.out")
  fi
  ((peak > nf_peak_1x)) && nf_peak_1x=$peak
  rm -rf "$db"
done

file_out=$("$nf" run -q --rules "$rules" --db "$work/db-file" --source "$corpus" | rate_line)
file_sync_out=$("$nf" run -q --sync --rules "$rules" --db "$work/db-file-sync" --source "$corpus" | rate_line)
rm -rf "$work/db-file" "$work/db-file-sync"

# ---- 2. latency at a fixed rate ------------------------------------------------
lat_topic=bench-lat-$id
create_topic "$lat_topic"
python3 - "$corpus" "$lat_items" >"$work/lat-input.jsonl" <<'EOF'
import gzip, sys
with gzip.open(sys.argv[1], "rt", encoding="utf-8", errors="surrogateescape") as f:
    lines = [l for l in f if l.strip()][: int(sys.argv[2])]
sys.stdout.write("".join(lines))
EOF
"$nf" run -q --rules "$rules" --db "$work/db-lat" --latency-out "$work/latency-ms.txt" \
  --source "kafka://$broker/$lat_topic?group=bench-lat-$id" >"$work/lat.out" 2>"$work/lat.err" &
consumer=$!
for _ in $(seq 300); do grep -q "kafka: assigned" "$work/lat.err" && break; sleep 0.1; done
# Warm-up: the first fetches after an assignment start on librdkafka's idle
# tick; measure the steady state. The warm-up records are committed first
# and dropped from the figures below.
warmup=200
head -n "$warmup" "$work/lat-input.jsonl" >"$work/lat-warmup.jsonl"
"$nf" produce -q --broker "$broker" --topic "$lat_topic" "$work/lat-warmup.jsonl"
sleep 3
log "latency: producing $lat_items items at $rate msgs/s"
lat_produce=$("$nf" produce --broker "$broker" --topic "$lat_topic" --rate "$rate" "$work/lat-input.jsonl")
log "$lat_produce"
sleep 3
kill -TERM "$consumer"
wait "$consumer"
lat_stats=$(python3 - "$work/latency-ms.txt" "$warmup" <<'EOF'
import sys
v = sorted(float(x) for x in list(open(sys.argv[1]))[int(sys.argv[2]):] if x.strip())
q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
print(f"{len(v)} records: p50 {q(0.5):.1f} ms, p90 {q(0.9):.1f} ms, p99 {q(0.99):.1f} ms, "
      f"p99.9 {q(0.999):.1f} ms, max {v[-1]:.1f} ms")
EOF
)
log "latency: $lat_stats"
rm -rf "$work/db-lat"

# ---- 3. memory under a backlog -----------------------------------------------
bl_topic=bench-backlog-$id
create_topic "$bl_topic"
log "backlog: producing the corpus $backlog_repeat times into $bl_topic"
bl_produce=$("$nf" produce --broker "$broker" --topic "$bl_topic" --repeat "$backlog_repeat" "$corpus")
log "$bl_produce"
out=$( { run_peak "$nf" run -q --rules "$rules" --db "$work/db-backlog" \
  --source "kafka://$broker/$bl_topic?group=bench-bl-$id&exit=eof" >"$work/backlog.out" 2>"$work/backlog.err"; } 3>&1)
bl_secs=${out% *}
bl_peak=${out#* }
bl_summary="$(sed -n 1p "$work/backlog.out") $(rate_line "$work/backlog.out")"
log "backlog: $bl_secs s, peak RSS $((bl_peak / 1024)) MB; $bl_summary"
rm -rf "$work/db-backlog"

# The same with story ids off: what the consumer delivers when the story
# thread (the pipeline's costliest stage) is not behind it.
nostory_summary="" nostory_best=""
for i in $(seq "$runs"); do
  "$nf" run -q --no-stories --rules "$rules" --db "$work/db-ns-$i" \
    --source "kafka://$broker/$topic?group=bench-ns-$id-$i&exit=eof" >"$work/run-ns-$i.out" 2>"$work/run-ns-$i.err"
  line=$(rate_line "$work/run-ns-$i.out")
  secs=${line%% s *}
  if [[ -z "$nostory_best" ]] || python3 -c "import sys; sys.exit(0 if $secs < $nostory_best else 1)"; then
    nostory_best=$secs
    nostory_summary=$line
  fi
  rm -rf "$work/db-ns-$i"
done

kcat_rate=$(python3 -c "print(f'{$items/$kcat_best:,.0f} msgs/s, {$bytes/$kcat_best/1e6:.1f} MB/s')")
nf_rate=$(python3 -c "print(f'{$items/$nf_best:,.0f} msgs/s, {$bytes/$nf_best/1e6:.1f} MB/s')")
src_rate=$(python3 -c "print(f'{$items/$src_best:,.0f} msgs/s, {$bytes/$src_best/1e6:.1f} MB/s')")
src_ratio=$(python3 -c "print(f'{$kcat_best/$src_best:.2f}x')")
src_wall_rate=$(python3 -c "print(f'{$items/$src_wall:,.0f} msgs/s, {$bytes/$src_wall/1e6:.1f} MB/s')")
{
  echo "corpus: $(basename "$corpus"), $items items, $mb MB; $partitions partitions; $(nproc) cores; best of $runs"
  echo
  echo "| what | time | rate |"
  echo "|---|---|---|"
  echo "| kcat -C -e to /dev/null (client ceiling) | $kcat_best s | $kcat_rate |"
  echo "| newsflow Kafka source alone, first message to end ($src_ratio kcat) | $src_best s | $src_rate |"
  echo "| newsflow Kafka source alone, wall incl. group join | $src_wall s | $src_wall_rate |"
  echo "| newsflow run, kafka source, wall incl. group join | $nf_best s | $nf_rate |"
  echo "| newsflow run, kafka source, runner summary | ${nf_summary%% s *} s | $(echo "$nf_summary" | awk '{print $3, $4, $5, $6}') |"
  echo "| newsflow run, kafka source, --no-stories, runner summary | ${nostory_summary%% s *} s | $(echo "$nostory_summary" | awk '{print $3, $4, $5, $6}') |"
  echo "| newsflow run, file source (no fsync) | ${file_out%% s *} s | $(echo "$file_out" | awk '{print $3, $4, $5, $6}') |"
  echo "| newsflow run, file source --sync | ${file_sync_out%% s *} s | $(echo "$file_sync_out" | awk '{print $3, $4, $5, $6}') |"
  echo
  echo "produce: $produce_line"
  echo
  echo "latency at $rate msgs/s ($lat_produce):"
  echo "  $lat_stats (after $warmup warm-up records)"
  echo
  echo "memory: 1x corpus peak RSS $((nf_peak_1x / 1024)) MB; ${backlog_repeat}x backlog ($bl_produce)"
  echo "  consumed in $bl_secs s, peak RSS $((bl_peak / 1024)) MB: $bl_summary"
} | tee "$work/summary.md"
