#!/usr/bin/env bash
# Stops the broker of this state dir: SIGTERM (Kafka shuts down cleanly),
# then SIGKILL if it is still alive after KAFKA_STOP_TIMEOUT (default 30) s.
# Removes the pid file. No broker running is not an error.
#
#   deploy/kafka/stop.sh          stop, keep topics and offsets
#   deploy/kafka/stop.sh --wipe   stop and delete the data dir
#
# Environment (see common.sh): KAFKA_STATE_DIR, KAFKA_STOP_TIMEOUT.
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

wipe=0
case "${1:-}" in
  "") ;;
  --wipe) wipe=1 ;;
  *) echo "usage: $0 [--wipe]" >&2; exit 2 ;;
esac
timeout_s="${KAFKA_STOP_TIMEOUT:-30}"

if pid="$(kafka_broker_pid)"; then
  kafka_log "stopping broker pid $pid (SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + timeout_s))
  while kafka_is_our_broker "$pid" && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kafka_is_our_broker "$pid"; then
    kafka_log "broker pid $pid still alive after ${timeout_s} s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kafka_is_our_broker "$pid"; do
      sleep 0.1
    done
  fi
  kafka_log "broker stopped"
else
  kafka_log "no broker running for $KAFKA_STATE_DIR"
fi
rm -f "$KAFKA_PID_FILE"

if ((wipe)); then
  kafka_log "wiping $KAFKA_DATA_DIR"
  rm -rf "$KAFKA_DATA_DIR"
fi
