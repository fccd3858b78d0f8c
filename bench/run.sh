#!/usr/bin/env bash
# bench/run.sh [--quick] — builds Release, runs every benchmark and the peer
# engines, writes bench/results/latest.json and renders the plots.
#
#   bench/run.sh            full run (minutes: slow engines get up to 60 s a pass)
#   bench/run.sh --quick    short run (< 3 min once built): min time 0.05 s per
#                           benchmark, 3 s budget per pass (slower engines record
#                           "not run: would take ~N s"), smaller sweeps
#
# Environment: BUILD_DIR (default build-bench), JOBS (default 2),
# NEWSFLOW_CORPUS_DIR (default ../shared/corpus), NEWSFLOW_RULES_DIR.
# Outputs: bench/results/latest.json (Google Benchmark-style: a list
# `benchmarks` of {name, bytes_per_second, items_per_second, counters...};
# peers merged as match/{aho-corasick-rust,daachorse,pyahocorasick}/<corpus>,
# sweep/rules/<peer>/<n>, watchlist/{aho-corasick-rust,daachorse}/<n>, and
# match/lucene-monitor/cls: the whole rule set as Lucene Monitor queries, with
# its tag agreement with newsflow's tags on the same documents; quick mode:
# the first 4,000 cls documents), bench/results/*.png, bench/results/tables.md;
# raw outputs and the peers' input files under $BUILD_DIR/bench-raw and
# $BUILD_DIR/bench-data (not committed). A peer that cannot be built or
# installed (bench/peers/peers.sh) gets "not run: <reason>" entries; the run
# goes on without it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
build=${BUILD_DIR:-$root/build-bench}
jobs=${JOBS:-2}
data=$build/bench-data
raw=$build/bench-raw
results=$root/bench/results
t_start=$(date +%s)
log() { echo "== [$(($(date +%s) - t_start)) s] $*" >&2; }

log "dependencies"
"$root/deploy/install-deps.sh"
py=${PYTHON:-python3}
# matplotlib only draws the plots and tables.md: without it latest.json is
# still written.
plots=1
if ! "$py" -c 'import matplotlib' 2>/dev/null; then
  "$py" -m pip install -q -r "$root/bench/requirements-plot.txt" >&2 || plots=0
fi

log "build (Release) in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j "$jobs" match_bench decode_bench normalize_bench store_bench end_to_end_bench story_bench bench_data >&2
# The peers (bench/peers/peers.sh): one that cannot be built or installed
# (no cargo, no Maven, a pip failure) gets "not run: <reason>" records and
# the others still run. Lucene Monitor: jar and Maven's downloads under the
# build directory.
log "peers: build / install"
export LUCENE_PEER_BUILD_DIR=$build/lucene-monitor LUCENE_PEER_M2=$build/m2
source "$root/bench/peers/peers.sh"
build_peers
rust_bin=${peer_out[aho-corasick-rust]:-} dc_bin=${peer_out[daachorse]:-}
t_built=$(date +%s)

rm -rf "$raw"
mkdir -p "$data" "$raw/peers" "$results" "$build/bench-tmp"
export NEWSFLOW_BENCH_TMP=$build/bench-tmp
if ((quick)); then
  export NEWSFLOW_BENCH_QUICK=1
  min_time=0.05 iters=2 py_iters=1 peer_timeout=20 reps=3
  # Lucene Monitor runs ~3-4k docs/s: the first 4,000 cls documents, one
  # warm-up and one timed pass (plus its untimed tag-dump pass). plot.py
  # compares it with stage/scan+evaluate/cls/first:4000 (match_bench): change
  # both together.
  lm_limit=4000 lm_args=(--warmup 1 --iterations 1) lm_timeout=90 wl_timeout=60
else
  unset NEWSFLOW_BENCH_QUICK
  min_time=0.5 iters=5 py_iters=3 peer_timeout=300 reps=5
  lm_limit=0 lm_args=(--warmup 1 --iterations 3) lm_timeout=600 wl_timeout=300
fi
uptime > "$raw/load-before.txt"

log "peer inputs -> $data"
"$build/bench/bench_data" "$data" > "$raw/inputs.json"

# bench NAME OUT [ARGS...]
bench() {
  local b=$1 out=$2; shift 2
  log "${b}_bench $*"
  "$build/bench/${b}_bench" --benchmark_min_time=$min_time \
    --benchmark_out="$raw/${out}.json" --benchmark_out_format=json "$@" >&2 || {
      echo "run.sh: ${b}_bench failed" >&2; exit 1; }
}
# The engines the targets compare (and RE2's warm DFA varies from pass to
# pass): repeated, and the median kept by merge_results.py.
fast_engines='^match/(hyperscan|hyperscan-utf8|hyperscan-literal|hyperscan-batched|re2set)/'
bench decode decode
bench normalize normalize
bench match match-engines --benchmark_filter="$fast_engines" --benchmark_repetitions=$reps \
  --benchmark_report_aggregates_only=true
bench match match --benchmark_filter="-$fast_engines"
bench store store
bench end_to_end end_to_end
NEWSFLOW_STORY_DOCS=$data/story-docs.tsv bench story story

log "peer: story/datasketch (the same items, in the same order)"
run_peer "story/datasketch" "$peer_timeout" "$py" "$root/bench/peers/datasketch/run.py" --docs "$data/story-docs.tsv"

log "peers: match/<peer>/<corpus>"
for c in cls eastmoney ths fincuge long; do
  run_peer "match/aho-corasick-rust/$c" "$peer_timeout" "$rust_bin" \
    --patterns "$data/patterns-project.tsv" --docs "$data/docs-$c.txt" --iterations "$iters"
  run_peer "match/daachorse/$c" "$peer_timeout" "$dc_bin" \
    --patterns "$data/patterns-project.tsv" --docs "$data/docs-$c.txt" --iterations "$iters"
  run_peer "match/pyahocorasick/$c" "$peer_timeout" "$py" "$root/bench/peers/pyahocorasick/run.py" \
    --patterns "$data/patterns-project.tsv" --docs "$data/docs-$c.txt" --iterations "$py_iters"
done
log "peers: sweep/rules/<peer>/<n>"
nproject=$(wc -l < "$data/patterns-project.tsv")
for n in project 1000 10000 100000; do
  pf="$data/patterns-ngram-$n.tsv" label=$n
  [[ $n == project ]] && pf="$data/patterns-project.tsv" label=$nproject
  run_peer "sweep/rules/aho-corasick-rust/$label" "$peer_timeout" "$rust_bin" \
    --patterns "$pf" --docs "$data/docs-sweep.txt" --iterations "$iters"
  run_peer "sweep/rules/daachorse/$label" "$peer_timeout" "$dc_bin" \
    --patterns "$pf" --docs "$data/docs-sweep.txt" --iterations "$iters"
  run_peer "sweep/rules/pyahocorasick/$label" "$peer_timeout" "$py" "$root/bench/peers/pyahocorasick/run.py" \
    --patterns "$pf" --docs "$data/docs-sweep.txt" --iterations "$py_iters"
done
log "peers: watchlist/<peer>/<n> (the comparison keywords + n watch-list names, all cls)"
for n in 20000 100000; do
  run_peer "watchlist/aho-corasick-rust/$n" "$wl_timeout" "$rust_bin" \
    --patterns "$data/patterns-watchlist-$n.tsv" --docs "$data/docs-cls.txt" --iterations "$iters"
  run_peer "watchlist/daachorse/$n" "$wl_timeout" "$dc_bin" \
    --patterns "$data/patterns-watchlist-$n.tsv" --docs "$data/docs-cls.txt" --iterations "$iters"
done
log "peer: match/lucene-monitor/cls (the rule set as Monitor queries; tag agreement with tags-cls.jsonl)"
run_peer "match/lucene-monitor/cls" "$lm_timeout" "$py" "$root/bench/peers/lucene-monitor/bench_run.py" \
  --rules "${NEWSFLOW_RULES_DIR:-$root/rules/sets}" --docs "$data/docs-cls.txt" --ours "$data/tags-cls.jsonl" \
  --work "$build/bench-tmp/lucene-monitor" --limit "$lm_limit" -- "${lm_args[@]}"

# Where end-to-end time goes, by library and by function (software clock
# sampling: this VM has no hardware counters).
if command -v perf >/dev/null && perf record -q -e cpu-clock -o /dev/null true >/dev/null 2>&1; then
  log "perf: e2e/file-rocksdb/cls/threads:2/stories:1"
  perf record -q -e cpu-clock -F 999 -g -o "$raw/perf-e2e.data" "$build/bench/end_to_end_bench" \
    --benchmark_filter='e2e/file-rocksdb/cls/threads:2/stories:1' --benchmark_min_time=$min_time >/dev/null 2>&1 || true
  { echo "# perf record -e cpu-clock -g end_to_end_bench --benchmark_filter=e2e/file-rocksdb/cls/threads:2/stories:1 (all threads)"
    echo "## by library"
    perf report -i "$raw/perf-e2e.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep '%' | head -15
    echo "## by function (>= 0.8%)"
    perf report -i "$raw/perf-e2e.data" --no-children --sort dso,sym --stdio -g none --percent-limit 0.8 2>/dev/null \
      | grep '%' | sed 's/ *$//' | cut -c1-140
  } > "$results/perf-e2e.txt" || true
else
  echo "perf not usable here: no profile" > "$results/perf-e2e.txt"
fi
uptime > "$raw/load-after.txt"

log "merge -> bench/results/latest.json"
"$py" "$root/bench/merge_results.py" --raw "$raw" --quick "$quick" --out "$results/latest.json"
if ((plots)) && "$py" -c 'import matplotlib' 2>/dev/null; then
  log "plots -> bench/results/*.png"
  "$py" "$root/bench/plot.py" "$results/latest.json" "$results"
else
  log "no plots: matplotlib could not be installed (pip install -r bench/requirements-plot.txt)"
fi
t_end=$(date +%s)
log "done: build $((t_built - t_start)) s, benchmarks $((t_end - t_built)) s, total $((t_end - t_start)) s"
