# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared settings and helpers for deploy/kafka/*.sh. Sourced, not executed.
#
# Environment:
#   KAFKA_PORT       PLAINTEXT listener port (default 9092); the KRaft
#                    controller listens on KAFKA_PORT+1.
#   KAFKA_STATE_DIR  broker state: server.properties, data/, broker.log,
#                    broker.pid (default <repo>/build/kafka).
#   KAFKA_LIBS_DIR   jar cache (default <repo>/build/kafka/libs). Shared by
#                    all state dirs.
#   KAFKA_HEAP_OPTS  broker JVM heap flags (default "-Xms128m -Xmx512m").
#   KAFKA_START_TIMEOUT  seconds start.sh waits for metadata (default 60).
#   KAFKA_STOP_TIMEOUT   seconds stop.sh waits after SIGTERM (default 30).

KAFKA_DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_REPO_ROOT="$(cd "$KAFKA_DEPLOY_DIR/../.." && pwd)"
KAFKA_POM="$KAFKA_DEPLOY_DIR/pom.xml"

KAFKA_PORT="${KAFKA_PORT:-9092}"
if ! [[ "$KAFKA_PORT" =~ ^[0-9]+$ ]] || ((KAFKA_PORT < 1 || KAFKA_PORT > 65534)); then
  echo "kafka: KAFKA_PORT must be a port number below 65535, got '$KAFKA_PORT'" >&2
  exit 2
fi
KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))
KAFKA_HOST=127.0.0.1
KAFKA_BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"

KAFKA_STATE_DIR="${KAFKA_STATE_DIR:-$KAFKA_REPO_ROOT/build/kafka}"
KAFKA_LIBS_DIR="${KAFKA_LIBS_DIR:-$KAFKA_REPO_ROOT/build/kafka/libs}"
# Absolute paths: the broker's command line is matched against them.
[[ "$KAFKA_STATE_DIR" == /* ]] || KAFKA_STATE_DIR="$PWD/$KAFKA_STATE_DIR"
[[ "$KAFKA_LIBS_DIR" == /* ]] || KAFKA_LIBS_DIR="$PWD/$KAFKA_LIBS_DIR"
KAFKA_DATA_DIR="$KAFKA_STATE_DIR/data"
KAFKA_SERVER_PROPS="$KAFKA_STATE_DIR/server.properties"
KAFKA_BROKER_LOG4J="$KAFKA_STATE_DIR/log4j2-broker.properties"
KAFKA_TOOLS_LOG4J="$KAFKA_STATE_DIR/log4j2-tools.properties"
KAFKA_LOG="$KAFKA_STATE_DIR/broker.log"
KAFKA_PID_FILE="$KAFKA_STATE_DIR/broker.pid"
KAFKA_STAMP="$KAFKA_LIBS_DIR/.fetched"

kafka_log() { echo "kafka: $*" >&2; }
kafka_die() { echo "kafka: ERROR: $*" >&2; exit 1; }

# The pinned version, read from the pom so there is one place to change it.
kafka_version() {
  local v
  v="$(sed -n 's:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n 1)"
  [[ -n "$v" ]] || kafka_die "cannot read <kafka.version> from $KAFKA_POM"
  echo "$v"
}

# What the stamp file must contain for the jar cache to count as fetched:
# the version plus a hash of the pom, so editing the pom triggers a re-fetch.
kafka_stamp_content() {
  echo "kafka_version=$(kafka_version)"
  echo "pom_sha256=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
}

kafka_jars_fetched() {
  [[ -f "$KAFKA_STAMP" ]] && [[ "$(cat "$KAFKA_STAMP")" == "$(kafka_stamp_content)" ]]
}

_kafka_apt_updated=0
kafka_apt_install() {
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || kafka_die "need root (or sudo) to apt-get install $*"
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || kafka_die "apt-get not found; install $* by hand"
  if ((_kafka_apt_updated == 0)); then
    kafka_log "apt-get update"
    "${sudo[@]}" apt-get update -qq >&2
    _kafka_apt_updated=1
  fi
  kafka_log "apt-get install $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# Kafka 4.x brokers need Java 17+. Debian bookworm's default-jdk-headless is 17.
kafka_ensure_java() {
  if ! command -v java >/dev/null 2>&1; then
    kafka_apt_install default-jdk-headless
  fi
  local major
  major="$(java -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1)"
  if [[ -n "$major" ]] && ((major < 17)); then
    kafka_die "Kafka $(kafka_version) needs Java 17 or newer; 'java' is Java $major"
  fi
}

kafka_ensure_mvn() {
  command -v mvn >/dev/null 2>&1 || kafka_apt_install maven
}

kafka_ensure_kcat() {
  command -v kcat >/dev/null 2>&1 || kafka_apt_install kcat
}

# 0 if something accepts TCP connections on 127.0.0.1:$1.
kafka_port_open() {
  (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null
}

# 0 if the broker answers a metadata request.
kafka_answers() {
  local out
  out="$(kcat -b "$KAFKA_BOOTSTRAP" -L -m 3 2>/dev/null)" || return 1
  grep -q ' 1 brokers:' <<<"$out"
}

# 0 if $1 is a live broker process started for this state dir.
kafka_is_our_broker() {
  local pid="$1" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  # (the process may exit between the test and the read: silence that)
  cmdline="$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)" || return 1
  # /proc/PID/cmdline ends in a NUL, hence the trailing space.
  [[ "$cmdline" == *" kafka.Kafka $KAFKA_SERVER_PROPS " ]]
}

# Prints the pid of this state dir's broker, if one runs. Uses the pid file,
# and falls back to scanning /proc in case the pid file was lost.
kafka_broker_pid() {
  local pid=""
  if [[ -f "$KAFKA_PID_FILE" ]]; then
    pid="$(head -n 1 "$KAFKA_PID_FILE" 2>/dev/null || true)"
    if kafka_is_our_broker "$pid"; then
      echo "$pid"
      return 0
    fi
  fi
  local d
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    if kafka_is_our_broker "$pid"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# Class path for the broker and the tools.
kafka_classpath() {
  echo "$KAFKA_LIBS_DIR/*"
}

# log4j2 config for command-line tools: warnings and errors only, on stderr.
kafka_write_tools_log4j() {
  mkdir -p "$KAFKA_STATE_DIR"
  cat >"$KAFKA_TOOLS_LOG4J" <<'EOF'
status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF
}

# Runs a Kafka command-line tool class from the jar cache.
kafka_run_tool() {
  local cls="$1"
  shift
  kafka_jars_fetched || kafka_die "Kafka jars not fetched yet; run $KAFKA_DEPLOY_DIR/fetch.sh (or start.sh)"
  kafka_ensure_java
  kafka_write_tools_log4j
  java -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$KAFKA_TOOLS_LOG4J" \
    -cp "$(kafka_classpath)" "$cls" "$@"
}

# The first of the given classes that exists in the jar cache (jar entry
# names are stored uncompressed, so grep finds them).
kafka_pick_class() {
  local cls path jar
  for cls in "$@"; do
    path="${cls//.//}.class"
    for jar in "$KAFKA_LIBS_DIR"/kafka*.jar; do
      [[ -f "$jar" ]] || continue
      if grep -qaF "$path" "$jar"; then
        echo "$cls"
        return 0
      fi
    done
  done
  kafka_die "none of these classes is in $KAFKA_LIBS_DIR: $*"
}
