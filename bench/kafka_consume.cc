// kafka_consume — the pipeline's Kafka source alone, for bench/kafka/run.sh:
// reads a topic to its end through KafkaSource (the same librdkafka settings,
// batch hand-off, in-flight bound and offset-commit cadence as `newsflow
// run`), hands every batch straight back as stored, and prints its rates.
// Beside kcat in one run, it separates what the consumer costs from what the
// pipeline behind it (decode, match, stories, the fsync'd store) costs.
//
//   kafka_consume 'kafka://HOST:PORT/TOPIC?group=G&exit=eof'
//
// Prints one JSON line: messages, bytes, seconds from start (group join
// included) and from the first message to the end, and the rates. Exit 1 on
// a source error, 2 on a usage error.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "pipeline/source/kafka_source.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace newsflow;
  using namespace newsflow::pipeline;
  if (argc != 2 || std::string(argv[1]).rfind("kafka://", 0) != 0) {
    std::fprintf(stderr, "usage: kafka_consume 'kafka://HOST:PORT/TOPIC?group=G&exit=eof'\n");
    return 2;
  }
  const auto start = Clock::now();
  KafkaSourceOptions o;
  o.uri = argv[1];
  // No store: every partition starts at the group's committed offset (or
  // the beginning, for a fresh group).
  o.lookup = [](const std::string&, const std::string&, int32_t, std::optional<int64_t>* out) {
    out->reset();
    return Status::OK();
  };
  std::unique_ptr<Source> source;
  if (Status s = OpenKafkaSource(o, &source); !s.ok()) {
    std::fprintf(stderr, "kafka_consume: %s\n", s.message().c_str());
    return s.code() == Status::Code::kInvalidArgument ? 2 : 1;
  }
  uint64_t messages = 0, bytes = 0, batches = 0;
  std::optional<Clock::time_point> first;
  Batch b;
  while (source->Next(&b)) {
    if (!first) first = Clock::now();
    messages += b.items.size();
    bytes += b.bytes;
    ++batches;
    source->Committed(b);
  }
  const auto end = Clock::now();
  if (Status s = source->status(); !s.ok()) {
    std::fprintf(stderr, "kafka_consume: %s\n", s.message().c_str());
    return 1;
  }
  source.reset();  // leaves the group (the final offset commit included)
  const double wall = Seconds(start, end), steady = first ? Seconds(*first, end) : 0;
  std::printf(
      "{\"messages\":%llu,\"bytes\":%llu,\"batches\":%llu,\"wall_s\":%.3f,\"first_to_end_s\":%.3f,"
      "\"msgs_per_s\":%.0f,\"mb_per_s\":%.1f}\n",
      static_cast<unsigned long long>(messages), static_cast<unsigned long long>(bytes),
      static_cast<unsigned long long>(batches), wall, steady, steady > 0 ? messages / steady : 0.0,
      steady > 0 ? bytes / steady / 1e6 : 0.0);
  return 0;
}
