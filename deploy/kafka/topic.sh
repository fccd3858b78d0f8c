#!/usr/bin/env bash
# Topic admin for the test broker, via Kafka's own TopicCommand class.
#
#   deploy/kafka/topic.sh create NAME PARTITIONS   (ok if it already exists
#                                                   with that partition count)
#   deploy/kafka/topic.sh describe NAME
#   deploy/kafka/topic.sh partitions NAME          (prints the count)
#   deploy/kafka/topic.sh list
#   deploy/kafka/topic.sh delete NAME
#
# Talks to 127.0.0.1:$KAFKA_PORT (default 9092). Each call starts a JVM
# (about 1-2 s).
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

# TopicCommand moved from core (kafka.admin) to the tools module in 3.x.
topic_cmd() {
  local cls
  cls="$(kafka_pick_class org.apache.kafka.tools.TopicCommand kafka.admin.TopicCommand)"
  kafka_run_tool "$cls" --bootstrap-server "$KAFKA_BOOTSTRAP" "$@"
}

# Prints the partition count of topic $1, or nothing if it does not exist.
partition_count() {
  topic_cmd --describe --topic "$1" 2>/dev/null |
    sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -n 1 || true
}

cmd="${1:-}"
case "$cmd" in
  create)
    [[ $# -eq 3 ]] || usage
    name="$2" parts="$3"
    [[ "$parts" =~ ^[1-9][0-9]*$ ]] || kafka_die "PARTITIONS must be a positive integer, got '$parts'"
    if out="$(topic_cmd --create --topic "$name" --partitions "$parts" \
      --replication-factor 1 2>&1)"; then
      echo "$out" >&2
      exit 0
    fi
    if ! grep -q 'already exists' <<<"$out"; then
      echo "$out" >&2
      kafka_die "could not create topic $name on $KAFKA_BOOTSTRAP"
    fi
    # It exists already: fine if the partition count matches.
    have="$(partition_count "$name")"
    [[ "$have" == "$parts" ]] ||
      kafka_die "topic $name already exists with ${have:-?} partitions, not $parts"
    kafka_log "topic $name already exists with $parts partitions"
    ;;
  describe)
    [[ $# -eq 2 ]] || usage
    topic_cmd --describe --topic "$2"
    ;;
  partitions)
    [[ $# -eq 2 ]] || usage
    have="$(partition_count "$2")"
    [[ -n "$have" ]] || kafka_die "no topic $2 on $KAFKA_BOOTSTRAP"
    echo "$have"
    ;;
  list)
    [[ $# -eq 1 ]] || usage
    topic_cmd --list
    ;;
  delete)
    [[ $# -eq 2 ]] || usage
    topic_cmd --delete --topic "$2"
    ;;
  *) usage ;;
esac
