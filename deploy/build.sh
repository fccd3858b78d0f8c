#!/usr/bin/env bash
# Configures and builds newsflow into build/ (Release unless BUILD_TYPE says
# otherwise). Extra arguments go to cmake, e.g. -DNEWSFLOW_SANITIZE=ON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
jobs=${JOBS:-$(nproc)}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$build" -j "$jobs"
