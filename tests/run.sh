#!/usr/bin/env bash
# Installs what is missing, builds (Release, -Werror), starts the real Kafka
# broker, runs every test with ctest, and stops the broker (also on failure).
#
#   tests/run.sh              everything
#   tests/run.sh -R decoder   pass arguments to ctest (e.g. a filter)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/deploy/install-deps.sh" --with-kafka --with-browser
echo "== build"
BUILD_TYPE=Release "$root/deploy/build.sh" -DNEWSFLOW_WERROR=ON

broker_started=""
cleanup() {
  if [[ -n "$broker_started" ]]; then
    "$root/deploy/kafka/stop.sh" --wipe >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
if [[ -x "$root/deploy/kafka/start.sh" ]]; then
  echo "== kafka broker"
  export NEWSFLOW_KAFKA_BOOTSTRAP
  NEWSFLOW_KAFKA_BOOTSTRAP=$("$root/deploy/kafka/start.sh" | tail -n 1)
  broker_started=1
  echo "broker at $NEWSFLOW_KAFKA_BOOTSTRAP"
fi

echo "== tests"
cd "$root/build"
# Two at a time (the machine has two cores); the kafka tests take turns on the
# broker (tests/CMakeLists.txt: RESOURCE_LOCK kafka_broker).
ctest --output-on-failure --timeout 900 -j "${NEWSFLOW_TEST_JOBS:-2}" "$@"
