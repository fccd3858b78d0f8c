#!/usr/bin/env bash
# Fetches the Kafka broker jars (version pinned in pom.xml) into
# build/kafka/libs with Maven, once. A stamp file (libs/.fetched: version and
# pom hash) marks a complete fetch; while it matches, Maven is not run again.
#
#   deploy/kafka/fetch.sh          fetch if needed
#   deploy/kafka/fetch.sh --force  fetch again
set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

force=0
case "${1:-}" in
  "") ;;
  --force) force=1 ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

if ((force == 0)) && kafka_jars_fetched; then
  exit 0
fi

parent="$(dirname "$KAFKA_LIBS_DIR")"
mkdir -p "$parent"
# One fetch at a time (e.g. two start.sh in parallel on a fresh checkout).
exec 9>"$parent/.fetch.lock"
flock 9
if ((force == 0)) && kafka_jars_fetched; then
  exit 0
fi

version="$(kafka_version)"
kafka_ensure_java
kafka_ensure_mvn

# Fetch into a scratch dir and swap it in, so an interrupted or failed fetch
# never leaves a half-filled cache, and jars of an old version never linger
# on the class path next to the new ones.
tmp="$(mktemp -d "$parent/.libs.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

kafka_log "fetching Kafka $version jars with Maven into $KAFKA_LIBS_DIR"
start=$SECONDS
# (sed: Maven 3.8 prints colour resets even in batch mode.)
if ! mvn -B -q -ntp -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
  "-DoutputDirectory=$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; then
  kafka_die "Maven could not fetch the Kafka jars (see the errors above)"
fi
compgen -G "$tmp/kafka_2.13-$version.jar" >/dev/null ||
  kafka_die "Maven finished but kafka_2.13-$version.jar is missing"

kafka_stamp_content >"$tmp/.fetched"
rm -rf "$KAFKA_LIBS_DIR"
mv "$tmp" "$KAFKA_LIBS_DIR"
trap - EXIT
kafka_log "fetched $(find "$KAFKA_LIBS_DIR" -name '*.jar' | wc -l) jars" \
  "($(du -sh "$KAFKA_LIBS_DIR" | cut -f1)) in $((SECONDS - start)) s"
