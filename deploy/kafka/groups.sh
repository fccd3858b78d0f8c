#!/usr/bin/env bash
# Consumer-group inspection for the test broker, via Kafka's own
# ConsumerGroupCommand class.
#
#   deploy/kafka/groups.sh list
#   deploy/kafka/groups.sh describe GROUP   (committed offsets, end offsets, lag)
#   deploy/kafka/groups.sh offsets GROUP    (just "TOPIC PARTITION OFFSET" lines)
#
# Talks to 127.0.0.1:$KAFKA_PORT (default 9092).
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
  sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

groups_cmd() {
  local cls
  cls="$(kafka_pick_class \
    org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
    kafka.admin.ConsumerGroupCommand)"
  kafka_run_tool "$cls" --bootstrap-server "$KAFKA_BOOTSTRAP" "$@"
}

case "${1:-}" in
  list)
    [[ $# -eq 1 ]] || usage
    groups_cmd --list
    ;;
  describe)
    [[ $# -eq 2 ]] || usage
    groups_cmd --describe --group "$2"
    ;;
  offsets)
    [[ $# -eq 2 ]] || usage
    # Columns: GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG ...
    groups_cmd --describe --offsets --group "$2" |
      awk -v g="$2" '$1 == g && $3 ~ /^[0-9]+$/ { print $2, $3, $4 }' | sort
    ;;
  *) usage ;;
esac
