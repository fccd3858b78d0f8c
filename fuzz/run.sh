#!/usr/bin/env bash
# fuzz/run.sh — builds the libFuzzer targets with clang (ASan + UBSan) in
# build-fuzz/ and runs each for a while.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     # default: 60 s each, every target
#
# Steps: installs missing packages (deploy/install-deps.sh for the project's
# libraries, fuzz/install-deps.sh for clang + libFuzzer), configures
# build-fuzz with CC=clang CXX=clang++ -DNEWSFLOW_FUZZ=ON, builds every
# target (-j2), replays fuzz/regressions/<target>/* (known crashers: they
# fail until fixed), then fuzzes each target for SECONDS
# (-max_total_time) from a scratch corpus build-fuzz/corpus/<target> seeded
# from fuzz/corpus/<target> (the repository is never written). Crash inputs
# go to build-fuzz/artifacts/<target>/, logs to build-fuzz/logs/<target>.log.
# Prints one summary line per target; exits 1 if any target crashed (or a
# regression input still crashes), 2 if the build failed.
#
# Environment: NEWSFLOW_FUZZ_JOBS=N runs N targets at a time (default: the
# number of cores); NEWSFLOW_FUZZ_WERROR=OFF builds without -Werror;
# NEWSFLOW_FUZZ_SKIP_DEPS=1 skips the package check; FUZZ_ARGS adds
# libFuzzer flags to every run (e.g. FUZZ_ARGS="-jobs=2 -workers=2").
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build-fuzz"
DURATION="${1:-60}"
shift || true
if ! [[ "$DURATION" =~ ^[0-9]+$ ]] || ((DURATION < 1)); then
  echo "usage: fuzz/run.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi

ALL_TARGETS=(
  fuzz_decoder_cls fuzz_decoder_eastmoney fuzz_decoder_ths fuzz_decoder_auto fuzz_decoder_map
  fuzz_field_map fuzz_normalizer fuzz_story_sketch fuzz_line_source fuzz_line_source_gzip fuzz_rule_loader fuzz_watch_list
  fuzz_literal_tier fuzz_record_codec fuzz_time fuzz_subscriptions fuzz_http_api
)
if (($# > 0)); then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
# Each target once: two runs of one target at a time would share its corpus,
# artifacts and logs.
declare -A seen_target=()
unique=()
for t in "${TARGETS[@]}"; do
  [[ -n "${seen_target[$t]:-}" ]] && continue
  seen_target[$t]=1
  unique+=("$t")
done
TARGETS=("${unique[@]}")

# Per-target libFuzzer flags: dictionary and input size bound.
target_flags() {
  local d="$ROOT/fuzz/dict"
  case "$1" in
    fuzz_decoder_*) echo "-dict=$d/json.dict -max_len=8192" ;;
    fuzz_field_map) echo "-dict=$d/yaml.dict -max_len=2048" ;;
    fuzz_rule_loader | fuzz_subscriptions) echo "-dict=$d/yaml.dict -max_len=8192" ;;
    fuzz_watch_list) echo "-max_len=8192" ;;
    fuzz_literal_tier) echo "-max_len=4096" ;;
    fuzz_normalizer) echo "-dict=$d/html.dict -max_len=4096" ;;
    fuzz_story_sketch) echo "-max_len=4096" ;;
    fuzz_time) echo "-dict=$d/time.dict -max_len=64" ;;
    fuzz_http_api) echo "-dict=$d/http.dict -max_len=4096" ;;
    fuzz_line_source | fuzz_line_source_gzip) echo "-max_len=8192" ;;
    *) echo "" ;;
  esac
}

t_start=$(date +%s)

# --- dependencies -------------------------------------------------------------
if [[ "${NEWSFLOW_FUZZ_SKIP_DEPS:-0}" != 1 ]]; then
  if [[ -x "$ROOT/deploy/install-deps.sh" ]]; then
    "$ROOT/deploy/install-deps.sh" || { echo "run.sh: deploy/install-deps.sh failed" >&2; exit 2; }
  fi
  "$ROOT/fuzz/install-deps.sh" || { echo "run.sh: fuzz/install-deps.sh failed" >&2; exit 2; }
fi

# --- configure + build --------------------------------------------------------
mkdir -p "$BUILD/logs"
t_build=$(date +%s)
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja \
  -DNEWSFLOW_FUZZ=ON -DNEWSFLOW_BUILD_TESTS=OFF -DNEWSFLOW_BUILD_BENCH=OFF \
  -DNEWSFLOW_WERROR="${NEWSFLOW_FUZZ_WERROR:-ON}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
  > "$BUILD/logs/configure.log" 2>&1 || { tail -30 "$BUILD/logs/configure.log" >&2; echo "run.sh: configure failed" >&2; exit 2; }
if ! cmake --build "$BUILD" -j2 --target newsflow_fuzzers > "$BUILD/logs/build.log" 2>&1; then
  grep -E "error|warning" "$BUILD/logs/build.log" | head -40 >&2
  echo "run.sh: build failed (log: $BUILD/logs/build.log); with clang-only warnings try NEWSFLOW_FUZZ_WERROR=OFF" >&2
  exit 2
fi
build_s=$(($(date +%s) - t_build))
echo "run.sh: build ok in ${build_s}s ($(grep -c 'warning:' "$BUILD/logs/build.log") compiler warnings)"

# --- run ----------------------------------------------------------------------
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:symbolize=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:report_error_type=1}"
command -v llvm-symbolizer >/dev/null && export ASAN_SYMBOLIZER_PATH="$(command -v llvm-symbolizer)"

# One target: replays its regressions, fuzzes it, and writes its summary
# line to $BUILD/logs/<target>.summary (first word "FAIL" if it crashed or a
# regression input still crashes).
fuzz_one() {
  local t=$1
  local bin="$BUILD/fuzz/$t"
  local out="$BUILD/logs/$t.summary"
  if [[ ! -x "$bin" ]]; then
    printf 'FAIL %-24s MISSING (not built; known targets: %s)\n' "$t" "${ALL_TARGETS[*]}" > "$out"
    return
  fi
  local corpus="$BUILD/corpus/$t"
  local artifacts="$BUILD/artifacts/$t"
  local log="$BUILD/logs/$t.log"
  mkdir -p "$corpus" "$artifacts"
  [[ -d "$ROOT/fuzz/corpus/$t" ]] && cp -n "$ROOT/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
  local flags
  # shellcheck disable=SC2207
  flags=($(target_flags "$t"))

  # Known crashers first: each must now run clean.
  local reg_fail=0 r
  if compgen -G "$ROOT/fuzz/regressions/$t/*" >/dev/null; then
    for r in "$ROOT/fuzz/regressions/$t"/*; do
      if ! "$bin" "${flags[@]}" "$r" > "$BUILD/logs/$t.regression.log" 2>&1; then
        reg_fail=$((reg_fail + 1))
        echo "run.sh: $t: regression input still crashes: $r (log: $BUILD/logs/$t.regression.log)" >&2
      fi
    done
  fi

  local before after crashes rc
  before=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  echo "run.sh: fuzzing $t for ${DURATION}s ..."
  # shellcheck disable=SC2086
  "$bin" "${flags[@]}" -max_total_time="$DURATION" -rss_limit_mb=2048 -timeout=30 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} "$corpus" > "$log" 2>&1
  rc=$?
  after=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  crashes=$((after - before))
  ((rc != 0 && crashes == 0)) && crashes=1  # died without writing an artifact

  local runs cov corp eps line what newest
  runs=$(grep -oE 'stat::number_of_executed_runs: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  [[ -z "$runs" ]] && runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1)
  eps=$(grep -oE 'exec/s: [0-9]+' "$log" | tail -1)
  line=$(printf '%-24s runs=%-9s %-22s %-18s %-14s crashes=%s' "$t" "${runs:-?}" "${cov:-cov: ?}" \
    "${corp:-corp: ?}" "${eps:-exec/s: ?}" "$crashes")
  ((reg_fail > 0)) && line+=" regressions_failing=$reg_fail"
  if ((crashes > 0)); then
    what=$(grep -m1 -E '^SUMMARY: ' "$log" | cut -c1-120)
    newest=$(ls -t "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* 2>/dev/null | head -1)
    line+=" [${what:-rc=$rc}; input: ${newest:-none}; log: $log]"
  fi
  if ((crashes > 0 || reg_fail > 0)); then echo "FAIL $line" > "$out"; else echo "ok $line" > "$out"; fi
}

# Targets run side by side, one per core by default (NEWSFLOW_FUZZ_JOBS):
# each fuzzer is one process on one core, so every target still gets its
# SECONDS of a whole core, and the step takes 1/JOBS of the time.
# libFuzzer's own parallel modes (-jobs, -workers, -fork in FUZZ_ARGS) take
# the cores themselves and write fuzz-N.log files to the current directory:
# then one target at a time.
JOBS="${NEWSFLOW_FUZZ_JOBS:-$(nproc)}"
if ! [[ "$JOBS" =~ ^[0-9]+$ ]] || ((JOBS < 1)); then JOBS=1; fi
if [[ " ${FUZZ_ARGS:-} " =~ [[:space:]]-(jobs|workers|fork)= ]]; then JOBS=1; fi
# Interrupted (a CI timeout, ^C), the fuzzers running stop too: each job is
# a subshell whose child is the fuzzer.
stop_jobs() {
  local p
  for p in $(jobs -p); do
    pkill -TERM -P "$p" 2>/dev/null
    kill -TERM "$p" 2>/dev/null
  done
  return 0
}
trap stop_jobs EXIT
trap 'exit 130' INT TERM
running=0
for t in "${TARGETS[@]}"; do
  rm -f "$BUILD/logs/$t.summary"
  if ((running >= JOBS)); then
    wait -n
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait

summary=()
failed=0
for t in "${TARGETS[@]}"; do
  out="$BUILD/logs/$t.summary"
  if [[ ! -s "$out" ]]; then
    summary+=("$(printf '%-24s NO RESULT (the run of this target ended without a summary)' "$t")")
    failed=1
    continue
  fi
  read -r verdict line < "$out"
  summary+=("$line")
  [[ "$verdict" == ok ]] || failed=1
done

echo
echo "=== fuzz summary (${DURATION}s per target, ${JOBS} at a time; build ${build_s}s; total $(($(date +%s) - t_start))s) ==="
printf '%s\n' "${summary[@]}"
exit "$failed"
