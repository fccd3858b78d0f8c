// cmd_stats.cc — `newsflow stats`: documents per tag per hour or day, the
// analyst's view of what the feeds talked about when.
//
//   stats --db DIR [--by day|hour] [--tag T]... [--source NAME]...
//         [--since T] [--until T] [--tz ZONE] [--json]
//
// Buckets are local days or hours in the display zone (--tz, else
// $NEWSFLOW_TZ, else Asia/Shanghai); `--tag` keeps only those tags' rows
// (the counts are of documents carrying each tag). Every stored document
// also counts under "*" (all documents). The table is one row per bucket
// and tag; --json prints one object per line {bucket, tag, count, tz}: the
// bucket is a day or hour of the zone tz names (JSON times elsewhere are UTC).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "commands.h"
#include "interrupt.h"
#include "known_tags.h"
#include "open_reader.h"
#include "pipeline/query/query_time.h"
#include "pipeline/query/tag_buckets.h"
#include "pipeline/query/time_zone.h"
#include "pipeline/sink/record_json.h"

namespace newsflow::cli {
namespace {

struct StatsArgs {
  std::string db, by = "day", since, until, tz, rules;
  std::vector<std::string> tags, sources;
  bool json = false;
};

int RunStats(const StatsArgs& a) {
  auto usage = [](const std::string& msg) {
    std::fprintf(stderr, "newsflow stats: %s\n", msg.c_str());
    return 2;
  };
  if (a.by != "day" && a.by != "hour") return usage("--by must be day or hour, got '" + a.by + "'");
  pipeline::TimeZone zone;
  if (Status s = pipeline::DisplayZone(a.tz, &zone); !s.ok()) return usage(s.message());
  storage::QueryOptions q;
  q.limit = 0;
  q.sources = a.sources;
  if (Status s = pipeline::ParseQueryTimes(a.since, a.until, zone, &q.since_ms, &q.until_ms); !s.ok())
    return usage(s.message());
  if (q.since_ms && q.until_ms && *q.since_ms > *q.until_ms) return usage("--since is after --until");

  std::unique_ptr<storage::Store> store = OpenForReading(a.db);
  if (!store) return 1;
  // A misspelt tag or feed would give an empty table: a usage error, as in query.
  std::vector<std::string> known_tags, known_sources;
  for (Status s : {KnownTags(*store, a.rules, &known_tags), store->ListSources(&known_sources)}) {
    if (!s.ok()) {
      std::fprintf(stderr, "newsflow stats: %s\n", s.message().c_str());
      return 1;
    }
  }
  for (const auto& t : a.tags)
    if (t.find(',') != std::string::npos)
      return usage("tag '" + t + "' holds a comma: give one tag per --tag");
  if (const std::string msg = UnknownTagMessage({&a.tags}, known_tags); !msg.empty()) return usage(msg);
  for (const auto& src : a.sources)
    if (std::find(known_sources.begin(), known_sources.end(), src) == known_sources.end())
      return usage("no stored document comes from '" + src + "'");
  const std::set<std::string> wanted(a.tags.begin(), a.tags.end());
  const bool hourly = a.by == "hour";
  pipeline::TagBucketCounts counts;
  // Streamed: a store of millions of documents is counted, not loaded.
  const Status scanned = pipeline::CountTagBuckets(*store, q, zone, hourly, wanted, [] { return !Interrupted(); }, &counts);
  if (!scanned.ok() && !Interrupted()) {
    std::fprintf(stderr, "newsflow stats: %s\n", scanned.message().c_str());
    return 1;
  }
  if (Interrupted()) return 1;
  if (!a.json) std::printf("# %s buckets in %s\n", hourly ? "hour" : "day", zone.name().c_str());
  for (const auto& [key, n] : counts) {
    if (a.json) {
      std::string line = "{\"bucket\":";
      pipeline::AppendJsonString(&line, key.first);
      line += ",\"tag\":";
      pipeline::AppendJsonString(&line, key.second);
      line += fmt::format(",\"count\":{},\"tz\":", n);  // a bucket is a day or hour of that zone
      pipeline::AppendJsonString(&line, zone.name());
      line += '}';
      std::printf("%s\n", line.c_str());
    } else {
      std::printf("%-16s  %-40s  %8llu\n", key.first.c_str(), key.second.c_str(), static_cast<unsigned long long>(n));
    }
    if (StdoutFailed()) return OutputFailed("stats");
  }
  if (std::fflush(stdout) != 0 || StdoutFailed()) return OutputFailed("stats");  // the buffer's last block
  return 0;
}

}  // namespace

void RegisterStats(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("stats", "Documents per tag per day or hour (the analyst's view)");
  auto a = std::make_shared<StatsArgs>();
  cmd->add_option("--db", a->db, "RocksDB directory")->required();
  cmd->add_option("--by", a->by, "day | hour")->default_str("day");
  cmd->add_option("--tag", a->tags, "only this tag's rows (repeatable)");
  cmd->add_option("--rules", a->rules, "rule directory whose tag ids count as known too (default: only stored tags)");
  cmd->add_option("--source", a->sources, "only documents from this feed (repeatable)");
  cmd->add_option("--since", a->since, "from this time (as query --since)")->check(NonEmpty());
  cmd->add_option("--until", a->until, "to this time (as query --until)")->check(NonEmpty());
  cmd->add_option("--tz", a->tz, "time zone of the buckets (default $NEWSFLOW_TZ, else Asia/Shanghai)")
      ->check(NonEmpty());
  cmd->add_flag("--json", a->json, "one {bucket, tag, count, tz} object per line (bucket: a day or hour in zone tz)");
  cmd->callback([a, exit_code] { *exit_code = RunStats(*a); });
}

}  // namespace newsflow::cli
