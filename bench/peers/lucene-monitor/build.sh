#!/usr/bin/env bash
# Build the Lucene Monitor peer (Maven) and print the runnable jar's path on
# stdout (its dependencies are in target/lib/, named in the jar's manifest).
# Builds offline (mvn -o) when the local Maven repository (~/.m2) already has
# every artifact, otherwise lets Maven fetch them from its default repository.
# Needs Java 17+ and Maven (Debian: apt-get install default-jdk-headless maven).
# Environment: LUCENE_PEER_BUILD_DIR (default ./target): where the jar and
# target/lib go; LUCENE_PEER_M2: a local Maven repository to use instead of
# ~/.m2 (bench/run.sh puts both under its build directory).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Relative paths are the caller's.
[[ -n "${LUCENE_PEER_BUILD_DIR:-}" ]] && LUCENE_PEER_BUILD_DIR=$(realpath -m "$LUCENE_PEER_BUILD_DIR")
[[ -n "${LUCENE_PEER_M2:-}" ]] && LUCENE_PEER_M2=$(realpath -m "$LUCENE_PEER_M2")
cd "$here"
mvn="${MVN:-mvn}"
command -v "$mvn" >/dev/null 2>&1 || { echo "build.sh: maven not found (apt-get install maven, or MVN=/path/to/mvn)" >&2; exit 1; }
command -v java >/dev/null 2>&1 || [[ -n "${JAVA_HOME:-}" ]] || { echo "build.sh: java not found (apt-get install default-jdk-headless)" >&2; exit 1; }
out="${LUCENE_PEER_BUILD_DIR:-$here/target}"
jar="$out/lucene-monitor-peer.jar"
# Up to date (jar newer than pom.xml and every source file): no Maven start-up.
if [[ -f "$jar" && -d "$out/lib" && -z "$(find "$here/pom.xml" "$here/src" -newer "$jar" -print -quit)" ]]; then
  echo "$jar"
  exit 0
fi
opts=(-q -B -Dstyle.color=never "-Dpeer.build.directory=$out")
[[ -n "${LUCENE_PEER_M2:-}" ]] && opts+=("-Dmaven.repo.local=$LUCENE_PEER_M2")
if ! "$mvn" "${opts[@]}" -o package >&2 2>/dev/null; then
  "$mvn" "${opts[@]}" package >&2
fi
[[ -f "$jar" ]] || { echo "build.sh: $jar was not built" >&2; exit 1; }
echo "$jar"
