// cmd_retag.cc — `newsflow retag`: the stored documents tagged again with
// the current rules (pipeline/job/retag.h).
//
//   retag --db DIR [--rules DIR] [--since T] [--until T] [--batch N] [--timeout S]
//
// When no process holds the store, retag opens it itself; when `newsflow
// run` holds it, the run does the re-tag on its own handle (a request in
// DIR/writer-requests), beside its ingest, never overwriting a document it
// stores meanwhile. Prints one JSON object: scanned, changed, unchanged,
// skipped, resumed_after, interrupted, ruleset_version, tag_delta, done_by.
// SIGINT/SIGTERM stop it between batches; the next retag of the same range
// resumes there.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>

#include "commands.h"
#include "newsflow/storage/store.h"
#include "pipeline/job/retag.h"
#include "pipeline/job/writer_requests.h"
#include "pipeline/query/query_time.h"
#include "pipeline/query/time_zone.h"

namespace newsflow::cli {
namespace {

std::atomic<bool> g_retag_stop{false};
extern "C" void OnRetagSignal(int) { g_retag_stop.store(true); }

struct RetagArgs {
  std::string db, rules = "rules/sets", since, until, tz;
  std::string rules_cache = pipeline::DefaultRulesCacheDir();
  size_t batch = 512;
  double timeout_s = 3600;
};

int RunRetag(const RetagArgs& a) {
  auto usage = [](const std::string& msg) {
    std::fprintf(stderr, "newsflow retag: %s\n", msg.c_str());
    return 2;
  };
  pipeline::TimeZone zone;
  if (Status s = pipeline::DisplayZone(a.tz, &zone); !s.ok()) return usage(s.message());
  pipeline::RetagOptions o;
  o.rules_dir = a.rules;
  o.rules_cache_dir = a.rules_cache;
  o.batch = a.batch;
  o.stop = &g_retag_stop;
  if (Status s = pipeline::ParseQueryTimes(a.since, a.until, zone, &o.since_ms, &o.until_ms); !s.ok())
    return usage(s.message());
  if (o.since_ms && o.until_ms && *o.since_ms > *o.until_ms) return usage("--since is after --until");
  // "--since 30d" run again after an interruption is the same range: it
  // resumes (its times, read at each call, differ).
  if (pipeline::IsRelativeQueryTime(a.since) || pipeline::IsRelativeQueryTime(a.until))
    o.range_name = fmt::format("{}/{}/{}", a.since.empty() ? "-" : a.since, a.until.empty() ? "-" : a.until,
                               a.tz.empty() ? "-" : a.tz);
  // A standalone prune (or another retag) holding the store takes no
  // requests: wait for it to end, up to --timeout, then open the store.
  // (Before the handlers: SIGINT ends the wait as it ends any command.)
  pipeline::StoreHolder holder;
  if (Status s = pipeline::AwaitStoreFreeOrServed(a.db, static_cast<int64_t>(a.timeout_s * 1000), "retag", &holder);
      !s.ok()) {
    std::fprintf(stderr, "newsflow retag: %s\n", s.message().c_str());
    return 1;
  }
  std::signal(SIGINT, OnRetagSignal);  // also while a running writer does the re-tag: it is withdrawn
  std::signal(SIGTERM, OnRetagSignal);
  if (holder.kind == pipeline::StoreHolder::kServingWriter) {
    std::string json;
    if (Status s = pipeline::RequestRetag(a.db, o, static_cast<int64_t>(a.timeout_s * 1000), &json); !s.ok()) {
      std::fprintf(stderr, "newsflow retag: %s\n", s.message().c_str());
      return 1;
    }
    json.pop_back();  // '}'
    std::printf("%s,\"done_by\":\"writer\"}\n", json.c_str());
    return 0;
  }
  storage::StoreOptions so;
  so.path = a.db;
  so.create_if_missing = false;
  std::unique_ptr<storage::Store> store;
  if (Status s = storage::Store::Open(so, &store); !s.ok()) {
    std::fprintf(stderr, "newsflow retag: %s\n", s.message().c_str());
    return 1;
  }
  pipeline::RetagSummary summary;
  Status s = pipeline::Retag(store.get(), o, &summary);
  if (Status c = store->Close(); s.ok()) s = c;
  if (!s.ok()) {
    std::fprintf(stderr, "newsflow retag: %s\n", s.message().c_str());
    return 1;  // as `run` and the writer's re-tag: a rules directory that does not compile is not a usage error
  }
  std::string json = pipeline::RetagSummaryToJson(summary);
  json.pop_back();
  std::printf("%s,\"done_by\":\"retag\"}\n", json.c_str());
  return 0;
}

}  // namespace

void RegisterRetag(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("retag", "Tag the stored documents again with the current rules (resumable)");
  auto a = std::make_shared<RetagArgs>();
  cmd->add_option("--db", a->db, "RocksDB directory (a running `newsflow run` may hold it)")->required();
  cmd->add_option("--rules", a->rules, "rule directory to tag with")->default_str("rules/sets");
  cmd->add_option("--rules-cache", a->rules_cache, "compiled-rules cache directory (\"\" = none; see run --help)");
  cmd->add_option("--since", a->since, "only documents from this time (as query --since)")->check(NonEmpty());
  cmd->add_option("--until", a->until, "only documents to this time (as query --until)")->check(NonEmpty());
  cmd->add_option("--tz", a->tz, "zone of --since/--until (default $NEWSFLOW_TZ, else Asia/Shanghai)")
      ->check(NonEmpty());
  cmd->add_option("--batch", a->batch, "documents per atomic write (and per resume step)")
      ->default_str("512")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--timeout", a->timeout_s,
                  "seconds to wait for a running writer to do the re-tag, or for another command holding the store "
                  "to end")
      ->default_str("3600")
      ->check(FiniteRange(0.1, 86400.0 * 7));
  cmd->callback([a, exit_code] { *exit_code = RunRetag(*a); });
}

}  // namespace newsflow::cli
