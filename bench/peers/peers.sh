#!/usr/bin/env bash
# The peer-build step of bench/run.sh and its guarded runner, sourced by it.
# A peer that cannot be built or installed (no cargo, no Maven, a pip failure)
# must not end the run: its rows get a "not run: <reason>" record and every
# other engine still runs.
#
#   source bench/peers/peers.sh
#   build_peers              # sets peer_out[PEER] (build output, e.g. the binary)
#                            # or peer_skip[PEER] (the reason), never fails
#   run_peer NAME TIMEOUT_S CMD...   # needs $raw; writes $raw/peers/<NAME>.json
#
# Run on its own it builds every peer and prints what run.sh would record:
#   bench/peers/peers.sh     # e.g. MVN=/nonexistent/mvn bench/peers/peers.sh
# Environment as run.sh: PYTHON, CARGO, MVN, LUCENE_PEER_BUILD_DIR, LUCENE_PEER_M2.

peers_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
declare -gA peer_out=() peer_skip=()

# peer_build PEER CMD... : runs CMD (the peer's build.sh or setup.sh), its
# stderr passed on; its stdout in peer_out[PEER]. When CMD fails,
# peer_skip[PEER] = "not run: PEER build failed (exit N): <last stderr line>".
peer_build() {
  local peer=$1 out err rc=0
  shift
  err=$(mktemp)
  out=$("$@" 2> "$err") || rc=$?
  cat "$err" >&2
  if ((rc == 0)); then
    peer_out[$peer]=$out
  else
    peer_skip[$peer]="not run: $peer build failed (exit $rc): $({ grep -v '^[[:space:]]*$' "$err" || true; } | tail -n 1 | tr -d '"\\' | tr '\t' ' ')"
    echo "peers.sh: ${peer_skip[$peer]}" >&2
  fi
  rm -f "$err"
  return 0
}

build_peers() {
  peer_build pyahocorasick "$peers_root/bench/peers/pyahocorasick/setup.sh"
  peer_build datasketch "$peers_root/bench/peers/datasketch/setup.sh"
  peer_build aho-corasick-rust "$peers_root/bench/peers/aho-corasick-rust/build.sh"
  peer_build daachorse "$peers_root/bench/peers/daachorse/build.sh"
  peer_build lucene-monitor "$peers_root/bench/peers/lucene-monitor/build.sh"
}

# run_peer NAME TIMEOUT_S CMD... : the peer's JSON, or a "not run" record.
# NAME's components name the peer (match/daachorse/cls -> daachorse): when
# that peer was not built, the record carries the build's reason and CMD is
# not started.
run_peer() {
  local name=$1 limit=$2; shift 2
  local out="$raw/peers/$(echo "$name" | tr '/' '_').json" tmp part parts
  IFS=/ read -ra parts <<< "$name"
  for part in "${parts[@]}"; do
    if [[ -n "${peer_skip[$part]:-}" ]]; then
      printf '{"name": "%s", "error": "%s"}\n' "$name" "${peer_skip[$part]}" > "$out"
      return 0
    fi
  done
  tmp=$(mktemp)
  if timeout "$limit" "$@" > "$tmp" 2> "$tmp.err"; then
    printf '{"name": "%s", "result": %s}\n' "$name" "$(cat "$tmp")" > "$out"
  else
    local rc=$? why
    if [[ $rc == 124 ]]; then why="not run: did not finish in ${limit} s"
    else why="not run: exit $rc: $(tail -n 1 "$tmp.err" | tr -d '"\\')"; fi
    printf '{"name": "%s", "error": "%s"}\n' "$name" "$why" > "$out"
  fi
  rm -f "$tmp" "$tmp.err"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -uo pipefail
  build_peers
  for p in pyahocorasick datasketch aho-corasick-rust daachorse lucene-monitor; do
    if [[ -n "${peer_skip[$p]:-}" ]]; then echo "$p: ${peer_skip[$p]}"
    else echo "$p: built${peer_out[$p]:+: ${peer_out[$p]}}"; fi
  done
fi
