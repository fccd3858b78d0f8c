#!/usr/bin/env bash
# Builds newsflow with AddressSanitizer + UndefinedBehaviorSanitizer in
# build-asan/ (-O1 -g, -Werror, no benchmarks) and runs the unit and
# end-to-end tests under them. Any sanitizer report fails the test it
# happens in (UBSan does not recover; ASan aborts).
#
#   tests/run-asan.sh              the suites below
#   tests/run-asan.sh -R decoder   pass arguments to ctest (e.g. a filter)
#
# Left to the Release run (tests/run.sh), to keep CI well under an hour on
# two cores: the `kafka` label (needs the broker) and the `slow` label (the
# tmpfs disk-full and kill -9 recovery tests over the shared corpus), and
# `quickstart` (it rebuilds its BUILD_DIR as Release). Everything else,
# including the fault-injection matrix and the cls corpus test, runs here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/deploy/install-deps.sh" --with-browser
echo "== build (ASan + UBSan, build-asan/)"
BUILD_DIR="$root/build-asan" BUILD_TYPE=RelWithDebInfo "$root/deploy/build.sh" \
  -DNEWSFLOW_SANITIZE=ON -DNEWSFLOW_WERROR=ON -DNEWSFLOW_BUILD_BENCH=OFF \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g"

# Leaks in the unsanitized system libraries (librocksdb, OpenCC, Hyperscan)
# are not ours to fix; ASan's leak checker stays on for our code.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
command -v llvm-symbolizer >/dev/null && export ASAN_SYMBOLIZER_PATH="$(command -v llvm-symbolizer)"

echo "== tests (ASan + UBSan)"
cd "$root/build-asan"
# Two at a time, as tests/run.sh.
ctest --output-on-failure --timeout 900 -j "${NEWSFLOW_TEST_JOBS:-2}" -LE 'kafka|slow' -E '^quickstart' "$@"
