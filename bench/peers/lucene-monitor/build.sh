#!/usr/bin/env bash
# Build the Lucene Monitor peer (Maven) and print the runnable jar's path on
# stdout (its dependencies are in target/lib/, named in the jar's manifest).
# Builds offline (mvn -o) when the local Maven repository (~/.m2) already has
# every artifact, otherwise lets Maven fetch them from its default repository.
# Needs Java 17+ and Maven (Debian: apt-get install default-jdk-headless maven).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
mvn="${MVN:-mvn}"
command -v "$mvn" >/dev/null 2>&1 || { echo "build.sh: maven not found (apt-get install maven, or MVN=/path/to/mvn)" >&2; exit 1; }
command -v java >/dev/null 2>&1 || [[ -n "${JAVA_HOME:-}" ]] || { echo "build.sh: java not found (apt-get install default-jdk-headless)" >&2; exit 1; }
if ! "$mvn" -q -B -Dstyle.color=never -o package >&2 2>/dev/null; then
  "$mvn" -q -B -Dstyle.color=never package >&2
fi
jar="$here/target/lucene-monitor-peer.jar"
[[ -f "$jar" ]] || { echo "build.sh: $jar was not built" >&2; exit 1; }
echo "$jar"
