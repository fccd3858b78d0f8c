// cmd_query.cc — `newsflow query`, `show` and `dead-letter`: read the store.
#include <fmt/format.h>

#include <cstdio>

#include "commands.h"
#include "interrupt.h"
#include "pipeline/sink/record_json.h"
#include "pipeline/decode/time_util.h"
#include "newsflow/storage/store.h"

namespace newsflow::cli {
namespace {

// Opens an existing store read-only; prints the reason and returns nullptr.
// From here on a signal stops the command instead of killing it, so the
// store is closed (and its reader directory removed) on every exit path.
std::unique_ptr<storage::Store> OpenForReading(const std::string& db) {
  CatchInterrupts();
  storage::StoreOptions o;
  o.path = db;
  o.create_if_missing = false;
  o.read_only = true;
  std::unique_ptr<storage::Store> store;
  if (auto s = storage::Store::Open(o, &store); !s.ok()) {
    std::fprintf(stderr, "newsflow: %s\n", s.message().c_str());
    return nullptr;
  }
  return store;
}

std::string TagList(const storage::Record& r) {
  std::string out;
  for (const auto& t : r.tags) out += fmt::format("{}{} {:.2f}", out.empty() ? "" : ", ", t.tag, t.score);
  return out;
}

// The title, or for an item without one the start of its body (HTML and
// line breaks removed), cut at a UTF-8 character boundary.
std::string Headline(const storage::Record& r) {
  if (!r.title.empty()) return r.title;
  std::string out;
  bool in_tag = false;
  for (char c : r.body) {
    if (c == '<') in_tag = true;
    else if (c == '>') in_tag = false;
    else if (!in_tag) out += (c == '\n' || c == '\r') ? ' ' : c;
    if (out.size() >= 90) break;
  }
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  return out + "…";
}

// After the output loop: 0, or 1 with a message if it was cut short.
int OutputStatus(const char* who) {
  if (StdoutFailed()) {
    std::fprintf(stderr, "newsflow %s: cannot write the output (stdout closed or failing)\n", who);
    return 1;
  }
  if (Interrupted()) {
    std::fprintf(stderr, "newsflow %s: interrupted\n", who);
    return 1;
  }
  return 0;
}

std::string Printable(std::string_view raw, size_t max) {
  std::string out;
  pipeline::AppendJsonString(&out, raw.substr(0, max));
  if (raw.size() > max) out += fmt::format(" ... ({} bytes)", raw.size());
  return out;
}

void RegisterQueryCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("query", "List stored documents, newest first");
  struct Args {
    std::string db, since, until;
    std::vector<std::string> tags;
    size_t limit = 20;
    bool count = false, json = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--db", a->db, "RocksDB directory")->required();
  cmd->add_option("--tag", a->tags, "tag id (repeat to AND several)");
  cmd->add_option("--since", a->since, "UTC time: YYYY-MM-DD[ HH:MM[:SS]] or unix ms");
  cmd->add_option("--until", a->until, "UTC time, inclusive");
  cmd->add_option("--limit", a->limit, "at most N documents (0 = all)")->default_str("20")
      ->check(UnsignedNumber());
  cmd->add_flag("--count", a->count, "print only the number of matching documents");
  cmd->add_flag("--json", a->json, "one JSON object per line");
  cmd->callback([a, exit_code] {
    storage::QueryOptions q;
    q.tags = a->tags;
    q.limit = a->limit;
    for (auto [text, dst] : {std::pair{&a->since, &q.since_ms}, std::pair{&a->until, &q.until_ms}}) {
      if (text->empty()) continue;
      int64_t ms;
      if (!pipeline::ParseTimeArg(*text, &ms)) {
        std::fprintf(stderr, "newsflow query: bad time '%s' (YYYY-MM-DD[ HH:MM[:SS]] or unix ms)\n", text->c_str());
        *exit_code = 2;
        return;
      }
      *dst = ms;
    }
    if (q.until_ms && a->until.size() == 10) *q.until_ms += 86400000 - 1;  // a date: through its end
    auto store = OpenForReading(a->db);
    if (!store) {
      *exit_code = 1;
      return;
    }
    if (a->count) {
      uint64_t n = 0;
      if (auto s = store->Count(q, &n); !s.ok()) {
        std::fprintf(stderr, "newsflow query: %s\n", s.message().c_str());
        *exit_code = 1;
        return;
      }
      std::printf("%llu\n", static_cast<unsigned long long>(n));
      return;
    }
    std::vector<storage::Record> recs;
    if (auto s = store->Query(q, &recs); !s.ok()) {
      std::fprintf(stderr, "newsflow query: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    for (const auto& r : recs) {
      if (Interrupted() || StdoutFailed()) break;
      if (a->json) {
        std::puts(pipeline::RecordToJson(r).c_str());
      } else {
        std::printf("%s  %-28s  %s\n    [%s]\n", pipeline::FormatTime(r.time_ms).c_str(), r.key.c_str(),
                    Headline(r).c_str(), TagList(r).c_str());
      }
    }
    std::fflush(stdout);
    *exit_code = OutputStatus("query");
  });
}

void RegisterShow(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("show", "Print one stored document with its tags and spans");
  auto db = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  cmd->add_option("--db", *db, "RocksDB directory")->required();
  cmd->add_option("key", *key, "document key, e.g. cls:2370637")->required();
  cmd->callback([db, key, exit_code] {
    auto store = OpenForReading(*db);
    if (!store) {
      *exit_code = 1;
      return;
    }
    storage::Record r;
    bool found = false;
    if (auto s = store->Get(*key, &r, &found); !s.ok()) {
      std::fprintf(stderr, "newsflow show: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    if (!found) {
      std::fprintf(stderr, "newsflow show: no document with key %s\n", key->c_str());
      *exit_code = 1;
      return;
    }
    pipeline::RecordJsonOptions jo;
    jo.body = true;
    std::puts(pipeline::RecordToJson(r, jo).c_str());
  });
}

void RegisterDeadLetter(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("dead-letter", "List records that could not be processed, with reasons");
  struct Args {
    std::string db;
    size_t limit = 0;
    bool count = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--db", a->db, "RocksDB directory")->required();
  cmd->add_option("--limit", a->limit, "at most N (0 = all)")
      ->check(UnsignedNumber());
  cmd->add_flag("--count", a->count, "print only the number of dead letters");
  cmd->callback([a, exit_code] {
    auto store = OpenForReading(a->db);
    if (!store) {
      *exit_code = 1;
      return;
    }
    if (a->count) {
      storage::Counts c;
      if (auto s = store->GetCounts(&c); !s.ok()) {
        std::fprintf(stderr, "newsflow dead-letter: %s\n", s.message().c_str());
        *exit_code = 1;
        return;
      }
      std::printf("%llu\n", static_cast<unsigned long long>(c.dead_letters));
      return;
    }
    std::vector<storage::DeadLetter> dls;
    if (auto s = store->DeadLetters(a->limit, &dls); !s.ok()) {
      std::fprintf(stderr, "newsflow dead-letter: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    for (const auto& d : dls) {
      if (Interrupted() || StdoutFailed()) break;
      std::printf("%s  %s\n    reason: %s\n    raw: %s\n", pipeline::FormatTime(d.time_ms).c_str(),
                  d.position.c_str(), d.reason.c_str(), Printable(d.raw, 160).c_str());
    }
    std::fflush(stdout);
    *exit_code = OutputStatus("dead-letter");
  });
}

}  // namespace

void RegisterQuery(CLI::App& app, int* exit_code) {
  RegisterQueryCommand(app, exit_code);
  RegisterShow(app, exit_code);
  RegisterDeadLetter(app, exit_code);
}

}  // namespace newsflow::cli
