#!/usr/bin/env bash
# Run the Lucene Monitor peer (builds it first if the jar is missing).
#   run.sh --rules DIR --docs FILE [--format jsonl|text] [--iterations N] [--warmup N]
#          [--batch N] [--presearcher term|multipass] [--html-strip yes|no]
#          [--dump-tags OUT] [--dump-queries OUT]
# JSON result on stdout. JVM options: LUCENE_PEER_JAVA_OPTS (default -Xmx2g);
# the jar: LUCENE_PEER_BUILD_DIR (default ./target, as build.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${LUCENE_PEER_BUILD_DIR:-$here/target}/lucene-monitor-peer.jar"
[[ -f "$jar" ]] || jar="$("$here/build.sh")"
java="java"
[[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]] && java="$JAVA_HOME/bin/java"
# shellcheck disable=SC2086
exec "$java" ${LUCENE_PEER_JAVA_OPTS:--Xmx2g} -jar "$jar" "$@"
