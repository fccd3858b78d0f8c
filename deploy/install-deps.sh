#!/usr/bin/env bash
# Installs what newsflow needs to build and test, from Debian's packages, only
# if something is missing. Safe to run repeatedly. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config zlib1g-dev
  librdkafka-dev libsimdjson-dev libhyperscan-dev librocksdb-dev libisal-dev
  libyaml-cpp-dev libopencc-dev opencc libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libre2-dev libpcre2-dev
  libjemalloc-dev  # the newsflow binary's malloc
  libboost-dev  # Boost.Beast/Asio: the HTTP server (header-only)
  prometheus-cpp-dev  # the /metrics data model and text format (its core library only)
  kcat python3 python3-yaml curl systemd  # curl: the desk examples; systemd: systemd-analyze verify of deploy/systemd
  logrotate  # the test that rotates a running run's alert file with deploy/logrotate/newsflow
)
for flag in "$@"; do
  case "$flag" in
    --with-kafka) PACKAGES+=(default-jdk-headless maven) ;;
    # The tests of the HTTP API and the web desk: a Prometheus text parser,
    # and Debian's headless chromium driven by selenium (no downloaded browser).
    --with-browser) PACKAGES+=(python3-prometheus-client chromium chromium-driver python3-selenium fonts-wqy-microhei) ;;
    *) echo "install-deps: unknown option $flag (known: --with-kafka --with-browser)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${PACKAGES[@]}"; do
  # A package counts as present when dpkg says it is installed (any arch).
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# The JDK and Maven may come from elsewhere (a preinstalled SDK): accept them.
if [[ " ${missing[*]} " == *" default-jdk-headless "* ]] && command -v java >/dev/null; then
  missing=("${missing[@]/default-jdk-headless/}")
fi
if [[ " ${missing[*]} " == *" maven "* ]] && command -v mvn >/dev/null; then
  missing=("${missing[@]/maven/}")
fi
read -r -a missing <<< "${missing[*]}"
if ((${#missing[@]} == 0)); then
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
