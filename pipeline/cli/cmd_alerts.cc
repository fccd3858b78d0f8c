// cmd_alerts.cc — `newsflow alerts`: the store's alert log in a terminal.
//
//   alerts --db DIR [--subscription NAME]... [--after SEQ] [--limit N]
//          [--follow] [--json] [--tz ZONE]
//
// Every alert a run raised that retention has not pruned yet, oldest first
// (seq = its place in the log). With
// --follow it keeps polling the store (a reader catching up with the
// writer, twice a second) and prints new alerts as they are stored, until
// SIGINT/SIGTERM (exit 0). --json prints the alert objects with their seq.
#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "newsflow/base/closest_ids.h"

#include "commands.h"
#include "headline.h"
#include "interrupt.h"
#include "terminal_text.h"
#include "open_reader.h"
#include "pipeline/query/time_zone.h"

namespace newsflow::cli {
namespace {

struct AlertsArgs {
  std::string db;
  std::vector<std::string> subscriptions;
  uint64_t after = 0;
  uint64_t limit = 0;
  bool follow = false, json = false;
  std::string tz;
};

// The alert's `subscription` field; a rule alert (alert: true) has none.
std::string SubscriptionOf(const storage::StoredAlert& alert, simdjson::dom::parser* parser) {
  simdjson::dom::element e;
  std::string_view sub;
  if (parser->parse(alert.json).get(e) || e["subscription"].get(sub)) return {};
  return std::string(sub);
}

// `seen`: the subscriptions of the alerts read so far (when filtering).
bool Wanted(const AlertsArgs& a, const storage::StoredAlert& alert, simdjson::dom::parser* parser,
            std::set<std::string>* seen) {
  if (a.subscriptions.empty()) return true;
  std::string sub = SubscriptionOf(alert, parser);
  const bool wanted = std::find(a.subscriptions.begin(), a.subscriptions.end(), sub) != a.subscriptions.end();
  if (!sub.empty()) seen->insert(std::move(sub));
  return wanted;
}

// Once the whole log is read: a --subscription that no alert in it has is
// most likely a typo (a listing would look like "no alerts"), or a
// subscription that has not alerted yet. Said on stderr, with the names the
// log holds that are closest; not an error, since the file of subscriptions
// is the writer's and a new one has no alert yet.
void WarnOfNamesNotInTheLog(const AlertsArgs& a, const std::set<std::string>& seen) {
  const std::vector<std::string> known(seen.begin(), seen.end());
  for (const std::string& name : a.subscriptions) {
    if (seen.count(name)) continue;
    const std::vector<std::string> closest = ClosestIds(name, known, 3);
    std::fprintf(stderr, "newsflow alerts: no alert in the log is of subscription '%s'%s%s\n", name.c_str(),
                 a.follow ? " yet; following for its first" : "",
                 closest.empty() ? " (the log holds none of any subscription)"
                                 : fmt::format(" (did you mean: {}?)", fmt::join(closest, ", ")).c_str());
  }
}

// One human line: seq, local time, subscription, headline, the story's other feeds.
std::string HumanLine(const storage::StoredAlert& alert, const pipeline::TimeZone& zone,
                      simdjson::dom::parser* parser) {
  simdjson::dom::element e;
  if (parser->parse(alert.json).get(e)) return fmt::format("{:>6}  {}  (unreadable alert)", alert.seq, alert.id);
  int64_t time_ms = 0;
  std::string_view title, body, key;
  // A field that is missing stays empty (or 0) in the line.
  if (e["time_ms"].get(time_ms)) time_ms = 0;
  if (e["title"].get(title)) title = {};
  if (e["body"].get(body)) body = {};
  if (e["key"].get(key)) key = {};
  std::string also;
  simdjson::dom::array arr;
  if (!e["also"].get(arr)) {
    for (auto m : arr) {
      std::string_view k;
      if (!m.get(k)) also += fmt::format("{}{}", also.empty() ? "  also: " : ", ", k);
    }
  }
  std::string_view sub;
  if (e["subscription"].get(sub)) sub = "(rule)";
  return TerminalText(fmt::format("{:>6}  {}  {:<16}  {}  [{}]{}", alert.seq, zone.Format(time_ms), sub,
                                  Headline(title, body), key, also));
}

int RunAlerts(const AlertsArgs& a) {
  pipeline::TimeZone zone;
  if (Status s = pipeline::DisplayZone(a.tz, &zone); !s.ok()) {
    std::fprintf(stderr, "newsflow alerts: %s\n", s.message().c_str());
    return 2;
  }
  std::unique_ptr<storage::Store> store = OpenForReading(a.db);
  if (!store) return 1;
  std::string session = StoreSession(a.db);
  simdjson::dom::parser parser;
  uint64_t after = a.after, printed = 0;
  std::set<std::string> seen;  // subscriptions of the alerts read (when filtering)
  bool warned = a.subscriptions.empty() || a.after > 0;  // names are judged on the whole log only
  if (!a.json) std::printf("# times in %s\n", zone.name().c_str());
  for (;;) {
    std::vector<storage::StoredAlert> batch;
    if (Status s = store->Alerts(after, 1000, &batch); !s.ok()) {
      std::fprintf(stderr, "newsflow alerts: %s\n", s.message().c_str());
      return 1;
    }
    for (const auto& alert : batch) {
      after = alert.seq;
      if (!Wanted(a, alert, &parser, &seen)) continue;
      if (a.json) {
        std::printf("{\"seq\":%llu,%s\n", static_cast<unsigned long long>(alert.seq), alert.json.c_str() + 1);
      } else {
        std::printf("%s\n", HumanLine(alert, zone, &parser).c_str());
      }
      if (a.limit > 0 && ++printed >= a.limit) return 0;
    }
    std::fflush(stdout);
    if (StdoutFailed()) return OutputFailed("alerts");
    if (Interrupted()) return 0;
    if (batch.size() == 1000) continue;  // more already stored
    if (!warned) {
      warned = true;
      WarnOfNamesNotInTheLog(a, seen);
    }
    if (!a.follow) return 0;
    for (int i = 0; i < 10 && !Interrupted(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (Interrupted()) return 0;
    if (const std::string now = StoreSession(a.db); !now.empty() && now != session) {
      if (auto fresh = OpenForReading(a.db)) {  // another writer session (see open_reader.h)
        store = std::move(fresh);
        session = now;
      }
    }
    if (Status s = store->CatchUp(); s.code() == Status::Code::kUnavailable) {
      continue;  // the store was moved or replaced: its next session opens a fresh reader (above)
    } else if (!s.ok()) {
      std::fprintf(stderr, "newsflow alerts: %s\n", s.message().c_str());
      return 1;
    }
  }
}

}  // namespace

void RegisterAlerts(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("alerts", "Print the alert log of a store (--follow: as alerts are stored)");
  auto a = std::make_shared<AlertsArgs>();
  cmd->add_option("--db", a->db, "RocksDB directory")->required();
  cmd->add_option("--subscription", a->subscriptions, "only this subscription's alerts (repeatable)")
      ->check(NonEmpty());
  cmd->add_option("--after", a->after, "only alerts after this seq (the log's position)")->check(UnsignedNumber());
  cmd->add_option("--limit", a->limit, "stop after this many alerts (0 = no limit)")->check(UnsignedNumber());
  cmd->add_flag("--follow,-f", a->follow, "keep printing alerts as a run stores them, until SIGINT/SIGTERM");
  cmd->add_flag("--json", a->json, "one alert object per line, with its seq");
  cmd->add_option("--tz", a->tz, "time zone of the human output (default $NEWSFLOW_TZ, else Asia/Shanghai)")
      ->check(NonEmpty());
  cmd->callback([a, exit_code] { *exit_code = RunAlerts(*a); });
}

}  // namespace newsflow::cli
