// cmd_query.cc — `newsflow query`, `show` and `dead-letter`: read the store.
#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <tuple>
#include <unordered_map>

#include "commands.h"
#include "headline.h"
#include "known_tags.h"
#include "open_reader.h"
#include "interrupt.h"
#include "terminal_text.h"
#include "newsflow/rules/rule_set.h"
#include "newsflow/storage/store.h"
#include "pipeline/decode/stock_code.h"
#include "newsflow/base/closest_ids.h"
#include "pipeline/query/dead_letter_json.h"
#include "pipeline/query/query_time.h"
#include "pipeline/query/record_csv.h"
#include "pipeline/query/story_query.h"
#include "pipeline/query/time_zone.h"
#include "pipeline/sink/record_json.h"

namespace newsflow::cli {
namespace {

std::string TagList(const storage::Record& r) {
  std::string out;
  for (const auto& t : r.tags) out += fmt::format("{}{} {:.2f}", out.empty() ? "" : ", ", t.tag, t.score);
  return out;
}


// After the output loop: 0, or 1 with a message if it was cut short.
int OutputStatus(const char* who) {
  if (StdoutFailed()) return OutputFailed(who);
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

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One long function on purpose: the list of `query`'s options and their
// checks, read top to bottom like its --help.
void RegisterQueryCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("query", "List stored documents, newest first");
  struct Args {
    std::string db, since, until, story, text, stock, tz, fields, rules;
    std::vector<std::string> tags, any, nots, sources;
    size_t limit = 20;
    bool count = false, json = false, csv = false, collapse = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--db", a->db, "RocksDB directory")->required();
  cmd->add_option("--tag", a->tags, "tag id the document must carry (repeat: all of them, AND)");
  cmd->add_option("--any", a->any, "tag id; the document carries at least one of the --any tags (repeat: OR)");
  cmd->add_option("--not", a->nots, "tag id the document must not carry (repeatable)");
  cmd->add_option("--source", a->sources, "feed name: cls, eastmoney, ths, or a map's source (repeat: any of them)");
  cmd->add_option("--text", a->text, "substring of the title or the body (exact bytes, as the feed sent them)")
      ->check(NonEmpty());
  cmd->add_option("--stock", a->stock,
                  "stock code, canonical (SZ002670, SH600812, BJ920181, HK00700, US.CVX) or as a feed sends it "
                  "(sz002670, 1.600812, 920181.BJ, 116.00700, 105.CVX, CVX, 600812)")
      ->check(NonEmpty());
  cmd->add_option("--since", a->since,
                  "from: YYYY-MM-DD[ HH:MM[:SS]] in the display zone, ...Z for UTC, unix ms, today, yesterday, "
                  "now, or an age: 30m, 2h, 3d, 1w")
      ->check(NonEmpty());
  cmd->add_option("--until", a->until, "to, inclusive (a date or today/yesterday: through its end); as --since")
      ->check(NonEmpty());
  cmd->add_option("--tz", a->tz,
                  "IANA zone for the times shown and for --since/--until (default: $NEWSFLOW_TZ, else Asia/Shanghai)")
      ->check(NonEmpty());
  cmd->add_option("--limit", a->limit, "at most N documents (0 = all); stderr says how many matched when cut")
      ->default_str("20")
      ->check(UnsignedNumber());
  cmd->add_option("--rules", a->rules, "rule directory whose tag ids count as known too (default: only stored tags)");
  auto* count = cmd->add_flag("--count", a->count,
                               "print only the number of matching documents (stories with --collapse)");
  auto* json = cmd->add_flag("--json", a->json, "one JSON object per line, with body; times UTC (time, time_ms)");
  auto* csv = cmd->add_flag("--csv", a->csv, "CSV (RFC 4180) with a header row");
  cmd->add_option("--fields", a->fields,
                  fmt::format("CSV columns, comma-separated (default {}; any of {})", pipeline::kDefaultCsvFields,
                              fmt::join(pipeline::CsvFieldNames(), ",")))
      ->needs(csv)
      ->check(NonEmpty());
  count->excludes(json)->excludes(csv);
  json->excludes(csv);
  cmd->add_flag("--collapse", a->collapse,
                "one document per story (its earliest match), with \"also\": the story's other members");
  auto* story_opt = cmd->add_option("--story", a->story,
                                    "list the members of one story id, earliest first (with --collapse: the story "
                                    "as one line)");
  cmd->callback([a, story_opt, exit_code] {
    auto usage = [&](const std::string& msg) {
      std::fprintf(stderr, "newsflow query: %s\n", msg.c_str());
      *exit_code = 2;
    };
    storage::QueryOptions q;
    q.tags = a->tags;
    q.any_tags = a->any;
    q.not_tags = a->nots;
    q.sources = a->sources;
    q.text = a->text;
    q.limit = a->limit;
    for (const auto* list : {&q.tags, &q.any_tags, &q.not_tags}) {
      for (const auto& t : *list) {
        if (t.find(',') != std::string::npos)
          return usage(fmt::format("tag '{}' holds a comma: give one tag per --tag (AND) or --any (OR)", t));
      }
    }
    pipeline::TimeZone zone;
    if (auto st = pipeline::DisplayZone(a->tz, &zone); !st.ok()) return usage(st.message());
    const int64_t now = NowMs();
    if (auto st = pipeline::ParseQueryTimes(a->since, a->until, zone, &q.since_ms, &q.until_ms); !st.ok())
      return usage(st.message());
    if (q.since_ms && q.until_ms && *q.since_ms > *q.until_ms) {
      return usage(fmt::format("--since {} is after --until {} ({} > {})", a->since, a->until,
                               zone.Format(*q.since_ms), zone.Format(*q.until_ms)));
    }
    if (!a->stock.empty()) {
      q.stock = pipeline::CanonicalStockCode(a->stock);
      if (q.stock.empty())
        return usage(fmt::format("--stock '{}' is not a stock code of a known form (see --help)", a->stock));
    }
    if (story_opt->count() > 0 && a->story.empty()) return usage("--story needs a story id");
    std::vector<std::string> fields;
    if (a->csv) {
      std::string why;
      if (!pipeline::ParseCsvFields(a->fields.empty() ? pipeline::kDefaultCsvFields : a->fields, &fields, &why))
        return usage(why);
    }
    auto store = OpenForReading(a->db);
    if (!store) {
      *exit_code = 1;
      return;
    }
    if (!q.tags.empty() || !q.any_tags.empty() || !q.not_tags.empty()) {
      std::vector<std::string> known;
      if (auto st = KnownTags(*store, a->rules, &known); !st.ok()) {
        std::fprintf(stderr, "newsflow query: %s\n", st.message().c_str());
        *exit_code = 1;
        return;
      }
      if (const std::string msg = UnknownTagMessage({&q.tags, &q.any_tags, &q.not_tags}, known); !msg.empty())
        return usage(msg);
    }
    if (!q.sources.empty()) {
      std::vector<std::string> known;
      if (auto st = store->ListSources(&known); !st.ok()) {
        std::fprintf(stderr, "newsflow query: %s\n", st.message().c_str());
        *exit_code = 1;
        return;
      }
      for (const auto& src : q.sources) {
        if (std::find(known.begin(), known.end(), src) != known.end()) continue;
        return usage(fmt::format("unknown source '{}' (sources of stored documents: {})", src,
                                 fmt::join(ClosestIds(src, known, known.size()), ", ")));
      }
    }
    // A member's key given for its story's id is a mistake in the command.
    // An id no stored document carries lists nothing (its story may have
    // been pruned), and says so.
    std::vector<storage::Record> story_all;  // --story: every member, earliest first
    if (!a->story.empty()) {
      std::string story;  // of the document a->story names, when it is a member's key
      Status st = pipeline::MembersOfStory(*store, a->story, &story_all);
      if (st.ok() && story_all.empty()) st = pipeline::StoryOfMemberKey(*store, a->story, &story);
      if (!st.ok()) {
        std::fprintf(stderr, "newsflow query: %s\n", st.message().c_str());
        *exit_code = 1;
        return;
      }
      if (!story.empty())
        return usage(fmt::format("'{}' is a document of story '{}': --story {}", a->story, story, story));
      if (story_all.empty())
        std::fprintf(stderr, "newsflow query: no stored document is of story '%s'\n", a->story.c_str());
    }
    // One story's members that pass the other filters (all ANDed, as
    // everywhere else), earliest first; with --collapse, the story as a
    // collapsed listing shows it (ShownMember).
    auto story_members = [&](std::vector<storage::Record>* out, std::vector<std::vector<std::string>>* also) {
      out->clear();
      if (a->collapse) {
        also->assign(1, {});
        if (const storage::Record* shown = pipeline::ShownMember(story_all, q, &also->front())) out->push_back(*shown);
        else also->clear();
        return;
      }
      for (const auto& m : story_all)
        if (storage::RecordMatches(m, q)) out->push_back(m);
    };
    if (a->count) {
      // What the listing would show: stories with --collapse, one story's
      // members with --story, else documents.
      uint64_t n = 0;
      Status counted;
      if (!a->story.empty()) {
        std::vector<storage::Record> members;
        std::vector<std::vector<std::string>> also;
        story_members(&members, &also);
        n = members.size();
      } else if (a->collapse) {
        counted = pipeline::ForEachCollapsed(*store, q, &n, nullptr);  // the count alone: no story read back
      } else {
        counted = store->Count(q, &n);
      }
      if (auto s = counted; !s.ok()) {
        std::fprintf(stderr, "newsflow query: %s\n", s.message().c_str());
        *exit_code = 1;
        return;
      }
      std::printf("%llu\n", static_cast<unsigned long long>(n));
      return;
    }
    // Each document is printed as it is read (an export of the whole store
    // holds one record at a time, not all of them), and the header with the
    // first one: its offset is the first document's.
    size_t shown = 0;
    const auto header = [&](int64_t offset_at) {  // the zone's offset at that time
      if (a->csv) std::fputs(pipeline::CsvHeader(fields).c_str(), stdout);
      if (!a->json && !a->csv) {
        std::printf("# times in %s (UTC%s); --tz or NEWSFLOW_TZ to change\n", zone.name().c_str(),
                    zone.FormatOffset(offset_at).c_str());
      }
    };
    const auto print = [&](const storage::Record& r, const std::vector<std::string>* also) {
      if (Interrupted() || StdoutFailed()) return false;
      if (shown++ == 0) header(r.time_ms);
      if (a->json) {
        pipeline::RecordJsonOptions jo;
        jo.body = true;
        jo.also = also;
        std::puts(pipeline::RecordToJson(r, jo).c_str());
      } else if (a->csv) {
        const std::string row = pipeline::RecordToCsv(r, fields, zone, also);
        std::fwrite(row.data(), 1, row.size(), stdout);  // a field may hold a NUL
      } else {
        std::printf("%s  %-28s  %s\n    [%s]\n", zone.Format(r.time_ms).c_str(), TerminalText(r.key).c_str(),
                    TerminalText(Headline(r.title, r.body)).c_str(), TagList(r).c_str());
        if (also && !also->empty()) std::printf("    also: %s\n", fmt::format("{}", fmt::join(*also, ", ")).c_str());
      }
      return q.limit == 0 || shown < q.limit;
    };
    uint64_t total = 0;  // all matches (stories with --collapse)
    Status s;
    if (!a->story.empty()) {
      std::vector<storage::Record> recs;
      std::vector<std::vector<std::string>> also;
      story_members(&recs, &also);
      total = recs.size();
      for (size_t i = 0; i < recs.size() && print(recs[i], a->collapse ? &also[i] : nullptr);) ++i;
    } else if (a->collapse) {
      s = pipeline::ForEachCollapsed(*store, q, &total,
                                     [&](const storage::Record& r, const std::vector<std::string>& also) {
                                       return print(r, &also);
                                     });
    } else {
      s = store->ForEach(q, [&](const storage::Record& r) { return print(r, nullptr); });
      // A full page: how many match in all, counted after the page is out
      // (a filter no index serves reads every document in the range).
      if (s.ok() && q.limit > 0 && shown == q.limit && !Interrupted() && !StdoutFailed()) {
        std::fflush(stdout);  // the page reaches a pipe now, not after the count
        s = store->Count(q, &total);
      }
    }
    if (!s.ok()) {
      std::fflush(stdout);
      std::fprintf(stderr, "newsflow query: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    if (shown == 0) header(now);
    std::fflush(stdout);
    *exit_code = OutputStatus("query");
    if (*exit_code == 0 && total > shown) {
      std::fprintf(stderr, "newsflow query: --limit %zu: showing %zu of %llu matching %s (--limit 0 for all)\n",
                   q.limit, shown, static_cast<unsigned long long>(total), a->collapse ? "stories" : "documents");
    }
  });
}

void RegisterShow(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("show", "Print one stored document with its tags and spans");
  auto db = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  auto tz = std::make_shared<std::string>();
  cmd->add_option("--db", *db, "RocksDB directory")->required();
  cmd->add_option("key", *key, "document key, e.g. cls:2370637")->required();
  cmd->add_option("--tz", *tz,
                  "IANA zone of \"local_time\" (default: $NEWSFLOW_TZ, else Asia/Shanghai); \"time\" stays UTC")
      ->check(NonEmpty());
  cmd->callback([db, key, tz, exit_code] {
    pipeline::TimeZone zone;
    if (auto st = pipeline::DisplayZone(*tz, &zone); !st.ok()) {
      std::fprintf(stderr, "newsflow show: %s\n", st.message().c_str());
      *exit_code = 2;
      return;
    }
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
    if (auto s = pipeline::OtherMembers(*store, r, &also); !s.ok()) {
      std::fprintf(stderr, "newsflow show: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    pipeline::RecordJsonOptions jo;
    jo.body = true;
    jo.also = &also;
    jo.zone = &zone;
    std::puts(pipeline::RecordToJson(r, jo).c_str());
  });
}

void RegisterDeadLetter(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("dead-letter", "List records that could not be processed, with reasons");
  struct Args {
    std::string db, tz;
    size_t limit = 0;
    uint64_t raw_id = 0;
    bool count = false, json = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--db", a->db, "RocksDB directory")->required();
  cmd->add_option("--tz", a->tz, "IANA zone of the times shown (default: $NEWSFLOW_TZ, else Asia/Shanghai)")
      ->check(NonEmpty());
  auto* limit = cmd->add_option("--limit", a->limit, "at most N (0 = all)")->check(UnsignedNumber());
  auto* count = cmd->add_flag("--count", a->count, "print only the number of dead letters");
  auto* json = cmd->add_flag("--json", a->json,
                             "one JSON object per line: id, time (UTC), time_ms, position, reason, size, raw (text, "
                             "null if not valid UTF-8), raw_base64 (the exact bytes), invalid_utf8_offset");
  auto* raw = cmd->add_option("--raw", a->raw_id,
                              "write dead letter ID's bytes to stdout exactly as read (no newline added), to fix "
                              "and feed again")
                  ->check(UnsignedNumber());
  count->excludes(json);
  raw->excludes(json)->excludes(count)->excludes(limit);
  cmd->callback([a, raw, exit_code] {
    pipeline::TimeZone zone;
    if (auto st = pipeline::DisplayZone(a->tz, &zone); !st.ok()) {
      std::fprintf(stderr, "newsflow dead-letter: %s\n", st.message().c_str());
      *exit_code = 2;
      return;
    }
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
    if (raw->count() > 0) {
      storage::DeadLetter d;
      bool found = false;
      if (auto s = store->GetDeadLetter(a->raw_id, &d, &found); !s.ok()) {
        std::fprintf(stderr, "newsflow dead-letter: %s\n", s.message().c_str());
        *exit_code = 1;
        return;
      }
      if (!found) {
        std::fprintf(stderr, "newsflow dead-letter: no dead letter with id %llu (the listing shows the ids)\n",
                     static_cast<unsigned long long>(a->raw_id));
        *exit_code = 1;
        return;
      }
      std::fwrite(d.raw.data(), 1, d.raw.size(), stdout);  // it may hold NUL bytes
      std::fflush(stdout);
      *exit_code = OutputStatus("dead-letter");
      return;
    }
    // One at a time: a dead letter may hold up to --max-record-bytes of raw
    // bytes, and the listing shows 160 of them.
    size_t shown = 0;
    Status listed = store->ForEachDeadLetter([&](const storage::DeadLetter& d) {
      if (Interrupted() || StdoutFailed()) return false;
      if (shown++ == 0 && !a->json) std::printf("# times in %s; --tz or NEWSFLOW_TZ to change\n", zone.name().c_str());
      if (a->json) {
        std::puts(pipeline::DeadLetterToJson(d).c_str());
      } else {
        std::printf("%s  %s\n    id: %llu\n    reason: %s\n    raw: %s\n", zone.Format(d.time_ms).c_str(),
                    TerminalText(d.position).c_str(), static_cast<unsigned long long>(d.seq),
                    TerminalText(d.reason).c_str(), Printable(d.raw, 160).c_str());
      }
      return a->limit == 0 || shown < a->limit;
    });
    if (!listed.ok()) {
      std::fflush(stdout);
      std::fprintf(stderr, "newsflow dead-letter: %s\n", listed.message().c_str());
      *exit_code = 1;
      return;
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
