#!/usr/bin/env bash
# Installs what the fuzz build needs beyond deploy/install-deps.sh: clang and
# the compiler-rt runtimes (libclang_rt.fuzzer, asan, ubsan) for Debian 12's
# default clang (14). Installs only what is missing; safe to run repeatedly.
# Needs root (or sudo).
set -euo pipefail

# clang-14 only *recommends* libclang-rt-14-dev, which ships
# libclang_rt.fuzzer*.a and the sanitizer runtimes, so name it explicitly.
PACKAGES=(clang libclang-rt-14-dev llvm-14)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "fuzz/install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
