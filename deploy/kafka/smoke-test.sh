#!/usr/bin/env bash
# End-to-end check of the test broker with the project's client library
# (librdkafka, through kcat): start, produce 1000, consume them in a consumer
# group, check the committed offsets, idempotent producer, 4-partition topic,
# restart (data survives), stop --wipe.
#
# Runs its own broker on KAFKA_PORT (default here 19092) in a throw-away state
# dir, so it does not disturb a broker on 9092. Prints "N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export KAFKA_PORT="${KAFKA_PORT:-19092}"
own_state=0
if [[ -z "${KAFKA_STATE_DIR:-}" ]]; then
  KAFKA_STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/newsflow-kafka-smoke.XXXXXX")"
  own_state=1
fi
export KAFKA_STATE_DIR
work="$(mktemp -d "${TMPDIR:-/tmp}/newsflow-kafka-smoke-work.XXXXXX")"

passed=0 failed=0
check() { # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then
    passed=$((passed + 1))
    echo "ok   $1"
  else
    failed=$((failed + 1))
    echo "FAIL $1: expected [$2], got [$3]"
  fi
}
cleanup() {
  "$here/stop.sh" --wipe >/dev/null 2>&1 || true
  rm -rf "$work"
  if ((own_state)); then rm -rf "$KAFKA_STATE_DIR"; fi
}
trap cleanup EXIT

addr="$("$here/start.sh")"
check "start prints the bootstrap address" "127.0.0.1:$KAFKA_PORT" "$addr"
check "start is idempotent" "$addr" "$("$here/start.sh" 2>/dev/null | tail -n 1)"

seq 1 1000 | sed 's/^/news-/' >"$work/msgs"
kcat -b "$addr" -P -t smoke1 -l "$work/msgs"
timeout 60 kcat -b "$addr" -X auto.offset.reset=earliest -G smoke-g1 -e -q smoke1 \
  >"$work/got" 2>"$work/kcat.err" || true
check "group consumer got all 1000 messages" "$(sort "$work/msgs" | sha1sum)" "$(sort "$work/got" | sha1sum)"
check "group offsets committed" "smoke1 0 1000" "$("$here/groups.sh" offsets smoke-g1 2>/dev/null)"
check "group resumes from committed offset" 0 \
  "$(timeout 60 kcat -b "$addr" -G smoke-g1 -e -q smoke1 2>/dev/null | wc -l)"

seq 1 1000 | kcat -b "$addr" -P -t smoke-idem -X enable.idempotence=true -X acks=all 2>"$work/idem.err"
check "idempotent producer: 1000 messages" 1000 \
  "$(timeout 60 kcat -b "$addr" -C -t smoke-idem -o beginning -e -q 2>/dev/null | wc -l)"

"$here/topic.sh" create smoke-p4 4 2>/dev/null
check "4-partition topic" 4 "$("$here/topic.sh" partitions smoke-p4 2>/dev/null)"
seq 1 400 | awk '{print "k" $1 ":v" $1}' | kcat -b "$addr" -P -t smoke-p4 -K:
timeout 60 kcat -b "$addr" -X auto.offset.reset=earliest -G smoke-g4 -e -q smoke-p4 \
  >"$work/got4" 2>/dev/null || true
check "group consumer over 4 partitions" 400 "$(wc -l <"$work/got4")"
check "committed offsets on all 4 partitions add up" "4 400" \
  "$("$here/groups.sh" offsets smoke-g4 2>/dev/null | awk '{n++; s += $3} END {print n, s}')"

"$here/stop.sh" 2>/dev/null
check "stop removes the pid file" no "$([[ -e "$KAFKA_STATE_DIR/broker.pid" ]] && echo yes || echo no)"
"$here/start.sh" >/dev/null 2>&1
check "data survives a restart" 1000 \
  "$(timeout 60 kcat -b "$addr" -C -t smoke1 -o beginning -e -q 2>/dev/null | wc -l)"
check "offsets survive a restart" "smoke1 0 1000" "$("$here/groups.sh" offsets smoke-g1 2>/dev/null)"

"$here/stop.sh" --wipe 2>/dev/null
check "stop --wipe deletes the data" no "$([[ -e "$KAFKA_STATE_DIR/data" ]] && echo yes || echo no)"
rc=0
"$here/stop.sh" 2>/dev/null || rc=$?
check "stop without a broker exits 0" 0 "$rc"

echo "$passed passed, $failed failed"
((failed == 0))
