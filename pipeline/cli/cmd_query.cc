// cmd_query.cc — `newsflow query`, `show` and `dead-letter`: read the store.
#include <fmt/format.h>

#include <cstdio>
#include <unordered_map>

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

std::string StoryOf(const storage::Record& r) { return r.story.empty() ? r.key : r.story; }

// The keys of a story's members other than `key`, earliest first.
Status OtherMembers(storage::Store& store, const storage::Record& r, std::vector<std::string>* out) {
  out->clear();
  std::vector<storage::Record> members;
  NEWSFLOW_RETURN_IF_ERROR(store.StoryMembers(StoryOf(r), 0, &members));
  for (const auto& m : members) {
    if (m.key != r.key) out->push_back(m.key);
  }
  return Status::OK();
}

// One document per story among those matching q: the story's earliest
// matching document, newest stories first, at most q.limit of them.
Status CollapsedQuery(storage::Store& store, const storage::QueryOptions& q, std::vector<storage::Record>* out,
                      std::vector<std::vector<std::string>>* also) {
  storage::QueryOptions all = q;
  all.limit = 0;
  std::vector<storage::Record> matches;
  NEWSFLOW_RETURN_IF_ERROR(store.Query(all, &matches));  // newest first
  std::unordered_map<std::string, size_t> earliest;      // story -> index in matches
  std::vector<size_t> order;                             // stories by their newest match
  for (size_t i = 0; i < matches.size(); ++i) {
    auto [it, fresh] = earliest.emplace(StoryOf(matches[i]), i);
    if (fresh) order.push_back(i);
    else it->second = i;  // an older match of the same story
  }
  out->clear();
  also->clear();
  for (size_t first : order) {
    if (q.limit > 0 && out->size() >= q.limit) break;
    storage::Record& r = matches[earliest[StoryOf(matches[first])]];
    also->emplace_back();
    NEWSFLOW_RETURN_IF_ERROR(OtherMembers(store, r, &also->back()));
    out->push_back(std::move(r));
  }
  return Status::OK();
}

void RegisterQueryCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("query", "List stored documents, newest first");
  struct Args {
    std::string db, since, until, story;
    std::vector<std::string> tags;
    size_t limit = 20;
    bool count = false, json = false, collapse = false;
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
  cmd->add_flag("--collapse", a->collapse,
                "one document per story (its earliest match), with \"also\": the story's other members");
  cmd->add_option("--story", a->story, "list the members of one story id, earliest first");
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
    std::vector<std::vector<std::string>> also;
    Status s = !a->story.empty() ? store->StoryMembers(a->story, q.limit, &recs)
               : a->collapse     ? CollapsedQuery(*store, q, &recs, &also)
                                 : store->Query(q, &recs);
    if (!s.ok()) {
      std::fprintf(stderr, "newsflow query: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    for (size_t i = 0; i < recs.size(); ++i) {
      if (Interrupted() || StdoutFailed()) break;
      const auto& r = recs[i];
      if (a->json) {
        pipeline::RecordJsonOptions jo;
        if (a->collapse) jo.also = &also[i];
        std::puts(pipeline::RecordToJson(r, jo).c_str());
      } else {
        std::printf("%s  %-28s  %s\n    [%s]\n", pipeline::FormatTime(r.time_ms).c_str(), r.key.c_str(),
                    Headline(r).c_str(), TagList(r).c_str());
        if (a->collapse && !also[i].empty()) {
          std::string keys;
          for (const auto& k : also[i]) keys += (keys.empty() ? "" : ", ") + k;
          std::printf("    also: %s\n", keys.c_str());
        }
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
    std::vector<std::string> also;
    if (auto s = OtherMembers(*store, r, &also); !s.ok()) {
      std::fprintf(stderr, "newsflow show: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    pipeline::RecordJsonOptions jo;
    jo.body = true;
    jo.also = &also;
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
