#!/usr/bin/env bash
# `deploy/quickstart.sh --desk` builds, ingests the sample with the example
# subscriptions and serves the desk on 127.0.0.1, printing its URL; then
# /health, /metrics and /api/query?tag=region:shenzhen answer, the page is
# served, and Ctrl-C (SIGINT) stops it with exit 0. With
# NEWSFLOW_DESK_PORT=0 the examples it prints name the port it bound. A PUT
# of a subscription edits a copy in the build directory, never the tracked
# deploy/subscriptions.example.yaml. Run twice, it starts from nothing: the
# second run's alert file has as many alerts as the first's.
#
#   quickstart_desk_test.sh SOURCE_DIR   (BUILD_DIR in the environment)
set -euo pipefail
src=$1
out=$(mktemp)
pid=""
example="$src/deploy/subscriptions.example.yaml"
cp "$example" "$out.example"
trap '[[ -n "$pid" ]] && kill -- "-$pid" 2>/dev/null; rm -f "$out" "$out.metrics" "$out.page" "$out.example"' EXIT
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

desk() {
  NEWSFLOW_DESK_PORT=0 setsid "$src/deploy/quickstart.sh" --desk >"$out" 2>&1 &
  pid=$!
  url=""
  for _ in $(seq 1 600); do
    url=$(grep -A1 '^desk at:' "$out" | sed -n 2p | grep -o 'http://127.0.0.1:[0-9]*/' || true)
    [[ -n "$url" ]] && break
    if ! kill -0 "$pid" 2>/dev/null; then cat "$out"; echo "FAIL: quickstart --desk exited early"; exit 1; fi
    sleep 0.5
  done
  [[ -n "$url" ]] || fail "no desk URL printed"
  echo "desk at $url"
  # The examples it prints, once they are there, name the bound port.
  for _ in $(seq 1 20); do grep -q 'curl -s .*/health' "$out" && break; sleep 0.2; done
  tries=$(grep -o 'http://127.0.0.1:[0-9]*/' "$out" | sort -u)
  [[ "$tries" == "$url" ]] || fail "the printed URLs name other ports than $url: $tries"
}

stop() {
  kill -INT -- "-$pid"
  wait "$pid" && rc=0 || rc=$?
  pid=""
  [[ $rc == 0 ]] || fail "serve exited $rc on SIGINT"
}

desk
[[ $(curl -sf "${url}health") == '{"status":"ok"}' ]] || fail "/health"
curl -sf "${url}metrics" >"$out.metrics" || fail "/metrics"
grep -q '^newsflow_store_documents 360$' "$out.metrics" || fail "/metrics: store_documents is not 360"
n=$(curl -sf "${url}api/query?tag=region:shenzhen&limit=1000" |
    /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]) if all("region:shenzhen" in i["tags"] for i in d["items"]) else -1)')
expected=$("$BUILD_DIR/newsflow" query --db "$BUILD_DIR/quickstart-db" --tag region:shenzhen --count 2>/dev/null)
[[ "$n" -gt 0 && "$n" == "$expected" ]] || fail "/api/query?tag=region:shenzhen gave $n items, the store has $expected"
curl -sf "$url" >"$out.page" || fail "the desk page"
grep -qi '<html' "$out.page" || fail "the desk page is not HTML"
# The README's PUT example: the desk's own copy changes, the tracked file not.
curl -sf -X PUT "${url}api/subscriptions/qs-test-put" -d '{"any":["cluster:ai"]}' >/dev/null || fail "PUT /api/subscriptions"
subs=$(curl -sf "${url}api/subscriptions") || fail "GET /api/subscriptions"
[[ $subs == *qs-test-put* ]] || fail "the PUT subscription is not listed: $subs"
cmp -s "$example" "$out.example" || { cp "$out.example" "$example"; fail "the PUT rewrote $example"; }
alerts1=$(wc -l <"$BUILD_DIR/quickstart-alerts.jsonl")
[[ $alerts1 -gt 0 ]] || fail "the sample raised no alerts"
stop

# A second run starts from nothing: the example subscriptions again, the
# same alerts, once.
desk
subs=$(curl -sf "${url}api/subscriptions") || fail "GET /api/subscriptions"
[[ $subs != *qs-test-put* ]] || fail "the second run kept the first's PUT subscription"
alerts2=$(wc -l <"$BUILD_DIR/quickstart-alerts.jsonl")
[[ $alerts2 == "$alerts1" ]] || fail "the second run's alert file has $alerts2 lines, the first's $alerts1"
stop
echo "ok: /health, /metrics, /api/query ($n region:shenzhen documents), the page, PUT on a copy; $alerts1 alerts" \
     "twice; exit 0 on SIGINT"
