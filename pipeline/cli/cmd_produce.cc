// cmd_produce.cc — `newsflow produce`: replay a JSON Lines corpus (plain or
// .gz) into a Kafka topic, for tests, benchmarks and the demo.
//
//   newsflow produce --broker HOST:PORT --topic T [--rate N/s]
//                    [--partitions-by key|roundrobin] [--format auto] FILE
//
// Each line becomes one message, value = the line exactly as read. The key is
// the document key the pipeline decoder derives ("cls:2370637"); a line the
// decoder rejects (the poison a test wants to inject) is sent as is with a
// null key. The message timestamp is the produce time (CreateTime), which is
// what `newsflow run --latency-out` measures from. Idempotent producer; exits
// 1 unless every message is acknowledged.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "commands.h"
#include "pipeline/decode/decoder.h"
#include "pipeline/sink/kafka_producer.h"
#include "pipeline/source/source.h"

namespace newsflow::cli {
namespace {

struct ProduceArgs {
  std::string broker, topic, file, rate, partitions_by = "key", format = "auto";
  uint64_t repeat = 1;
  bool quiet = false;
};

// "500", "500/s" -> 500. 0 = unlimited.
bool ParseRate(const std::string& text, double* out) {
  *out = 0;
  if (text.empty()) return true;
  std::string t = text;
  if (t.size() > 2 && t.substr(t.size() - 2) == "/s") t.resize(t.size() - 2);
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (t.empty() || *end || !std::isfinite(v) || v < 0) return false;
  *out = v;
  return true;
}

void Produce(const ProduceArgs& a, int* exit_code) {
  auto fail = [&](const std::string& msg, int code = 1) {
    std::fprintf(stderr, "newsflow produce: %s\n", msg.c_str());
    *exit_code = code;
  };
  double rate = 0;
  if (!ParseRate(a.rate, &rate)) return fail("bad --rate '" + a.rate + "' (expected N or N/s)", 2);
  if (a.partitions_by != "key" && a.partitions_by != "roundrobin")
    return fail("--partitions-by must be key or roundrobin", 2);
  pipeline::FormatSpec spec;
  if (Status e = pipeline::ParseFormatSpec(a.format, &spec); !e.ok()) return fail(e.message(), 2);
  std::unique_ptr<pipeline::KafkaProducer> producer;
  if (Status e = pipeline::KafkaProducer::Open(a.broker, {{"linger.ms", "5"}, {"statistics.interval.ms", "50"}},
                                               &producer, a.topic);
      !e.ok())
    return fail(e.message());
  // Metadata first: connects, learns the partitions, and lets the idempotent
  // producer get its id before the rate clock starts (timestamps are taken at
  // produce time, and `run --latency-out` measures from them).
  int known_partitions = -1;
  const Status meta = producer->PartitionCount(a.topic, 10000, &known_partitions);
  int partitions = 0;
  if (a.partitions_by == "roundrobin") {
    if (!meta.ok()) return fail(meta.message());
    partitions = known_partitions;
  }
  if (Status e = producer->WaitReady(10000); !e.ok()) return fail(e.message());
  pipeline::Decoder decoder(spec, {});
  pipeline::Document doc;
  uint64_t n = 0, unkeyed = 0, bytes = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t round = 0; round < a.repeat; ++round) {
    std::unique_ptr<pipeline::Source> src;
    if (Status e = pipeline::OpenLineSource(a.file, {}, &src); !e.ok()) return fail(e.message());
    for (pipeline::Batch b; src->Next(&b);) {
      for (const auto& it : b.items) {
        if (it.raw.empty()) continue;
        std::string key;
        if (it.error.empty() && decoder.Decode(it.raw, &doc).ok()) key = doc.key;
        else ++unkeyed;
        if (rate > 0) {
          const auto due = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(static_cast<double>(n) / rate));
          std::this_thread::sleep_until(due);
        }
        const int32_t part = partitions > 0 ? static_cast<int32_t>(n % static_cast<uint64_t>(partitions)) : -1;
        if (Status e = producer->Produce(a.topic, key, it.raw, {}, part); !e.ok()) return fail(e.message());
        ++n;
        bytes += it.raw.size();
      }
    }
    if (!src->status().ok()) return fail(src->status().message());
  }
  if (Status e = producer->Flush(120000); !e.ok()) return fail(e.message());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!a.quiet)
    fmt::print("produced {} messages ({} without a key) to {} in {:.2f} s: {:.0f} msgs/s, {:.1f} MB/s\n", n, unkeyed,
               a.topic, secs, static_cast<double>(n) / secs, static_cast<double>(bytes) / secs / 1e6);
}

}  // namespace

void RegisterProduce(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("produce", "Replay a JSON Lines corpus (plain or .gz) into a Kafka topic");
  auto a = std::make_shared<ProduceArgs>();
  cmd->add_option("--broker", a->broker, "bootstrap HOST:PORT[,HOST:PORT]")->required();
  cmd->add_option("--topic", a->topic, "topic to produce to")->required();
  cmd->add_option("--rate", a->rate, "messages per second, N or N/s (default: as fast as possible)");
  cmd->add_option("--partitions-by", a->partitions_by, "key (hash of the document key) | roundrobin")
      ->default_str("key");
  cmd->add_option("--format", a->format, "decoder used to find each line's key: cls | eastmoney | ths | auto | map:FILE")
      ->default_str("auto");
  cmd->add_option("--repeat", a->repeat, "send the file this many times (same keys again)")->default_str("1")
      ->check(UnsignedNumber());
  cmd->add_flag("--quiet,-q", a->quiet, "no summary line");
  cmd->add_option("file", a->file, "JSON Lines file (plain or .gz), - for stdin")->required();
  cmd->callback([a, exit_code] { Produce(*a, exit_code); });
}

}  // namespace newsflow::cli
