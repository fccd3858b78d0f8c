#!/usr/bin/env bash
# Configures and builds newsflow into $BUILD_DIR (default build/), Release
# unless BUILD_TYPE says otherwise. Arguments go to the cmake configure step
# (e.g. -DNEWSFLOW_SANITIZE=ON); BUILD_TARGET limits the build to one target.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
jobs=${JOBS:-$(nproc)}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@" >/dev/null
cmake --build "$build" -j "$jobs" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
