#!/usr/bin/env bash
# `deploy/quickstart.sh --desk` builds, ingests the sample with the example
# subscriptions and serves the desk on 127.0.0.1, printing its URL; then
# /health, /metrics and /api/query?tag=region:shenzhen answer, the page is
# served, and Ctrl-C (SIGINT) stops it with exit 0.
#
#   quickstart_desk_test.sh SOURCE_DIR   (BUILD_DIR in the environment)
set -euo pipefail
src=$1
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out" "$out.metrics" "$out.page"' EXIT
NEWSFLOW_DESK_PORT=0 setsid "$src/deploy/quickstart.sh" --desk >"$out" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 600); do
  url=$(grep -A1 '^desk at:' "$out" | sed -n 2p | grep -o 'http://127.0.0.1:[0-9]*/' || true)
  [[ -n "$url" ]] && break
  if ! kill -0 "$pid" 2>/dev/null; then cat "$out"; echo "FAIL: quickstart --desk exited early"; exit 1; fi
  sleep 0.5
done
[[ -n "$url" ]] || { cat "$out"; echo "FAIL: no desk URL printed"; exit 1; }
echo "desk at $url"
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }
[[ $(curl -sf "${url}health") == '{"status":"ok"}' ]] || fail "/health"
curl -sf "${url}metrics" >"$out.metrics" || fail "/metrics"
grep -q '^newsflow_store_documents 360$' "$out.metrics" || fail "/metrics: store_documents is not 360"
n=$(curl -sf "${url}api/query?tag=region:shenzhen&limit=1000" |
    /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]) if all("region:shenzhen" in i["tags"] for i in d["items"]) else -1)')
expected=$("$BUILD_DIR/newsflow" query --db "$BUILD_DIR/quickstart-db" --tag region:shenzhen --count 2>/dev/null)
[[ "$n" -gt 0 && "$n" == "$expected" ]] || fail "/api/query?tag=region:shenzhen gave $n items, the store has $expected"
curl -sf "$url" >"$out.page" || fail "the desk page"
grep -qi '<html' "$out.page" || fail "the desk page is not HTML"
kill -INT -- "-$pid"
wait "$pid" && rc=0 || rc=$?
[[ $rc == 0 ]] || fail "serve exited $rc on SIGINT"
echo "ok: /health, /metrics, /api/query ($n region:shenzhen documents), the page; exit 0 on SIGINT"
